import pino, { type Logger, type LoggerOptions } from 'pino';

/** Fields that may hold personal data: never written to logs in clear. */
export const REDACT_PATHS = [
  'id_number',
  '*.id_number',
  'idNumber',
  '*.idNumber',
  'phone',
  '*.phone',
  'req.headers.authorization',
  'req.headers.cookie',
  'password',
  '*.password',
];

/** Query parameters whose values are personal (free-text search by name, ID number or phone): never logged. */
const PERSONAL_QUERY_KEYS = new Set(['q', 'search', 'name', 'id_number', 'idnumber', 'phone']);

/**
 * Personal data that can hide in free text (URLs, error messages from the database): ID numbers (18 characters)
 * and mobile numbers, wherever they appear, keep only their first and last characters. (Old 15-digit numbers
 * cannot be told from this system's 15-digit grid codes; they reach URLs only as search terms, masked by key.)
 */
export function maskPersonalText(text: string): string {
  // Full-width digits (１３８…) are read as digits; numbers may be glued to letters or split by spaces or dashes.
  return text
    .normalize('NFKC')
    .replace(/(?<!\d)(\d{6})[ -]?\d{8}[ -]?(\d{3}[0-9Xx])(?!\d)/g, '$1********$2')
    .replace(/(?<!\d)(?:\+?86[ -]?)?(1[3-9]\d)[ -]?\d{4}[ -]?(\d{4})(?!\d)/g, '$1****$2');
}

function decodeLoosely(s: string): string {
  try {
    return decodeURIComponent(s.replaceAll('+', ' '));
  } catch {
    return s;
  }
}

/**
 * A request URL as it may be logged: the secret of a personal self-report link masked, the values of personal
 * query parameters (q, name, phone…) replaced, and ID and phone numbers masked anywhere in the path or query,
 * percent-encoded or not.
 */
export function maskUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const at = url.indexOf('?');
  const path = decodeLoosely(at < 0 ? url : url.slice(0, at)).replace(
    /(\/self-report\/)[^/?#]+/g,
    '$1[masked]',
  );
  if (at < 0) return maskPersonalText(path);
  const query = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = decodeLoosely(eq < 0 ? pair : pair.slice(0, eq));
      if (eq < 0) return key;
      return PERSONAL_QUERY_KEYS.has(key.toLowerCase())
        ? `${key}=[masked]`
        : `${key}=${decodeLoosely(pair.slice(eq + 1))}`;
    })
    .join('&');
  return maskPersonalText(`${path}?${query}`);
}

interface LoggedError {
  type?: string;
  message?: string;
  stack?: string;
  code?: string;
  detail?: string;
  [key: string]: unknown;
}

/** Errors are logged with their type, code and stack, personal data masked (a unique-key error names its value). */
function serializeError(err: LoggedError): Record<string, unknown> {
  const base = pino.stdSerializers.err(err as unknown as Error) as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(base)) out[k] = typeof v === 'string' ? maskPersonalText(v) : v;
  return out;
}

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  hostname?: string;
  headers?: Record<string, unknown>;
  ip?: string;
  remoteAddress?: string;
  socket?: { remoteAddress?: string };
}

export function loggerOptions(level = process.env.LOG_LEVEL ?? 'info'): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[masked]' },
    base: { service: 'qingcang' },
    serializers: {
      err: serializeError,
      req: (req: LoggedRequest) => ({
        method: req.method,
        url: maskUrl(req.url),
        host: maskPersonalText(String(req.host ?? req.hostname ?? req.headers?.host ?? '')),
        remoteAddress: req.ip ?? req.remoteAddress ?? req.socket?.remoteAddress,
      }),
    },
  };
}

/** Structured JSON logs (pino) on stderr, so stdout stays for a command's own output (e.g. `stats --json`). */
export function createLogger(level?: string): Logger {
  return pino(loggerOptions(level), pino.destination(2));
}
