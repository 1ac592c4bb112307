import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MEDICAL_SERVICES } from '../../domain/medical-routing.ts';
import { SHIFTS, SKILLS } from '../../domain/roster-proposer.ts';
import { SUPPLY_CATEGORIES } from '../../domain/supply-plan.ts';
import { AGENTS, PLACE_KINDS } from '../disinfection/rules.ts';
import { WORKER_STATUSES } from '../forces/workers.ts';
import { URGENCIES } from '../medical/requests.ts';
import { SEVERITIES } from '../tracing/trace-case.ts';
import {
  AUDIT_ACTIONS,
  AUDIT_VALUE_OF,
  AUDIT_VALUE_WORDS,
  AUDIT_WORDS,
  type AuditValueDict,
  auditActionWord,
  auditDetailsText,
} from './audit-words.ts';
import { ROLES } from './roles.ts';

/** Every source file of the server (tests left out). */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The top-level entries of the object literal opening at `text[at]` ('{'), comments left out. */
function entries(text: string, at: number): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = at + 1;
  let quote = '';
  for (let i = at; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if ('{[('.includes(c)) depth++;
    else if ('}])'.includes(c)) {
      depth--;
      if (depth === 0) {
        out.push(text.slice(start, i));
        break;
      }
    } else if (c === ',' && depth === 1) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  return out.map((e) => e.replace(/\/\/.*$/gm, '').trim()).filter(Boolean);
}

/**
 * Spreads into an entry's details, with the keys they bring (the test fails on a spread it does not know: name
 * its keys here). The medical steps' own details are the last argument of `step(…)`.
 */
const SPREADS: Record<string, string[]> = {
  '...req.body': ['severity', 'onset_date', 'outcome', 'scenario', 'strategies', 'days', 'seeds', 'people'],
  '...r.follow_up': ['positivePools', 'held', 'retestTasks', 'positivePersons', 'unheld', 'resampleTasks'],
  '...r.followUp': ['positivePools', 'held', 'retestTasks', 'positivePersons', 'unheld', 'resampleTasks'],
  '...res.followUp': ['positivePools', 'held', 'retestTasks', 'positivePersons', 'unheld', 'resampleTasks'],
  '...report.followUp': [
    'positivePools',
    'held',
    'retestTasks',
    'positivePersons',
    'unheld',
    'resampleTasks',
  ],
  '...details': ['hospital_id', 'vehicle_id'],
  '...(b.services ? { services: b.services } : {})': ['services'],
};
/** `details` that are not an audit entry's (an error's, a FHIR outcome's) or not a literal object. */
const NOT_ENTRIES = [
  /^details: Record</,
  /^details: report,/,
  /^details: e\.problems/,
  /^details: JSON\.parse/,
  /^details: \{ coding:/,
  /^details: err\./,
  /^details: null/,
];

/** Every detail key the server records in an audit entry, from the sources. */
function recordedDetailKeys(): { keys: Set<string>; unknown: string[] } {
  const root = join(import.meta.dirname, '..', '..');
  const keys = new Set<string>();
  const unknown: string[] = [];
  for (const file of sources(root)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bdetails: /g)) {
      const at = (m.index ?? 0) + m[0].length;
      const here = text.slice(m.index, m.index + 80);
      if (NOT_ENTRIES.some((re) => re.test(here))) continue;
      if (text[at] !== '{') {
        unknown.push(`${file}: ${here.split('\n')[0]}`);
        continue;
      }
      for (const e of entries(text, at)) {
        const k = /^(?:'([^']+)'|([A-Za-z_$][\w$]*))\s*(?::|$)/.exec(e);
        const spread = SPREADS[e];
        if (k) keys.add((k[1] ?? k[2]) as string);
        else if (spread) for (const x of spread) keys.add(x);
        else unknown.push(`${file}: ${e}`);
      }
    }
  }
  return { keys, unknown };
}

