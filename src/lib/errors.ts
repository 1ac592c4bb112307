/** One error type for the whole product: a stable machine code, an HTTP status and a message that says what to do. */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details?: unknown;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const notFound = (what: string, id: string | number) =>
  new AppError(404, 'not_found', `${what} ${id} was not found`);
export const badRequest = (code: string, message: string, details?: unknown) =>
  new AppError(400, code, message, details);

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
]);

/** True when an error means the database cannot be reached (the API then answers 503 with Retry-After). */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  if (e.code && UNAVAILABLE_CODES.has(e.code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Cannot use a pool after calling end|PGlite is closed|is not queryable|terminating connection/i.test(
    e.message ?? '',
  );
}

/**
 * True when the database refused for lack of resources (SQLSTATE class 53: disk full, out of memory, too many
 * connections). Nothing of the request was kept; the API answers 503 with Retry-After, as for an outage.
 */
export function isDatabaseFull(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  return (
    (typeof e.code === 'string' && /^53\d{3}$/.test(e.code)) ||
    /No space left on device|ENOSPC/.test(e.message ?? '')
  );
}
