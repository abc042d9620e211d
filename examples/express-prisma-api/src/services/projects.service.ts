import type { Project } from '@prisma/client';
import { HttpError } from '../lib/http-error';
import { prisma } from '../lib/prisma';
import type {
  CreateProjectInput,
  ListProjectsQuery,
  UpdateProjectInput,
} from '../schemas/projects.schema';

export async function listProjects(filter: ListProjectsQuery): Promise<Project[]> {
  return prisma.project.findMany({
    where: { ownerId: filter.ownerId, status: filter.status },
    orderBy: { createdAt: 'desc' },
  });
}

export async function getProject(id: number): Promise<Project> {
  const project = await prisma.project.findUnique({ where: { id } });
  if (!project) {
    throw HttpError.notFound(`Project ${id} not found`);
  }
  return project;
}

export async function createProject(input: CreateProjectInput): Promise<Project> {
  const owner = await prisma.user.findUnique({ where: { id: input.ownerId } });
  if (!owner) {
    throw HttpError.notFound(`User ${input.ownerId} not found`);
  }
  // A duplicate (ownerId, name) pair fails with P2002, mapped to 409 by the error handler.
  return prisma.project.create({ data: input });
}

export async function updateProject(id: number, input: UpdateProjectInput): Promise<Project> {
  await getProject(id);
  return prisma.project.update({ where: { id }, data: input });
}

export async function archiveProject(id: number): Promise<Project> {
  return updateProject(id, { status: 'ARCHIVED' });
}

export async function deleteProject(id: number): Promise<void> {
  await getProject(id);
  await prisma.project.delete({ where: { id } });
}
