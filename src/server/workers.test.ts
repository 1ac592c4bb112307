import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nudgeOnWrites } from './workers.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the dashboard refresh nudged by writes', () => {
  const app = Fastify();
  let refreshed = 0;
  beforeAll(async () => {
    nudgeOnWrites(app, () => refreshed++, 20, 1500);
    app.post('/api/isolation/sites/:id/close', async () => ({ status: 'closing' }));
    app.post('/api/isolation/sites/:id/accept', async (_req, reply) => reply.status(409).send({}));
    app.get('/api/isolation/board', async () => ({}));
    app.post('/api/testing/rounds/:id/scans', async () => ({}));
    await app.ready();
  });
  afterAll(() => app.close());

  it('refreshes soon after a write that changes its figures, at most once per gap, never for reads or refusals', async () => {
    await app.inject({ method: 'GET', url: '/api/isolation/board' });
    await app.inject({ method: 'POST', url: '/api/isolation/sites/1/accept' }); // refused: nothing changed
    await app.inject({ method: 'POST', url: '/api/testing/rounds/1/scans' }); // scans do not change the figures it nudges for
    await sleep(250);
    expect(refreshed).toBe(0);
    await app.inject({ method: 'POST', url: '/api/isolation/sites/1/close' });
    await app.inject({ method: 'POST', url: '/api/isolation/sites/2/close' });
    await sleep(250);
    expect(refreshed).toBe(1); // two writes, one refresh
    await app.inject({ method: 'POST', url: '/api/isolation/sites/3/close' });
    await sleep(250);
    expect(refreshed).toBe(1); // within the gap: waits
    await sleep(1500);
    expect(refreshed).toBe(2);
  });
});
