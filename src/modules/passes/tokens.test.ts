/**
 * The pass token without a database: signing and verifying (node:crypto, and the browser's library on the same
 * bytes), tampering, wrong keys, the reader's refusals, the verdict's order, the area rule, plates, the enclosing
 * area and the speed rule.
 */
import { generateKeyPairSync } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { enclosingArea, normalisePlate } from './issue.ts';
import { keyIdOf, rawOfPublicKey, signatureHolds, signClaims } from './signing.ts';
import { greatCircleKm, tooFast } from './speed.ts';
import {
  base64urlDecode,
  base64urlEncode,
  encodeClaims,
  type PassClaims,
  readPassToken,
  type TokenReading,
} from './token-format.ts';
import { areaAllowed, judge, passStatus } from './verdict.ts';

const keys = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const kid = keyIdOf(Buffer.from(rawOfPublicKey(keys.publicKey), 'base64url'));
const T0 = Date.parse('2022-03-14T08:00:00Z') / 1000;
const claims: PassClaims = {
  p: 42,
  k: 'supply',
  h: 'v',
  n: '吉B12345',
  a: ['220202001', '220204'],
  f: T0,
  u: T0 + 3 * 86400,
  kid,
};
const read = (token: string) => {
  const r = readPassToken(token);
  if (!r.ok) throw new Error(r.reason);
  return r as Extract<TokenReading, { ok: true }>;
};

