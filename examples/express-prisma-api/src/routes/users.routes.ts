import { Router } from 'express';
import * as usersController from '../controllers/users.controller';
import { asyncHandler } from '../lib/async-handler';
import { validate } from '../middleware/validate';
import { idParamsSchema } from '../schemas/common.schema';
import {
  createUserSchema,
  listUsersQuerySchema,
  updateUserSchema,
} from '../schemas/users.schema';

const router = Router();

router.get('/', validate(listUsersQuerySchema, 'query'), asyncHandler(usersController.listUsers));
router.post('/', validate(createUserSchema), asyncHandler(usersController.createUser));
router.get('/:id', validate(idParamsSchema, 'params'), asyncHandler(usersController.getUser));
router.patch(
  '/:id',
  validate(idParamsSchema, 'params'),
  validate(updateUserSchema),
  asyncHandler(usersController.updateUser),
);
router.delete('/:id', validate(idParamsSchema, 'params'), asyncHandler(usersController.deleteUser));

export default router;
