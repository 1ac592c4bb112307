/**
 * The tracing rules in force: the newest row of `tracing_rules`, or the defaults. Changing them keeps the history
 * (who, when, why) and applies to cases traced from then on; cases already traced keep the links they have.
 */
import type { Queryable } from '../../db/types.ts';
import { DEFAULT_TRACING_RULES, type TracingRules, TracingRulesSchema } from '../../domain/contact-rules.ts';

export interface RulesVersion {
  id: number | null;
  rules: TracingRules;
  changed_by: number | null;
  changed_at: Date | null;
  reason: string | null;
}

export async function currentRulesVersion(q: Queryable): Promise<RulesVersion> {
  const { rows } = await q.query<{
    id: number;
    rules: unknown;
    changed_by: number | null;
    changed_at: Date;
    reason: string;
  }>('SELECT * FROM tracing_rules ORDER BY id DESC LIMIT 1');
  const row = rows[0];
  if (!row)
    return { id: null, rules: DEFAULT_TRACING_RULES, changed_by: null, changed_at: null, reason: null };
  // Stored rules were validated when written; a rule added since then takes its default.
  const rules = TracingRulesSchema.parse({ ...DEFAULT_TRACING_RULES, ...(row.rules as object) });
  return { ...row, rules };
}

export async function currentTracingRules(q: Queryable): Promise<TracingRules> {
  return (await currentRulesVersion(q)).rules;
}

export async function setTracingRules(
  q: Queryable,
  rules: TracingRules,
  by: { userId: number | null; at: Date; reason: string },
): Promise<RulesVersion> {
  const { rows } = await q.query<{ id: number }>(
    'INSERT INTO tracing_rules (rules, changed_by, changed_at, reason) VALUES ($1, $2, $3, $4) RETURNING id',
    [JSON.stringify(rules), by.userId, by.at, by.reason],
  );
  return { id: rows[0]?.id ?? null, rules, changed_by: by.userId, changed_at: by.at, reason: by.reason };
}
