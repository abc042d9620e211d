import type { Request, Response } from 'express';
import type {
  CreateProjectInput,
  ListProjectsQuery,
  UpdateProjectInput,
} from '../schemas/projects.schema';
import * as projectsService from '../services/projects.service';

export async function listProjects(req: Request, res: Response): Promise<void> {
  res.json(await projectsService.listProjects(req.query as unknown as ListProjectsQuery));
}

export async function getProject(req: Request, res: Response): Promise<void> {
  res.json(await projectsService.getProject(Number(req.params.id)));
}

export async function createProject(req: Request, res: Response): Promise<void> {
  const project = await projectsService.createProject(req.body as CreateProjectInput);
  res.status(201).location(`/api/projects/${project.id}`).json(project);
}

export async function updateProject(req: Request, res: Response): Promise<void> {
  res.json(
    await projectsService.updateProject(Number(req.params.id), req.body as UpdateProjectInput),
  );
}

export async function archiveProject(req: Request, res: Response): Promise<void> {
  res.json(await projectsService.archiveProject(Number(req.params.id)));
}

export async function deleteProject(req: Request, res: Response): Promise<void> {
  await projectsService.deleteProject(Number(req.params.id));
  res.status(204).end();
}
