// Stand-in for src/lib/prisma in tests: every delegate method is a jest.fn().
// Use with: jest.mock('../src/lib/prisma', () => require('./helpers/prisma-mock'));
export const prisma = {
  user: {
    findMany: jest.fn(),
    findUnique: jest.fn(),
    count: jest.fn(),
    create: jest.fn(),
    update: jest.fn(),
    delete: jest.fn(),
  },
  project: {
    findMany: jest.fn(),
    findUnique: jest.fn(),
    create: jest.fn(),
    update: jest.fn(),
    delete: jest.fn(),
  },
  $disconnect: jest.fn(),
};
