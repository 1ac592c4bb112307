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

/** Secrets that travel in a URL path (personal self-report links) are masked in logged URLs. */
export function maskUrl(url: string | undefined): string | undefined {
  return url?.replace(/(\/self-report\/)[^/?#]+/g, '$1[masked]');
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
      req: (req: LoggedRequest) => ({
        method: req.method,
        url: maskUrl(req.url),
        host: req.host ?? req.hostname ?? req.headers?.host,
        remoteAddress: req.ip ?? req.remoteAddress ?? req.socket?.remoteAddress,
      }),
    },
  };
}

/** Structured JSON logs (pino) on stderr, so stdout stays for a command's own output (e.g. `stats --json`). */
export function createLogger(level?: string): Logger {
  return pino(loggerOptions(level), pino.destination(2));
}