describe('audit words', () => {
  it('has words in both languages for every detail key the server records', () => {
    const { keys, unknown } = recordedDetailKeys();
    expect(unknown).toEqual([]);
    expect(keys.size).toBeGreaterThan(80);
    const detail = (lang: 'zh' | 'en') => AUDIT_WORDS[lang].detail as Record<string, string>;
    const missing = [...keys].filter((k) => !detail('zh')[k] || !detail('en')[k]);
    expect(missing).toEqual([]);
    // The list names recorded (a read of a list of people says which list) have words too.
    const root = join(import.meta.dirname, '..', '..');
    const lists = new Set<string>();
    for (const file of sources(root).filter((f) => !f.endsWith('audit-words.ts')))
      for (const m of readFileSync(file, 'utf8').matchAll(/\blist: '([a-z_]+)'/g)) lists.add(m[1] as string);
    expect(lists.size).toBeGreaterThan(10);
    expect([...lists].filter((l) => !AUDIT_VALUE_WORDS.list.zh[l as never])).toEqual([]);
  });

  it('has words for every code a detail can hold', () => {
    const covers = (dict: AuditValueDict, codes: readonly string[]) => {
      for (const lang of ['zh', 'en'] as const) {
        const words = AUDIT_VALUE_WORDS[dict][lang] as Record<string, string>;
        expect(
          codes.filter((c) => !words[c]),
          `${dict} (${lang})`,
        ).toEqual([]);
      }
    };
    covers('role', ROLES);
    covers('skill', SKILLS);
    covers(
      'shift',
      SHIFTS.map((s) => s.code),
    );
    covers('workerStatus', WORKER_STATUSES);
    covers('service', MEDICAL_SERVICES);
    covers('medicalUrgency', URGENCIES);
    covers('supplyCategory', SUPPLY_CATEGORIES);
    covers('placeKind', PLACE_KINDS);
    covers('agent', AGENTS);
    covers('severity', SEVERITIES);
    // Every dictionary named has both languages with the same codes.
    for (const dict of new Set(Object.values(AUDIT_VALUE_OF))) {
      if (dict === 'action' || dict === 'area') continue;
      const d = AUDIT_VALUE_WORDS[dict];
      expect(d, dict).toBeDefined();
      expect(Object.keys(d.en).sort(), dict).toEqual(Object.keys(d.zh).sort());
    }
  });

  it('writes details in words: codes, changes, times and areas', () => {
    expect(auditDetailsText({ people: 3000, seed: 42, reset: false }, 'registry.seeded', 'zh')).toBe(
      '人数：3,000；种子：42；重置：否',
    );
    expect(auditDetailsText({ role: 'admin', username: 'ops1' }, 'user.created', 'zh')).toBe(
      '角色：系统管理员；用户名：ops1',
    );
    expect(auditDetailsText({ role: 'site_staff' }, 'forces.worker_registered', 'zh')).toBe(
      '角色：隔离点工作人员',
    );
    expect(auditDetailsText({ status: ['on_duty', 'quarantined'] }, 'forces.worker_status', 'zh')).toBe(
      '状态：在岗 → 隔离中',
    );
    expect(auditDetailsText({ status: 'routed', hospital_id: 3 }, 'medical.routed', 'en')).toBe(
      'Status: Routed; Hospital no.: 3',
    );
    expect(auditDetailsText({ reason: 'bad_password' }, 'auth.login_failed', 'zh')).toBe('原因：密码错误');
    expect(auditDetailsText({ reason: '核实后更正' }, 'tracing.rules_changed', 'zh')).toBe(
      '原因：核实后更正',
    );
    expect(
      auditDetailsText(
        { from: '2022-03-14T16:00:00.000Z', actor_kind: 'cli', action: 'isolation.placed' },
        'audit.exported',
        'zh',
      ),
    ).toBe('起：2022-03-15 00:00:00；操作人类型：命令行；操作：安置');
    expect(
      auditDetailsText({ services: { dialysis: 12 }, colour: 'red' }, 'medical.hospital_created', 'zh'),
    ).toBe('各项服务每日容量：血液透析 12；码色：红码');
    expect(auditDetailsText({ items: [['infant', 2]] }, 'supplies.requested', 'zh')).toBe('条目：母婴用品 2');
    expect(auditDetailsText({ area: '220202' }, 'tracing.cases_exported', 'zh', (c) => `区${c}`)).toBe(
      '区域：区220202',
    );
  });

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
