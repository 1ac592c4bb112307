import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS, AUDIT_WORDS, auditActionWord } from './audit-words.ts';

/** Every source file of the server (tests left out). */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('audit words', () => {
  it('has a word in both languages for every action the server records', () => {
    const root = join(import.meta.dirname, '..', '..');
    const recorded = new Set<string>();
    for (const file of sources(root)) {
      const text = readFileSync(file, 'utf8');
      // `action: 'x.y'`, `action: cond ? 'x.y' : 'x.z'`, and the medical steps `step(p, 'medical.y', …)`.
      for (const m of text.matchAll(/action: ([^\n,]+)/g))
        for (const a of (m[1] ?? '').matchAll(/'([a-z]+\.[a-z_]+)'/g)) recorded.add(a[1] as string);
      for (const m of text.matchAll(/step\(\s*p,\s*'([a-z]+\.[a-z_]+)'/g)) recorded.add(m[1] as string);
    }
    expect(recorded.size).toBeGreaterThan(40);
    // `zn.*` are the zone module's phrase keys (a suggestion's action), not audit actions.
    const missing = [...recorded].filter((a) => !a.startsWith('zn.') && !AUDIT_ACTIONS.includes(a));
    expect(missing).toEqual([]);
    for (const a of AUDIT_ACTIONS) {
      expect(auditActionWord(a, 'zh')).not.toBe(a);
      expect(auditActionWord(a, 'en')).not.toBe(a);
    }
  });

  it('has the same keys in Chinese and English', () => {
    const keys = (o: object): string[] =>
      Object.entries(o).flatMap(([k, v]) =>
        typeof v === 'object' && v !== null ? keys(v).map((x) => `${k}.${x}`) : [k],
      );
    expect(keys(AUDIT_WORDS.en).sort()).toEqual(keys(AUDIT_WORDS.zh).sort());
  });

  it('keeps an unknown action as it is rather than an empty cell', () => {
    expect(auditActionWord('future.thing', 'zh')).toBe('future.thing');
    expect(auditActionWord('isolation.placed', 'zh')).toBe('安置');
  });
});
