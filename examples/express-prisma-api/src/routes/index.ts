import { Router } from 'express';
import projectsRouter from './projects.routes';
import usersRouter from './users.routes';

// Mounted under /api in src/app.ts.
const router = Router();

router.use('/users', usersRouter);
router.use('/projects', projectsRouter);

export default router;
