import type { User } from '@prisma/client';
import { HttpError } from '../lib/http-error';
import { prisma } from '../lib/prisma';
import type { CreateUserInput, ListUsersQuery, UpdateUserInput } from '../schemas/users.schema';

export interface UserPage {
  items: User[];
  total: number;
  page: number;
  pageSize: number;
}

export async function listUsers({ page, pageSize }: ListUsersQuery): Promise<UserPage> {
  const [items, total] = await Promise.all([
    prisma.user.findMany({ orderBy: { id: 'asc' }, skip: (page - 1) * pageSize, take: pageSize }),
    prisma.user.count(),
  ]);
  return { items, total, page, pageSize };
}

export async function getUser(id: number): Promise<User> {
  const user = await prisma.user.findUnique({ where: { id } });
  if (!user) {
    throw HttpError.notFound(`User ${id} not found`);
  }
  return user;
}

export async function createUser(input: CreateUserInput): Promise<User> {
  const existing = await prisma.user.findUnique({ where: { email: input.email } });
  if (existing) {
    throw HttpError.conflict(`Email ${input.email} is already registered`);
  }
  return prisma.user.create({ data: input });
}

export async function updateUser(id: number, input: UpdateUserInput): Promise<User> {
  await getUser(id);
  return prisma.user.update({ where: { id }, data: input });
}

export async function deleteUser(id: number): Promise<void> {
  await getUser(id);
  await prisma.user.delete({ where: { id } });
}
