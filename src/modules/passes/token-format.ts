/**
 * The pass token (通行证二维码) as text: `QC1.<base64url(claims JSON)>.<base64url(Ed25519 signature)>`, the
 * signature over the ASCII text `QC1.<base64url(claims JSON)>` (as JWS signs its header and payload). Compact so a
 * QR code of it scans from a phone screen or a printed sheet: about 250 characters for a vehicle with two areas.
 *
 * Pure and without Node's APIs (base64 through atob/btoa, UTF-8 through TextEncoder/TextDecoder): the server signs
 * and verifies with node:crypto (signing.ts), the checkpoint page in the browser reads tokens with this same file
 * and verifies offline with the cached public key. A token whose shape is wrong is refused before any signature
 * check (`token_malformed`); one that reads well but whose signature does not hold is a forgery (verdict.ts).
 */

export const TOKEN_VERSION = 'QC1';
export const PASS_KINDS = ['supply', 'medical', 'response', 'emergency'] as const;
export type PassKind = (typeof PASS_KINDS)[number];
/** The most areas a pass may name (each adds up to 18 characters to the QR code). */
export const MAX_PASS_AREAS = 12;

/** What the token says, in short keys. Times are whole seconds since 1970 (UTC). */
export interface PassClaims {
  /** The pass's id. */
  p: number;
  /** Its kind. */
  k: PassKind;
  /** Holder: a vehicle ('v') or a person ('p'). */
  h: 'v' | 'p';
  /** A vehicle's plate, or a person's name masked to the family name (王**). */
  n: string;
  /** A person's ID number: its last four characters, to compare with the card shown. */
  i?: string;
  /** Allowed area codes (GB/T 2260 paths), in order when `r` says they are a route. */
  a: string[];
  /** 1 when the areas are a route (in order). */
  r?: 1;
  /** Valid from (inclusive). */
  f: number;
  /** Valid until (exclusive). */
  u: number;
  /** The id of the key that signed it. */
  kid: string;
}

export type TokenReading =
  | { ok: true; claims: PassClaims; signingInput: string; signature: Uint8Array }
  | { ok: false; reason: string };

const AREA_CODE = /^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12}|\d{15})$/;
const KEY_ID = /^[A-Za-z0-9_-]{4,16}$/;
const TOKEN = /^QC1\.([A-Za-z0-9_-]{16,2000})\.([A-Za-z0-9_-]{86})$/;
/** Seconds: 2019-12-01 to 2100-01-01, as every time the platform takes (lib/instant.ts). */
const EARLIEST = Date.UTC(2019, 11, 1) / 1000;
const LATEST = Date.UTC(2100, 0, 1) / 1000;

export function base64urlEncode(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** The bytes of base64url text (no padding), or null when it is not base64url. */
export function base64urlDecode(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  try {
    const bin = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

/** The claims as the token's middle part (key order as given: the signature covers these exact bytes). */
export function encodeClaims(claims: PassClaims): string {
  return base64urlEncode(new TextEncoder().encode(JSON.stringify(claims)));
}

/** The text a signature covers. */
export function signingInputOf(encodedClaims: string): string {
  return `${TOKEN_VERSION}.${encodedClaims}`;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** Checks the claims' shape: every field of the right type and range, nothing else. */
export function checkClaims(value: unknown): PassClaims | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'claims are not an object';
  const c = value as Record<string, unknown>;
  const allowed = new Set(['p', 'k', 'h', 'n', 'i', 'a', 'r', 'f', 'u', 'kid']);
  for (const key of Object.keys(c)) if (!allowed.has(key)) return `unknown claim "${key}"`;
  if (!isInt(c.p) || c.p <= 0) return 'p (pass id) must be a positive integer';
  if (!(PASS_KINDS as readonly unknown[]).includes(c.k)) return 'k (kind) is not a kind of pass';
  if (c.h !== 'v' && c.h !== 'p') return 'h (holder) must be v or p';
  if (typeof c.n !== 'string' || c.n.length < 1 || c.n.length > 20)
    return 'n (holder) must be 1–20 characters';
  if (c.i !== undefined && (typeof c.i !== 'string' || !/^[0-9]{3}[0-9X]$/.test(c.i)))
    return 'i must be the last four characters of an ID number';
  if (
    !Array.isArray(c.a) ||
    c.a.length < 1 ||
    c.a.length > MAX_PASS_AREAS ||
    !c.a.every((x) => typeof x === 'string' && AREA_CODE.test(x))
  )
    return `a (areas) must be 1–${MAX_PASS_AREAS} area codes`;
  if (c.r !== undefined && c.r !== 1) return 'r (route) must be 1 when present';
  if (!isInt(c.f) || !isInt(c.u) || c.f < EARLIEST || c.u > LATEST || c.u <= c.f)
    return 'f and u must be whole seconds, f before u, between 2019-12 and 2099';
  if (typeof c.kid !== 'string' || !KEY_ID.test(c.kid)) return 'kid must be a key id';
  return c as unknown as PassClaims;
}

/** Reads a token's parts and claims (whitespace around it ignored); says why when it is not a pass token. */
export function readPassToken(text: string): TokenReading {
  const m = TOKEN.exec(text.trim());
  if (!m) return { ok: false, reason: 'a pass token is QC1.<claims>.<signature> in base64url' };
  const [, encoded, sig] = m as unknown as [string, string, string];
  const payload = base64urlDecode(encoded);
  const signature = base64urlDecode(sig);
  if (!payload || !signature || signature.length !== 64)
    return { ok: false, reason: 'the token is not base64url' };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    return { ok: false, reason: 'the claims are not UTF-8 JSON' };
  }
  const claims = checkClaims(json);
  if (typeof claims === 'string') return { ok: false, reason: claims };
  return { ok: true, claims, signingInput: signingInputOf(encoded), signature };
}
