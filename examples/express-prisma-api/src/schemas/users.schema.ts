import { z } from 'zod';

export const createUserSchema = z.object({
  email: z.string().email().transform((email) => email.toLowerCase()),
  name: z.string().trim().min(1).max(120),
  role: z.enum(['MEMBER', 'ADMIN']).optional(),
});

export const updateUserSchema = createUserSchema.partial().refine(
  (body) => Object.keys(body).length > 0,
  { message: 'At least one field is required' },
);

export const listUsersQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});

export type CreateUserInput = z.infer<typeof createUserSchema>;
export type UpdateUserInput = z.infer<typeof updateUserSchema>;
export type ListUsersQuery = z.infer<typeof listUsersQuerySchema>;
