import type { Request, Response } from 'express';
import type { CreateUserInput, ListUsersQuery, UpdateUserInput } from '../schemas/users.schema';
import * as usersService from '../services/users.service';

export async function listUsers(req: Request, res: Response): Promise<void> {
  const query = req.query as unknown as ListUsersQuery;
  res.json(await usersService.listUsers(query));
}

export async function getUser(req: Request, res: Response): Promise<void> {
  res.json(await usersService.getUser(Number(req.params.id)));
}

export async function createUser(req: Request, res: Response): Promise<void> {
  const user = await usersService.createUser(req.body as CreateUserInput);
  res.status(201).location(`/api/users/${user.id}`).json(user);
}

export async function updateUser(req: Request, res: Response): Promise<void> {
  res.json(await usersService.updateUser(Number(req.params.id), req.body as UpdateUserInput));
}

export async function deleteUser(req: Request, res: Response): Promise<void> {
  await usersService.deleteUser(Number(req.params.id));
  res.status(204).end();
}
