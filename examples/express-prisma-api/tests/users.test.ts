jest.mock('../src/lib/prisma', () => require('./helpers/prisma-mock'));

import request from 'supertest';
import { createApp } from '../src/app';
import { prisma } from './helpers/prisma-mock';

const app = createApp();

const ada = {
  id: 1,
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  role: 'MEMBER',
  createdAt: new Date('2024-03-01T12:00:00Z'),
  updatedAt: new Date('2024-03-01T12:00:00Z'),
};

describe('GET /api/users', () => {
  it('returns a page of users', async () => {
    prisma.user.findMany.mockResolvedValue([ada]);
    prisma.user.count.mockResolvedValue(1);

    const res = await request(app).get('/api/users?page=1&pageSize=10');

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 1, page: 1, pageSize: 10 });
    expect(res.body.items[0].email).toBe('ada@example.com');
    expect(prisma.user.findMany).toHaveBeenCalledWith(expect.objectContaining({ skip: 0, take: 10 }));
  });

  it('rejects an out-of-range page size', async () => {
    const res = await request(app).get('/api/users?pageSize=1000');

    expect(res.status).toBe(400);
    expect(prisma.user.findMany).not.toHaveBeenCalled();
  });
});

describe('GET /api/users/:id', () => {
  it('returns the user', async () => {
    prisma.user.findUnique.mockResolvedValue(ada);

    const res = await request(app).get('/api/users/1');

    expect(res.status).toBe(200);
    expect(res.body.name).toBe('Ada Lovelace');
    expect(prisma.user.findUnique).toHaveBeenCalledWith({ where: { id: 1 } });
  });

  it('returns 404 for an unknown user', async () => {
    prisma.user.findUnique.mockResolvedValue(null);

    const res = await request(app).get('/api/users/42');

    expect(res.status).toBe(404);
    expect(res.body.error).toBe('User 42 not found');
  });

  it('returns 400 for a non-numeric id', async () => {
    const res = await request(app).get('/api/users/abc');

    expect(res.status).toBe(400);
  });
});

describe('POST /api/users', () => {
  it('creates a user with a lower-cased email', async () => {
    prisma.user.findUnique.mockResolvedValue(null);
    prisma.user.create.mockImplementation(async ({ data }) => ({ ...ada, ...data }));

    const res = await request(app)
      .post('/api/users')
      .send({ email: 'Ada@Example.com', name: 'Ada Lovelace' });

    expect(res.status).toBe(201);
    expect(res.headers.location).toBe('/api/users/1');
    expect(prisma.user.create).toHaveBeenCalledWith({
      data: { email: 'ada@example.com', name: 'Ada Lovelace' },
    });
  });

  it('rejects a duplicate email with 409', async () => {
    prisma.user.findUnique.mockResolvedValue(ada);

    const res = await request(app)
      .post('/api/users')
      .send({ email: 'ada@example.com', name: 'Ada again' });

    expect(res.status).toBe(409);
    expect(prisma.user.create).not.toHaveBeenCalled();
  });

  it('validates the body', async () => {
    const res = await request(app).post('/api/users').send({ email: 'not-an-email' });

    expect(res.status).toBe(400);
    expect(res.body.error).toBe('Validation failed');
  });
});

describe('DELETE /api/users/:id', () => {
  it('deletes an existing user', async () => {
    prisma.user.findUnique.mockResolvedValue(ada);
    prisma.user.delete.mockResolvedValue(ada);

    const res = await request(app).delete('/api/users/1');

    expect(res.status).toBe(204);
    expect(prisma.user.delete).toHaveBeenCalledWith({ where: { id: 1 } });
  });
});
