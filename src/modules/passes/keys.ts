/**
 * The server's pass-signing keys (table server_keys): an Ed25519 pair made on first need and kept in the database,
 * so every server process of the installation signs with the same key and a restart changes nothing. The private
 * key is read here only, to sign; no route answers it. Public keys are answered to checkpoint phones (GET
 * /api/passes/keys), which verify offline.
 *
 * The first key is made inside the transaction that first needs it (issuing a pass), so a refused issue leaves no
 * key behind; two servers making it at once end with one (a unique index on the signing key; the loser reads the
 * winner's). Keys never change once written: their KeyObjects are kept in memory per process, by public key.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { keyIdOf, publicKeyFromRaw, rawOfPublicKey } from './signing.ts';

export interface PublicKeyInfo {
  kid: string;
  alg: 'Ed25519';
  /** The raw 32-byte public key, base64url (the `x` of the JWK). */
  public_key: string;
  jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string; kid: string };
  created_at: Date;
  retired_at: Date | null;
}

const publicCache = new Map<string, KeyObject>();

/** The key that signs now (made when there is none): its id and private key. */
export async function signingKey(
  tx: Queryable,
  clock: Clock,
): Promise<{ kid: string; privateKey: KeyObject }> {
  const read = async () =>
    (
      await tx.query<{ id: string; private_key: string }>(
        "SELECT id, private_key FROM server_keys WHERE purpose = 'pass' AND retired_at IS NULL",
      )
    ).rows[0];
  let row = await read();
  if (!row) {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const x = rawOfPublicKey(publicKey);
    await tx.query(
      `INSERT INTO server_keys (id, purpose, algorithm, public_key, private_key, created_at)
       VALUES ($1, 'pass', 'Ed25519', $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [
        keyIdOf(Buffer.from(x, 'base64url')),
        x,
        privateKey.export({ format: 'pem', type: 'pkcs8' }),
        clock.now(),
      ],
    );
    row = await read();
    if (!row) throw new Error('no pass signing key after making one');
  }
  return { kid: row.id, privateKey: createPrivateKey(row.private_key) };
}

/** A public key by id, or null when this installation has no such key. */
export async function publicKeyOf(db: Queryable, kid: string): Promise<KeyObject | null> {
  const { rows } = await db.query<{ public_key: string }>(
    "SELECT public_key FROM server_keys WHERE id = $1 AND purpose = 'pass'",
    [kid],
  );
  const x = rows[0]?.public_key;
  if (!x) return null;
  let key = publicCache.get(x);
  if (!key) {
    key = publicKeyFromRaw(x);
    publicCache.set(x, key);
  }
  return key;
}

/** Every pass key, signing and retired (retired keys still verify the passes they signed). */
export async function publicKeys(db: Queryable): Promise<PublicKeyInfo[]> {
  const { rows } = await db.query<{
    id: string;
    public_key: string;
    created_at: Date;
    retired_at: Date | null;
  }>(
    "SELECT id, public_key, created_at, retired_at FROM server_keys WHERE purpose = 'pass' ORDER BY created_at, id",
  );
  return rows.map((r) => ({
    kid: r.id,
    alg: 'Ed25519',
    public_key: r.public_key,
    jwk: { kty: 'OKP', crv: 'Ed25519', x: r.public_key, kid: r.id },
    created_at: r.created_at,
    retired_at: r.retired_at,
  }));
}
