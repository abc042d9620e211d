jest.mock('../src/lib/prisma', () => require('./helpers/prisma-mock'));

import request from 'supertest';
import { createApp } from '../src/app';
import { prisma } from './helpers/prisma-mock';

const app = createApp();

const project = {
  id: 7,
  name: 'Website relaunch',
  description: null,
  status: 'ACTIVE',
  ownerId: 1,
  createdAt: new Date('2024-03-15T09:30:00Z'),
  updatedAt: new Date('2024-03-15T09:30:00Z'),
};

describe('POST /api/projects', () => {
  it('creates a project for an existing owner', async () => {
    prisma.user.findUnique.mockResolvedValue({ id: 1 });
    prisma.project.create.mockResolvedValue(project);

    const res = await request(app)
      .post('/api/projects')
      .send({ name: 'Website relaunch', ownerId: 1 });

    expect(res.status).toBe(201);
    expect(res.body.id).toBe(7);
    expect(prisma.project.create).toHaveBeenCalledWith({
      data: { name: 'Website relaunch', ownerId: 1 },
    });
  });

  it('returns 404 when the owner does not exist', async () => {
    prisma.user.findUnique.mockResolvedValue(null);

    const res = await request(app).post('/api/projects').send({ name: 'Orphan', ownerId: 99 });

    expect(res.status).toBe(404);
    expect(prisma.project.create).not.toHaveBeenCalled();
  });
});

describe('GET /api/projects', () => {
  it('filters by owner and status', async () => {
    prisma.project.findMany.mockResolvedValue([project]);

    const res = await request(app).get('/api/projects?ownerId=1&status=ACTIVE');

    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(1);
    expect(prisma.project.findMany).toHaveBeenCalledWith(
      expect.objectContaining({ where: { ownerId: 1, status: 'ACTIVE' } }),
    );
  });
});

describe('POST /api/projects/:id/archive', () => {
  it('archives the project', async () => {
    prisma.project.findUnique.mockResolvedValue(project);
    prisma.project.update.mockResolvedValue({ ...project, status: 'ARCHIVED' });

    const res = await request(app).post('/api/projects/7/archive');

    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ARCHIVED');
    expect(prisma.project.update).toHaveBeenCalledWith({
      where: { id: 7 },
      data: { status: 'ARCHIVED' },
    });
  });
});
