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

export function loggerOptions(level = process.env.LOG_LEVEL ?? 'info'): LoggerOptions {
  return { level, redact: { paths: REDACT_PATHS, censor: '[masked]' }, base: { service: 'qingcang' } };
}

/** Structured JSON logs (pino) on stderr, so stdout stays for a command's own output (e.g. `stats --json`). */
export function createLogger(level?: string): Logger {
  return pino(loggerOptions(level), pino.destination(2));
}
