/**
 * Every error code the API can answer has Chinese words in the web app: the Chinese interface never shows the
 * API's English sentence or a bare code. The codes are read from the server's sources, so a new code without
 * its words fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorsZh } from '../../web/src/i18n/errors.ts';
import { clientErrorCode } from './app.ts';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** Codes thrown as `new AppError(status, 'code', …)`, `badRequest('code', …)`, `new ImportFileError('code', …)` or an AppError subclass's `super(status, 'code', …)`, or sent as `{ code: 'code', … }` by the error handler. */
function serverCodes(): Map<string, string> {
  const codes = new Map<string, string>();
  const src = join(import.meta.dirname, '..');
  for (const file of sources(src)) {
    const text = readFileSync(file, 'utf8');
    // Also a file refused whole (ImportFileError, answered 400 with its code by upload.ts) and AppError subclasses.
    for (const m of text.matchAll(
      /(?:new AppError\(\s*\d+,|badRequest\(|new ImportFileError\(|super\(\s*\d+,)\s*'([a-z_0-9]+)'/g,
    ))
      codes.set(m[1] as string, file);
  }
  const app = readFileSync(join(src, 'server', 'app.ts'), 'utf8');
  for (const m of app.matchAll(/code: '([a-z_]+)'/g)) codes.set(m[1] as string, 'src/server/app.ts');
  return codes;
}

describe('error codes in words', () => {
  it('finds the codes it checks (the scan itself works)', () => {
    const codes = serverCodes();
    expect(codes.size).toBeGreaterThan(70);
    for (const c of ['login_failed', 'site_full', 'validation_failed', 'database_unavailable', 'not_ready'])
      expect(codes.has(c), c).toBe(true);
  });

  it('has Chinese words for every code the server answers', () => {
    const missing = [...serverCodes()].filter(([c]) => !errorsZh[c]).map(([c, f]) => `${c} (${f})`);
    expect(missing).toEqual([]);
  });

  it("has Chinese words for the framework's codes and the web client's own", () => {
    const framework = [413, 415, 429, 406, 414, 404, 400].map((s) => clientErrorCode(s, undefined));
    framework.push(
      clientErrorCode(400, 'FST_ERR_CTP_INVALID_JSON_BODY'),
      'url_invalid',
      'network',
      'http_error',
    );
    for (const c of framework) expect(errorsZh[c], c).toBeTruthy();
  });

  it('words every code in Chinese, not English', () => {
    for (const [code, words] of Object.entries(errorsZh))
      expect(/[\u4e00-\u9fff]/.test(words), `${code}: ${words}`).toBe(true);
  });
});
