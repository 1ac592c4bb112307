import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Db } from '../db/types.ts';
import { ManualClock } from '../domain/clock.ts';
import { buildApp } from '../server/app.ts';
import { loggerOptions, maskPersonalText, maskUrl } from './logger.ts';

/** A logger with our options writing into memory. */
function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, log: pino(loggerOptions('info'), sink) };
}

describe('structured logs', () => {
  it('never write ID numbers, phones, passwords or session cookies in clear', () => {
    const { lines, log } = capture();
    log.info(
      {
        id_number: '22020219900101123X',
        phone: '13812345678',
        person: { id_number: '22020219900101123X', phone: '13812345678' },
      },
      'person read',
    );
    log.info(
      {
        password: 'correct horse battery staple',
        req: { headers: { cookie: 'qc_session=secret', authorization: 'Bearer qct_secret' } },
      },
      'login',
    );
    const text = lines.join('');
    for (const secret of [
      '22020219900101123X',
      '13812345678',
      'correct horse',
      'qc_session=secret',
      'qct_secret',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[masked]');
  });

  it('masks the secret of a personal self-report link in logged request URLs', () => {
    const { lines, log } = capture();
    log.info(
      { req: { method: 'POST', url: '/api/self-report/s3cr3tS3CR3T?x=1', ip: '10.0.0.1' } },
      'incoming',
    );
    log.info({ req: { method: 'GET', url: '/api/persons?area=2202' } }, 'incoming');
    const [first, second] = lines.map(
      (l) => JSON.parse(l) as { req: { url: string; remoteAddress?: string } },
    );
    expect(first?.req).toMatchObject({ url: '/api/self-report/[masked]?x=1', remoteAddress: '10.0.0.1' });
    expect(lines.join('')).not.toContain('s3cr3tS3CR3T');
    expect(second?.req.url).toBe('/api/persons?area=2202');
  });
});

describe('personal data in URLs and errors', () => {
  const ID = '22020219900101123X';
  const PHONE = '13812345678';

  it('masks ID numbers and phones anywhere in a URL, and personal query values whole', () => {
    expect(maskUrl(`/api/persons?q=${ID}&limit=5`)).toBe('/api/persons?q=[masked]&limit=5');
    expect(maskUrl(`/api/persons?q=${encodeURIComponent('王小明')}`)).toBe('/api/persons?q=[masked]');
    expect(maskUrl(`/api/nope/${ID}/x?phone=${PHONE}`)).toBe('/api/nope/220202********123X/x?phone=[masked]');
    expect(maskUrl(`/api/nope?who=${PHONE}&id=${ID.toLowerCase()}`)).toBe(
      '/api/nope?who=138****5678&id=220202********123x',
    );
    // Percent-encoded digits are decoded before masking.
    const encoded = [...ID].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('');
    expect(maskUrl(`/api/x/${encoded}`)).toBe('/api/x/220202********123X');
    // Glued to letters, split by spaces or dashes, in full-width digits.
    for (const raw of [
      `x${ID}y`,
      '220202 19900101123X',
      '138-1234-5678',
      '138 1234 5678',
      'a13812345678b',
      '１３８１２３４５６７８',
    ])
      expect(maskPersonalText(raw), raw).not.toMatch(/19900101|1234-?5678|12345678/);
    // Area codes, ids and dates stay readable.
    expect(maskUrl('/api/areas/220202001001001?date=2022-03-14&after=123456')).toBe(
      '/api/areas/220202001001001?date=2022-03-14&after=123456',
    );
    expect(maskPersonalText(`Key (id_number)=(${ID}) already exists`)).toBe(
      'Key (id_number)=(220202********123X) already exists',
    );
  });

  it('keeps them out of the server log: request URLs of any route, known or not, and logged errors', async () => {
    const { lines, log } = capture();
    const db = {
      kind: 'postgresql',
      query: async () => {
        throw Object.assign(new Error(`duplicate key: Key (id_number)=(${ID}) phone ${PHONE}`), {
          code: '23505',
        });
      },
      transaction: async () => {
        throw new Error('unreachable');
      },
      close: async () => {},
      describe: () => ({ kind: 'postgresql', location: 'postgres://x' }),
    } as unknown as Db;
    const app = await buildApp({ db, clock: new ManualClock('2022-03-14T08:00:00Z'), logger: log });
    await app.inject({ method: 'GET', url: `/api/persons?q=${ID}` });
    await app.inject({ method: 'GET', url: `/api/persons?phone=${PHONE}&q=%E7%8E%8B` });
    await app.inject({ method: 'GET', url: `/api/unknown/${ID}?x=${PHONE}` });
    await app.inject({ method: 'GET', url: `/api/health?id=${ID}` }); // logs the database error
    await app.close();
    const text = lines.join('');
    expect(text).toContain('[masked]');
    expect(text).toContain('duplicate key');
    for (const secret of [ID, PHONE, '王', '%E7%8E%8B']) expect(text).not.toContain(secret);
  });
});