describe('pass token', () => {
  it('is QC1.<claims>.<signature>, compact, and verifies with the key that signed it', () => {
    const token = signClaims(claims, keys.privateKey);
    expect(token).toMatch(/^QC1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/);
    expect(token.length).toBeLessThan(300); // a QR code of version 10 or so
    const r = read(token);
    expect(r.claims).toEqual(claims);
    expect(signatureHolds(r, keys.publicKey)).toBe(true);
  });

  it('verifies in the browser library (@noble/curves) on the same bytes, with the raw public key', () => {
    const token = signClaims(claims, keys.privateKey);
    const r = read(token);
    const pub = base64urlDecode(rawOfPublicKey(keys.publicKey)) as Uint8Array;
    const msg = new TextEncoder().encode(r.signingInput);
    expect(ed25519.verify(r.signature, msg, pub, { zip215: false })).toBe(true);
    const tampered = read(tamper(token, { a: ['22'] }));
    expect(
      ed25519.verify(tampered.signature, new TextEncoder().encode(tampered.signingInput), pub, {
        zip215: false,
      }),
    ).toBe(false);
  });

  it('fails on a changed claim, another key, or a changed signature', () => {
    const token = signClaims(claims, keys.privateKey);
    for (const change of [{ u: claims.u + 86400 }, { a: ['2202'] }, { n: '吉B99999' }, { p: 43 }])
      expect(signatureHolds(read(tamper(token, change)), keys.publicKey), JSON.stringify(change)).toBe(false);
    expect(signatureHolds(read(token), other.publicKey)).toBe(false);
    // Signed by another key under this key's id: a forgery.
    expect(signatureHolds(read(signClaims(claims, other.privateKey)), keys.publicKey)).toBe(false);
    const [head, body, sig] = token.split('.') as [string, string, string];
    const flipped = `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    expect(signatureHolds(read(`${head}.${body}.${flipped}`), keys.publicKey)).toBe(false);
  });

  it('refuses what is not a pass token, saying why', () => {
    const token = signClaims(claims, keys.privateKey);
    const [, body, sig] = token.split('.') as [string, string, string];
    const bad = [
      '',
      'hello',
      token.replace('QC1.', 'QC2.'),
      `${token}.x`,
      `QC1.${body}.${sig.slice(1)}`, // signature too short
      `QC1.${body}!.${sig}`,
      `QC1.${base64urlEncode(new TextEncoder().encode('not json'))}.${sig}`,
      `QC1.${base64urlEncode(new Uint8Array([0xff, 0xfe, 0x7b, 0x7d, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20]))}.${sig}`,
      `QC1.${enc({ ...claims, extra: 1 })}.${sig}`,
      `QC1.${base64urlEncode(new TextEncoder().encode(`{"__proto__":{"x":1},${JSON.stringify(claims).slice(1)}`))}.${sig}`,
      `QC1.${enc({ ...claims, p: -1 })}.${sig}`,
      `QC1.${enc({ ...claims, k: 'vip' })}.${sig}`,
      `QC1.${enc({ ...claims, a: [] })}.${sig}`,
      `QC1.${enc({ ...claims, a: ['2202x'] })}.${sig}`,
      `QC1.${enc({ ...claims, a: Array(13).fill('2202') })}.${sig}`,
      `QC1.${enc({ ...claims, u: claims.f })}.${sig}`,
      `QC1.${enc({ ...claims, f: 0 })}.${sig}`,
      `QC1.${enc({ ...claims, i: '12' })}.${sig}`,
      `QC1.${enc({ ...claims, kid: 'a b' })}.${sig}`,
      `QC1.${base64urlEncode(new TextEncoder().encode('[1,2,3,4,5,6,7,8,9]'))}.${sig}`,
    ];
    for (const text of bad) expect(readPassToken(text).ok, text).toBe(false);
    expect(readPassToken(`  ${token}\n`).ok).toBe(true); // pasted with spaces around
  });

  it('round-trips base64url', () => {
    const bytes = new Uint8Array(256).map((_, i) => i);
    expect(base64urlDecode(base64urlEncode(bytes))).toEqual(bytes);
    expect(base64urlEncode(bytes)).toBe(Buffer.from(bytes).toString('base64url'));
    expect(base64urlDecode('a')).toBeNull();
    expect(base64urlDecode('ab+/')).toBeNull();
  });
});

describe('verdict', () => {
  const at = (h: number) => new Date((T0 + h * 3600) * 1000);
  const base = {
    claims,
    keyKnown: true,
    signatureOk: true,
    revokedAt: null,
    at: at(1),
    checkpointArea: '220202001003',
  };
  it('judges in order: unknown key, forged, revoked, not yet valid, expired, area, valid', () => {
    expect(judge(base)).toBe('valid');
    expect(judge({ ...base, keyKnown: false, signatureOk: false })).toBe('unknown_key');
    expect(judge({ ...base, signatureOk: false, revokedAt: at(0) })).toBe('forged');
    expect(judge({ ...base, revokedAt: at(-2), at: at(-1) })).toBe('revoked'); // revoked before: whatever else
    expect(judge({ ...base, revokedAt: at(0.5), at: at(-1) })).toBe('not_yet_valid'); // not revoked yet then
    expect(judge({ ...base, revokedAt: at(2) })).toBe('valid'); // revoked after the check
    expect(judge({ ...base, at: at(-0.001) })).toBe('not_yet_valid');
    expect(judge({ ...base, at: at(72) })).toBe('expired'); // the end is exclusive
    expect(judge({ ...base, at: at(72 - 0.001) })).toBe('valid');
    expect(judge({ ...base, checkpointArea: '220203' })).toBe('area_not_allowed');
    expect(judge({ ...base, checkpointArea: '220203', at: at(100) })).toBe('expired');
  });

  it('lets a pass through where its areas and the checkpoint contain one another, not elsewhere', () => {
    expect(areaAllowed(['220202001'], '220202001003')).toBe(true); // checkpoint inside an allowed street
    expect(areaAllowed(['220202001'], '220202')).toBe(true); // the district's checkpoint guards the street
    expect(areaAllowed(['220202001'], '220202002')).toBe(false); // a sibling street
    expect(areaAllowed(['220202001', '220204'], '220204005')).toBe(true);
  });

  it("gives a pass's status now", () => {
    const p = { valid_from: at(0), valid_to: at(72), revoked_at: null };
    expect(passStatus(p, at(1))).toBe('valid');
    expect(passStatus(p, at(-1))).toBe('not_yet_valid');
    expect(passStatus(p, at(72))).toBe('expired');
    expect(passStatus({ ...p, revoked_at: at(2) }, at(3))).toBe('revoked');
    expect(passStatus({ ...p, revoked_at: at(2) }, at(100))).toBe('revoked');
  });
});

describe('issue rules', () => {
  it('reads plates as written on the vehicle', () => {
    expect(normalisePlate('吉b·12345')).toBe('吉B12345');
    expect(normalisePlate(' 吉Ｂ 12345 ')).toBe('吉B12345'); // full-width letter
    expect(normalisePlate('吉BD12345')).toBe('吉BD12345'); // new energy
    expect(normalisePlate('吉B1234学')).toBe('吉B1234学');
    for (const bad of ['B12345', '吉12345', '吉B123', '吉B123456789', 'ABC1234'])
      expect(normalisePlate(bad), bad).toBeNull();
  });

  it('finds the smallest area containing all of a pass', () => {
    expect(enclosingArea(['220202001001'])).toBe('220202001001');
    expect(enclosingArea(['220202001001', '220202001002'])).toBe('220202001');
    expect(enclosingArea(['220202001', '220204'])).toBe('2202'); // common "22020" is no level
    expect(enclosingArea(['220202', '220202001'])).toBe('220202');
    expect(enclosingArea(['220202', '230101'])).toBe('');
  });
});

describe('speed rule', () => {
  it('measures great-circle distances', () => {
    // Beijing (Tiananmen) to Shanghai (People's Square): about 1,068 km.
    const km = greatCircleKm(
      { latitude: 39.9087, longitude: 116.3975 },
      { latitude: 31.2304, longitude: 121.4737 },
    );
    expect(km).toBeGreaterThan(1060);
    expect(km).toBeLessThan(1075);
    // One degree of latitude: about 111.2 km.
    expect(greatCircleKm({ latitude: 43, longitude: 126 }, { latitude: 44, longitude: 126 })).toBeCloseTo(
      111.2,
      0,
    );
  });

  it('flags more than 120 km/h, never under 2 km', () => {
    const a = { latitude: 43, longitude: 126, at: new Date('2022-03-14T08:00:00Z') };
    const b = (minutes: number, lat = 44) => ({
      latitude: lat,
      longitude: 126,
      at: new Date(a.at.getTime() + minutes * 60_000),
    });
    expect(tooFast(a, b(30))).toEqual({ km: 111.2, minutes: 30 }); // 222 km/h
    expect(tooFast(a, b(55))).toEqual({ km: 111.2, minutes: 55 }); // 121 km/h
    expect(tooFast(a, b(56))).toBeNull(); // 119 km/h
    expect(tooFast(a, b(-30))).toEqual({ km: 111.2, minutes: 30 }); // order of the two does not matter
    expect(tooFast(a, b(0, 43.01))).toBeNull(); // 1.1 km at once: one checkpoint's lanes
    expect(tooFast(a, b(0, 43.02))).toEqual({ km: 2.2, minutes: 0 });
  });
});

function enc(value: unknown): string {
  return base64urlEncode(new TextEncoder().encode(JSON.stringify(value)));
}

/** The token with some claims changed and the old signature kept. */
function tamper(token: string, change: Partial<PassClaims>): string {
  const [head, body, sig] = token.split('.') as [string, string, string];
  const old = JSON.parse(new TextDecoder().decode(base64urlDecode(body) as Uint8Array)) as PassClaims;
  return `${head}.${encodeClaims({ ...old, ...change })}.${sig}`;
}
