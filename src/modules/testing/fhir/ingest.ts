/**
 * A lab's FHIR bundle recorded as one unit: every result in it, or none. Parse problems, unknown tubes, tubes
 * outside the sender's jurisdiction, impossible times, unknown people (antigen) — each is reported with the path
 * of the entry that caused it, and nothing is written. Duplicates (the same result for the same tube, whatever
 * its issue or test time) and conflicts (a different second result, kept and flagged) are not refusals.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../../../db/types.ts';
import type { Clock } from '../../../domain/clock.ts';
import { parseIdNumber } from '../../../domain/id-number.ts';
import { type AntigenInput, type AntigenOutcome, recordAntigenReports } from '../antigen.ts';
import type { FollowUpSummary } from '../follow-up.ts';
import { ingestResults, type ResultOutcome } from '../results.ts';
import type { FhirParse, FhirWarning, ParseOptions } from './parse-results.ts';

/** One reason a bundle was refused, at the path of the entry (or element) that caused it. */
export interface BundleProblem {
  path: string;
  code: string;
  message: string;
}

export class FhirBundleRefused extends Error {
  readonly problems: BundleProblem[];
  readonly warnings: FhirWarning[];
  constructor(problems: BundleProblem[], warnings: FhirWarning[]) {
    super(
      `nothing was recorded: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the bundle; fix ${problems.length === 1 ? 'it' : 'them all'} and send the whole bundle again`,
    );
    this.problems = problems;
    this.warnings = warnings;
  }
}

export interface FhirIngestReport {
  bundle_type: string | null;
  items: (ResultOutcome & { source: string })[];
  /** `flags`: id_converted_from_15 when the Patient's ID number had 15 digits (matched as its 18-digit form). */
  antigen: (AntigenOutcome & { source: string; flags?: string[] })[];
  follow_up: FollowUpSummary;
  warnings: FhirWarning[];
}

/** The parse options from the environment: the identifier systems a lab or sender has been configured with. */
export function fhirOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ParseOptions {
  const list = (v: string | undefined) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  return {
    tubeSystems: list(env.QINGCANG_FHIR_TUBE_SYSTEMS),
    idNumberSystems: list(env.QINGCANG_FHIR_ID_SYSTEMS),
  };
}

/**
 * Records a parsed bundle inside the caller's transaction; throws {@link FhirBundleRefused} (the caller rolls
 * back) when any part of it cannot be recorded.
 */
export async function ingestFhirBundle(
  tx: Queryable,
  clock: Clock,
  parsed: FhirParse,
  scopePrefix: string,
): Promise<FhirIngestReport> {
  // The reader's problems and the database's are named together: the sound results are checked against the
  // database even when the bundle is already refused (the caller's transaction rolls everything back).
  const problems: BundleProblem[] = [...parsed.errors];
  const res = await ingestResults(
    tx,
    clock,
    parsed.results.map((x) => ({
      tube: x.tubeBarcode,
      result: x.result,
      ct: x.ct,
      testedAt: new Date(x.testedAt),
      labCode: x.labCode,
    })),
    'fhir',
    scopePrefix,
  );
  const items = res.outcomes.map((o, i) => {
    const source = parsed.results[i]?.sourceRef as string;
    if (o.status === 'rejected')
      problems.push({ path: `${source}.resource`, code: o.code, message: o.message });
    return { ...o, source };
  });

  // Antigen results: the person by ID number, in the sender's jurisdiction.
  const now = clock.now();
  const ids = new Map<number, string>(); // antigen index → normalised ID number
  const flags = new Map<number, string[]>(); // antigen index → id_converted_from_15
  parsed.antigen.forEach((a, i) => {
    const r = parseIdNumber(a.idNumber, now);
    if (r.ok) {
      ids.set(i, r.value.idNumber);
      if (r.value.flags.length > 0) flags.set(i, [...r.value.flags]);
    } else problems.push({ path: a.idNumberPath, code: r.code, message: r.message });
  });
  let antigen: (AntigenOutcome & { source: string; flags?: string[] })[] = [];
  if (ids.size > 0) {
    const found = await tx.query<{ id: number; id_number: string }>(
      `SELECT id, id_number FROM persons
        WHERE id_number = ANY($1::text[]) AND purged_at IS NULL AND starts_with(area_code, $2)`,
      [[...new Set(ids.values())], scopePrefix],
    );
    const person = new Map(found.rows.map((p) => [p.id_number, Number(p.id)]));
    const inputs: { source: string; flags: string[]; input: AntigenInput }[] = [];
    for (const [i, idNumber] of ids) {
      const a = parsed.antigen[i];
      const personId = person.get(idNumber);
      if (!a) continue;
      if (personId === undefined) {
        problems.push({
          path: a.idNumberPath,
          code: 'person_unknown',
          message:
            'no person with this ID number in your jurisdiction: register the person first, or check the number',
        });
        continue;
      }
      inputs.push({
        source: a.sourceRef,
        flags: flags.get(i) ?? [],
        input: {
          key: `fhir:${createHash('sha256').update(`${idNumber}|${a.result}|${a.testedAt}`).digest('hex')}`,
          personId,
          result: a.result,
          reportedAt: new Date(a.testedAt),
        },
      });
    }
    const outcomes = await recordAntigenReports(
      tx,
      clock,
      inputs.map((x) => x.input),
      scopePrefix,
      'lab',
    );
    antigen = outcomes.map((o, k) => {
      const source = inputs[k]?.source as string;
      if (o.status === 'rejected')
        problems.push({ path: `${source}.resource`, code: o.code, message: o.message });
      const f = inputs[k]?.flags ?? [];
      return f.length > 0 ? { ...o, source, flags: f } : { ...o, source };
    });
  }
  if (problems.length > 0) throw new FhirBundleRefused(problems, parsed.warnings);
  return {
    bundle_type: parsed.bundleType,
    items,
    antigen,
    follow_up: res.followUp,
    warnings: parsed.warnings,
  };
}
