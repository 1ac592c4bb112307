import { describe, expect, it } from 'vitest';
import { generatePassword, hashPassword, passwordProblem, verifyPassword } from './passwords.ts';

describe('passwords', () => {
  it('hashes with scrypt and a salt, and verifies', async () => {
    const h1 = await hashPassword('correct horse battery staple');
    const h2 = await hashPassword('correct horse battery staple');
    expect(h1).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(h1).not.toBe(h2);
    expect(await verifyPassword('correct horse battery staple', h1)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', h1)).toBe(false);
    expect(await verifyPassword('x', 'garbage')).toBe(false);
  });

  it('refuses weak passwords with a reason', () => {
    expect(passwordProblem('short')).toMatch(/12 characters/);
    expect(passwordProblem('aaaaaaaaaaaaaaaa')).toMatch(/different/);
    expect(passwordProblem('zhangwei-2022-strong', 'zhangwei')).toMatch(/user name/);
    expect(passwordProblem(generatePassword())).toBeNull();
  });
});
