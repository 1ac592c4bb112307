/**
 * The one fetch wrapper: JSON in and out, the session's CSRF token on every change, and the API's
 * `{"error":{"code","message"}}` turned into an ApiError whose message is the API's own.
 */

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** The error's `details` as the API sent them (failing fields, rules still missing…). */
  readonly details: unknown;
  constructor(status: number, code: string, message: string, details: unknown = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

let csrfToken: string | null = null;
let onUnauthenticated: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when a request answers 401 (session expired or ended): the app goes back to the login page. */
export function setUnauthenticatedHandler(handler: (() => void) | null): void {
  onUnauthenticated = handler;
}

export async function api<T>(path: string, options: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  return send<T>(
    path,
    method,
    headers,
    options.body === undefined ? undefined : JSON.stringify(options.body),
  );
}

/** Uploads a file as multipart/form-data in the field "file" (the browser sets the boundary). */
export async function apiUpload<T>(path: string, file: File): Promise<T> {
  const form = new FormData();
  form.append('file', file, file.name);
  return send<T>(path, 'POST', { accept: 'application/json' }, form);
}

async function send<T>(
  path: string,
  method: string,
  headers: Record<string, string>,
  body: BodyInit | undefined,
): Promise<T> {
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', body });
  } catch {
    throw new ApiError(0, 'network', 'the server cannot be reached');
  }
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
    if (res.status === 401 && path !== '/api/auth/login') onUnauthenticated?.();
    throw new ApiError(
      res.status,
      err?.code ?? 'http_error',
      err?.message ?? `HTTP ${res.status}`,
      err?.details,
    );
  }
  return data as T;
}

/** Builds a query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * The API's answers are typed in contract.ts from the server's own types; the few that most screens share are
 * re-exported here with the wrapper that fetches them.
 */
export type { Area, Me, Person } from './contract.ts';
