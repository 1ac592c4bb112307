/**
 * What the sampler scans or types: tube and box barcodes, and the person (an ID number, or a registry code).
 * ID numbers are checked on the phone with the server's own GB 11643 rules (src/domain/id-number.ts is pure).
 */
import { maskIdNumber, parseIdNumber } from '../../../src/domain/id-number.ts';

/** The server's barcode rule (src/modules/testing/routes.ts). */
export const BARCODE = /^[A-Za-z0-9_-]{4,40}$/;

export function normaliseBarcode(raw: string): string | null {
  const b = raw.trim();
  return BARCODE.test(b) ? b : null;
}

export type PersonCode =
  | { ok: true; personId: number; label: string }
  | { ok: true; idNumber: string; label: string }
  | { ok: false; reason: 'unreadable' }
  | { ok: false; reason: 'invalid'; message: string };

/** A registry code: `qingcang:person:123` or `person:123` (the person's registry id). */
const REGISTRY_CODE = /^(?:qingcang:)?person[:/](\d{1,15})$/i;
/** An ID number anywhere in a QR payload (a URL, key=value text): 17 digits and a check character. */
const ID_IN_TEXT = /(?:^|[^0-9])(\d{17}[\dXx])(?![0-9])/;

/**
 * Reads a typed or scanned person code. An ID number is validated (region, birth date, check character; 15
 * digits of a first-generation card are checked as their 18-digit form); a registry QR code names the registry id; an ID number inside a longer QR payload is taken from it.
 */
export function parsePersonCode(raw: string, today: Date = new Date()): PersonCode {
  const text = raw.trim();
  if (text === '') return { ok: false, reason: 'unreadable' };
  const reg = REGISTRY_CODE.exec(text);
  if (reg) {
    const personId = Number(reg[1]);
    if (!Number.isSafeInteger(personId) || personId <= 0) return { ok: false, reason: 'unreadable' };
    return { ok: true, personId, label: `#${personId}` };
  }
  const candidate = /^[\dXx]{15,20}$/.test(text) ? text : ID_IN_TEXT.exec(text)?.[1];
  if (!candidate) return { ok: false, reason: 'unreadable' };
  const parsed = parseIdNumber(candidate, today);
  if (!parsed.ok) return { ok: false, reason: 'invalid', message: parsed.message };
  // A 15-digit first-generation number is sent as typed: the server converts it to 18 digits and flags the scan
  // (id_converted_from_15). Residence permits (81, 82, 83) and foreigners' permanent residence numbers (9…) pass.
  const idNumber = parsed.value.flags.length > 0 ? candidate : parsed.value.idNumber;
  return { ok: true, idNumber, label: maskIdNumber(parsed.value.idNumber) };
}

/** FNV-1a: a short local fingerprint of a person, so the phone can keep "who is in this tube" without the ID. */
export function fingerprint(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** An idempotency key: time and 96 random bits (crypto.getRandomValues works on plain http too). */
export function newKey(now: Date = new Date()): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `s-${now.getTime().toString(36)}-${hex}`;
}
