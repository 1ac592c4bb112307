/** Test helper: accounts and logged-in sessions for HTTP tests. */
import type { FastifyInstance } from 'fastify';
import type { Queryable } from '../db/types.ts';
import { createUser } from '../modules/access/accounts.ts';
import type { Role } from '../modules/access/roles.ts';

let counter = 0;
export const TEST_PASSWORD = 'correct horse battery staple';

export interface TestSession {
  username: string;
  headers: { cookie: string; 'x-csrf-token': string };
}

/** Creates a user with a role and jurisdiction and logs it in; returns headers for app.inject. */
export async function loginAs(
  app: FastifyInstance,
  db: Queryable,
  role: Role,
  jurisdiction: string,
): Promise<TestSession> {
  counter++;
  const username = `${role.replaceAll('_', '-')}-${process.pid}-${counter}`;
  await createUser(db, { username, displayName: username, password: TEST_PASSWORD, role, jurisdiction });
  const r = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username, password: TEST_PASSWORD },
  });
  if (r.statusCode !== 200) throw new Error(`login failed: ${r.body}`);
  const cookie = r.cookies.find((c) => c.name === 'qc_session');
  if (!cookie) throw new Error('no session cookie');
  return { username, headers: { cookie: `qc_session=${cookie.value}`, 'x-csrf-token': r.json().csrf_token } };
}
