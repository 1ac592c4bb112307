import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loggerOptions } from './logger.ts';

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
