/**
 * Signing and verifying pass tokens on the server with node:crypto (Ed25519, RFC 8032). The format is in
 * token-format.ts; the browser verifies the same bytes with @noble/curves.
 */
import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { encodeClaims, type PassClaims, signingInputOf, type TokenReading } from './token-format.ts';

/** The key id of a public key: the first 8 base64url characters of the SHA-256 of its 32 raw bytes. */
export function keyIdOf(rawPublicKey: Buffer): string {
  return createHash('sha256').update(rawPublicKey).digest('base64url').slice(0, 8);
}

/** A public key from its raw 32 bytes in base64url (the `x` of its JWK). */
export function publicKeyFromRaw(x: string): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
}

/** The raw 32 bytes of an Ed25519 public key, base64url. */
export function rawOfPublicKey(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Error('not an Ed25519 public key');
  return jwk.x;
}

export function signClaims(claims: PassClaims, privateKey: KeyObject): string {
  const input = signingInputOf(encodeClaims(claims));
  return `${input}.${sign(null, Buffer.from(input, 'ascii'), privateKey).toString('base64url')}`;
}

export function signatureHolds(reading: Extract<TokenReading, { ok: true }>, publicKey: KeyObject): boolean {
  return verify(null, Buffer.from(reading.signingInput, 'ascii'), publicKey, reading.signature);
}
