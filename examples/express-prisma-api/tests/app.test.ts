jest.mock('../src/lib/prisma', () => require('./helpers/prisma-mock'));

import request from 'supertest';
import { createApp } from '../src/app';

describe('app', () => {
  const app = createApp();

  it('answers the health check', async () => {
    const res = await request(app).get('/health');

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('returns JSON 404 for unknown routes', async () => {
    const res = await request(app).get('/api/nope');

    expect(res.status).toBe(404);
    expect(res.body.error).toBe('Cannot GET /api/nope');
  });

  it('returns 400 for malformed JSON', async () => {
    const res = await request(app)
      .post('/api/users')
      .set('Content-Type', 'application/json')
      .send('{"email":');

    expect(res.status).toBe(400);
  });
});
