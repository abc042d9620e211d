import { Router } from 'express';
import * as projectsController from '../controllers/projects.controller';
import { asyncHandler } from '../lib/async-handler';
import { validate } from '../middleware/validate';
import { idParamsSchema } from '../schemas/common.schema';
import {
  createProjectSchema,
  listProjectsQuerySchema,
  updateProjectSchema,
} from '../schemas/projects.schema';

const router = Router();

router.get(
  '/',
  validate(listProjectsQuerySchema, 'query'),
  asyncHandler(projectsController.listProjects),
);
router.post('/', validate(createProjectSchema), asyncHandler(projectsController.createProject));
router.get('/:id', validate(idParamsSchema, 'params'), asyncHandler(projectsController.getProject));
router.patch(
  '/:id',
  validate(idParamsSchema, 'params'),
  validate(updateProjectSchema),
  asyncHandler(projectsController.updateProject),
);
router.post(
  '/:id/archive',
  validate(idParamsSchema, 'params'),
  asyncHandler(projectsController.archiveProject),
);
router.delete(
  '/:id',
  validate(idParamsSchema, 'params'),
  asyncHandler(projectsController.deleteProject),
);

export default router;
