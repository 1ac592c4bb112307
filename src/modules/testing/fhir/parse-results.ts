/**
 * SARS-CoV-2 PCR results per sample tube, read from (and written as) an HL7 FHIR R4 Bundle. Pure: no I/O, no
 * clock. The caller decides whether a bundle with errors is taken in part or refused as a whole, and is
 * idempotent, so nothing is deduplicated here.
 *
 * What is read:
 * - A `Bundle` of type batch, transaction or collection with at most {@link MAX_BUNDLE_ENTRIES} entries.
 *   Entries may hold Observation, DiagnosticReport and Specimen resources; any other resource is an error for
 *   that entry (`fhir_unsupported_resource`) and the other entries are still read.
 * - An Observation is a tube result when `code` has a LOINC coding from {@link RESULT_LOINC_CODES} and its
 *   `status` is final, amended or corrected (anything else: `fhir_not_final`).
 * - Result: `valueCodeableConcept` with a SNOMED CT coding from {@link RESULT_SNOMED_CODES} (when SNOMED
 *   codings are present they decide; `text` is read only when there are none), or `valueString` in
 *   {@link RESULT_WORDS} (English or Chinese: 阳性 / 阴性 / 无效 …).
 * - Ct values: each `component` with a `valueQuantity` is a Ct value, 0 < Ct < 50. Its gene comes from a LOINC
 *   "[Cycle Threshold #]" coding ({@link CT_LOINC_CODES}), otherwise from `code.text`, a coding's display or
 *   code, matched against {@link CT_GENES} aliases (ORF1ab, N, N1, N2, E, RdRp, S, IC = internal control;
 *   "ORF1ab基因", "N gene", "内标" …). Components with another value type, or none, carry no Ct and are skipped,
 *   unless they are coded with a LOINC Ct code (then `fhir_bad_ct`). Stand-alone Ct Observations are not read:
 *   Ct values must be components of the result Observation.
 * - Tube barcode, the first found of:
 *   1. the Specimen that `Observation.specimen.reference` points to — contained (`#id`) or in the bundle (by
 *      `fullUrl` or `Type/id`): its identifier with system {@link TUBE_BARCODE_SYSTEM}, else its
 *      `accessionIdentifier`, else its first identifier with a value;
 *   2. `Observation.specimen.identifier.value` (a logical reference);
 *   3. `Observation.specimen.display`;
 *   4. `Observation.identifier` with system {@link TUBE_BARCODE_SYSTEM}.
 *   A barcode is 1–64 visible ASCII characters (no spaces), else `fhir_bad_barcode`.
 * - testedAt, the first present of: Observation `effectiveDateTime` / `effectiveInstant`, the
 *   `effectiveDateTime` of a DiagnosticReport whose `result` references the Observation, Observation `issued`,
 *   the report's `issued`. Only a full date and time with a zone counts (a date alone is skipped to the next
 *   source); it is normalised to UTC ISO 8601 with milliseconds.
 * - labCode: a performer (of the Observation, else of its report) whose `identifier.system` is
 *   {@link LAB_CODE_SYSTEM}.
 * - Two results for the same tube that differ (result, Ct, testedAt or lab) are a conflict: the later entry is
 *   reported as `fhir_conflict_in_bundle` and left out of `results`. Identical repeats are all returned.
 *
 * An Observation with any error yields no result. Error paths are FHIRPath-like, from `Bundle`, e.g.
 * `Bundle.entry[2].resource.component[1].valueQuantity.value`.
 */
import { z } from 'zod';

export const LOINC_SYSTEM = 'http://loinc.org';
export const SNOMED_SYSTEM = 'http://snomed.info/sct';
/** Identifier system for a sample tube's barcode (qingcang's own; placeholder until a canonical base URL). */
export const TUBE_BARCODE_SYSTEM = 'urn:qingcang:fhir:sid:tube-barcode';
/** Identifier system for a laboratory's code, on `performer` references. */
export const LAB_CODE_SYSTEM = 'urn:qingcang:fhir:sid:lab-code';
export const MAX_BUNDLE_ENTRIES = 50_000;
export const ACCEPTED_BUNDLE_TYPES = ['batch', 'transaction', 'collection'] as const;

/** LOINC codes of an overall (qualitative) SARS-CoV-2 NAA result. */
export const RESULT_LOINC_CODES: Readonly<Record<string, string>> = {
  '94500-6': 'SARS-CoV-2 (COVID-19) RNA [Presence] in Respiratory specimen by NAA with probe detection',
  '94309-2': 'SARS-CoV-2 (COVID-19) RNA [Presence] in Specimen by NAA with probe detection',
  '94759-8': 'SARS-CoV-2 (COVID-19) RNA [Presence] in Nasopharynx by NAA with probe detection',
  '94533-7': 'SARS-CoV-2 (COVID-19) N gene [Presence] in Respiratory specimen by NAA with probe detection',
  '94534-5': 'SARS-CoV-2 (COVID-19) RdRp gene [Presence] in Respiratory specimen by NAA with probe detection',
};

/** Canonical target names for Ct values (IC: the internal control, e.g. RNase P). */
export const CT_GENES = ['ORF1ab', 'N', 'N1', 'N2', 'E', 'RdRp', 'S', 'IC'] as const;
export type CtGene = (typeof CT_GENES)[number];

/**
 * LOINC "[Cycle Threshold #]" codes, by gene. `gene: null` — the whole-RNA codes — name no gene: the gene is
 * then read from the component's text.
 */
export const CT_LOINC_CODES: Readonly<Record<string, { gene: CtGene | null; display: string }>> = {
  '94511-3': {
    gene: 'ORF1ab',
    display: 'SARS-CoV-2 (COVID-19) ORF1ab region [Cycle Threshold #] in Specimen',
  },
  '94644-2': {
    gene: 'ORF1ab',
    display: 'SARS-CoV-2 (COVID-19) ORF1ab region [Cycle Threshold #] in Respiratory',
  },
  '96899-0': {
    gene: 'ORF1ab',
    display: 'SARS-CoV-2 (COVID-19) ORF1ab region [Cycle Threshold #] in OP wash',
  },
  '94510-5': { gene: 'N', display: 'SARS-CoV-2 (COVID-19) N gene [Cycle Threshold #] in Specimen' },
  '96898-2': { gene: 'N', display: 'SARS-CoV-2 (COVID-19) N gene [Cycle Threshold #] in OP wash' },
  '94311-8': { gene: 'N1', display: 'SARS-CoV-2 (COVID-19) N gene [Cycle Threshold #] primer-probe set N1' },
  '94312-6': { gene: 'N2', display: 'SARS-CoV-2 (COVID-19) N gene [Cycle Threshold #] primer-probe set N2' },
  '94509-7': { gene: 'E', display: 'SARS-CoV-2 (COVID-19) E gene [Cycle Threshold #] in Specimen' },
  '94645-9': { gene: 'RdRp', display: 'SARS-CoV-2 (COVID-19) RdRp gene [Cycle Threshold #] in Specimen' },
  '94646-7': { gene: 'RdRp', display: 'SARS-CoV-2 (COVID-19) RdRp gene [Cycle Threshold #] in Respiratory' },
  '94642-6': { gene: 'S', display: 'SARS-CoV-2 (COVID-19) S gene [Cycle Threshold #] in Respiratory' },
  '94643-4': { gene: 'S', display: 'SARS-CoV-2 (COVID-19) S gene [Cycle Threshold #] in Specimen' },
  '96900-6': { gene: 'S', display: 'SARS-CoV-2 (COVID-19) S gene [Cycle Threshold #] in OP wash' },
  '94745-7': { gene: null, display: 'SARS-CoV-2 (COVID-19) RNA [Cycle Threshold #] in Respiratory specimen' },
  '94746-5': { gene: null, display: 'SARS-CoV-2 (COVID-19) RNA [Cycle Threshold #] in Specimen' },
};

/** The Ct code the builder writes per gene (IC has none: text only). */
const CT_CODE_BY_GENE: Readonly<Record<CtGene, string | null>> = {
  ORF1ab: '94644-2',
  N: '94510-5',
  N1: '94311-8',
  N2: '94312-6',
  E: '94509-7',
  RdRp: '94646-7',
  S: '94642-6',
  IC: null,
};

export type TubeResultValue = 'negative' | 'positive' | 'invalid';

/**
 * SNOMED CT qualifier values read as results. Presumptive positive (720735008) is deliberately absent: it is
 * neither a confirmed positive nor a failed run, so it is reported as `fhir_unknown_code` for a person to decide.
 */
export const RESULT_SNOMED_CODES: Readonly<Record<string, { result: TubeResultValue; display: string }>> = {
  '260373001': { result: 'positive', display: 'Detected (qualifier value)' },
  '10828004': { result: 'positive', display: 'Positive (qualifier value)' },
  '260415000': { result: 'negative', display: 'Not detected (qualifier value)' },
  '260385009': { result: 'negative', display: 'Negative (qualifier value)' },
  '455371000124106': { result: 'invalid', display: 'Invalid result (qualifier value)' },
  '419984006': { result: 'invalid', display: 'Inconclusive (qualifier value)' },
  '82334004': { result: 'invalid', display: 'Indeterminate (qualifier value)' },
  '42425007': { result: 'invalid', display: 'Equivocal (qualifier value)' },
  '125154007': { result: 'invalid', display: 'Specimen unsatisfactory for evaluation (finding)' },
};

/** The code the builder writes per result. */
const SNOMED_BY_RESULT: Readonly<Record<TubeResultValue, string>> = {
  positive: '260373001',
  negative: '260415000',
  invalid: '455371000124106',
};

/** Words accepted in `valueString` (and `valueCodeableConcept.text` without SNOMED codings); NFKC, lower case. */
export const RESULT_WORDS: Readonly<Record<string, TubeResultValue>> = {
  positive: 'positive',
  pos: 'positive',
  detected: 'positive',
  阳性: 'positive',
  检出: 'positive',
  negative: 'negative',
  neg: 'negative',
  'not detected': 'negative',
  阴性: 'negative',
  未检出: 'negative',
  invalid: 'invalid',
  'invalid result': 'invalid',
  inconclusive: 'invalid',
  无效: 'invalid',
};

export interface TubeResult {
  tubeBarcode: string;
  result: TubeResultValue;
  ct: Record<string, number>; // per target gene, e.g. { ORF1ab: 31.2, N: 30.1 }
  testedAt: string; // ISO 8601, UTC
  labCode?: string;
  sourceRef: string; // 'Bundle.entry[3]'
}

export type FhirErrorCode =
  | 'fhir_not_bundle'
  | 'fhir_bad_bundle_type'
  | 'fhir_too_many_entries'
  | 'fhir_missing_resource'
  | 'fhir_unsupported_resource'
  | 'fhir_invalid_resource'
  | 'fhir_not_final'
  | 'fhir_unknown_code'
  | 'fhir_ambiguous_value'
  | 'fhir_missing_value'
  | 'fhir_missing_specimen'
  | 'fhir_unresolved_reference'
  | 'fhir_bad_barcode'
  | 'fhir_unknown_gene'
  | 'fhir_duplicate_gene'
  | 'fhir_bad_ct'
  | 'fhir_missing_time'
  | 'fhir_bad_time'
  | 'fhir_conflict_in_bundle';

export interface FhirError {
  path: string;
  code: FhirErrorCode;
  message: string;
}

// ---- shapes (only the elements read; others are ignored) ----

const Coding = z.object({
  system: z.string().optional(),
  code: z.string().optional(),
  display: z.string().optional(),
});
const CodeableConcept = z.object({ coding: z.array(Coding).optional(), text: z.string().optional() });
const Identifier = z.object({ system: z.string().optional(), value: z.string().optional() });
const Reference = z.object({
  reference: z.string().optional(),
  identifier: Identifier.optional(),
  display: z.string().optional(),
});
const Component = z.object({
  code: CodeableConcept,
  valueQuantity: z.object({ value: z.unknown() }).optional(), // the number is checked by hand: fhir_bad_ct
  dataAbsentReason: CodeableConcept.optional(),
});
const OBSERVATION_STATUSES = [
  'registered',
  'preliminary',
  'final',
  'amended',
  'corrected',
  'cancelled',
  'entered-in-error',
  'unknown',
] as const;
const FINAL_STATUSES: ReadonlySet<string> = new Set(['final', 'amended', 'corrected']);

const ObservationShape = z.object({
  resourceType: z.literal('Observation'),
  id: z.string().optional(),
  identifier: z.array(Identifier).optional(),
  status: z.enum(OBSERVATION_STATUSES),
  code: CodeableConcept,
  specimen: Reference.optional(),
  effectiveDateTime: z.string().optional(),
  effectiveInstant: z.string().optional(),
  issued: z.string().optional(),
  performer: z.array(Reference).optional(),
  valueCodeableConcept: CodeableConcept.optional(),
  valueString: z.string().optional(),
  dataAbsentReason: CodeableConcept.optional(),
  component: z.array(Component).optional(),
  contained: z.array(z.object({ resourceType: z.string(), id: z.string().optional() }).loose()).optional(),
});
type Observation = z.infer<typeof ObservationShape>;

const SpecimenShape = z.object({
  resourceType: z.literal('Specimen'),
  id: z.string().optional(),
  identifier: z.array(Identifier).optional(),
  accessionIdentifier: Identifier.optional(),
});
type Specimen = z.infer<typeof SpecimenShape>;

const DiagnosticReportShape = z.object({
  resourceType: z.literal('DiagnosticReport'),
  id: z.string().optional(),
  result: z.array(Reference).optional(),
  effectiveDateTime: z.string().optional(),
  issued: z.string().optional(),
  performer: z.array(Reference).optional(),
});
type DiagnosticReport = z.infer<typeof DiagnosticReportShape>;

const BundleShape = z.object({
  resourceType: z.literal('Bundle'),
  type: z.string(),
  entry: z.array(z.unknown()).optional(),
});
const EntryShape = z.object({ fullUrl: z.string().optional(), resource: z.unknown().optional() });

// ---- helpers ----

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function issuePath(base: string, path: readonly PropertyKey[]): string {
  let s = base;
  for (const k of path) s += typeof k === 'number' ? `[${k}]` : `.${String(k)}`;
  return s;
}

function shapeErrors(base: string, error: z.ZodError, limit = 10): FhirError[] {
  return error.issues.slice(0, limit).map((i) => ({
    path: issuePath(base, i.path),
    code: 'fhir_invalid_resource' as const,
    message: i.message,
  }));
}

/** Keys of a FHIR choice element present on a raw object: `value` → ['valueString', …]. */
function choiceKeys(raw: Record<string, unknown>, prefix: string): string[] {
  return Object.keys(raw).filter(
    (k) => k.length > prefix.length && k.startsWith(prefix) && /[A-Z]/.test(k[prefix.length] as string),
  );
}

const FULL_DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;
const PARTIAL_DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;

type TimeParse = { kind: 'full'; iso: string } | { kind: 'partial' } | { kind: 'bad' };

/** A FHIR dateTime/instant: full (date, time, zone) → UTC ISO; a date alone is 'partial'. */
export function parseFhirDateTime(s: string): TimeParse {
  const m = FULL_DATETIME.exec(s);
  if (!m) return PARTIAL_DATE.test(s) ? { kind: 'partial' } : { kind: 'bad' };
  const [y, mo, d, h, mi, sec] = [1, 2, 3, 4, 5, 6].map((k) => Number(m[k]));
  if (y === undefined || mo === undefined || d === undefined) return { kind: 'bad' };
  if (h === undefined || mi === undefined || sec === undefined) return { kind: 'bad' };
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (y < 1 || day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) {
    return { kind: 'bad' };
  }
  if (h > 23 || mi > 59 || sec > 59) return { kind: 'bad' };
  let offsetMin = 0;
  if (!m[8]) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 14 || om > 59 || (oh === 14 && om > 0)) return { kind: 'bad' };
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = Number((m[7] ?? '').slice(0, 3).padEnd(3, '0'));
  const t = Date.UTC(y, mo - 1, d, h, mi, sec, ms) - offsetMin * 60_000;
  const iso = new Date(t);
  if (Number.isNaN(iso.getTime())) return { kind: 'bad' };
  return { kind: 'full', iso: iso.toISOString() };
}

function normaliseWord(s: string): string {
  return s.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' ');
}

const GENE_ALIASES: ReadonlyMap<string, CtGene> = new Map([
  ['orf1ab', 'ORF1ab'],
  ['orf1a/b', 'ORF1ab'],
  ['orf1', 'ORF1ab'],
  ['orfab', 'ORF1ab'],
  ['n', 'N'],
  ['n1', 'N1'],
  ['n2', 'N2'],
  ['e', 'E'],
  ['rdrp', 'RdRp'],
  ['s', 'S'],
  ['ic', 'IC'],
  ['internalcontrol', 'IC'],
  ['内标', 'IC'],
  ['内参', 'IC'],
  ['内控', 'IC'],
  ['rnasep', 'IC'],
  ['rp', 'IC'],
]);

/** 'ORF1ab基因', 'SARS-CoV-2 N gene', 'ＲｄＲｐ' → canonical gene, or null. */
export function canonicalGene(s: string): CtGene | null {
  const k = s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_\-()[\]]/g, '')
    .replace(/^(sarscov2|2019ncov|ncov|covid19)/, '')
    .replace(/(ct(value)?|ct值|值)$/u, '')
    .replace(/(gene|region|基因|区)$/u, '');
  return GENE_ALIASES.get(k) ?? null;
}

const BARCODE = /^[\x21-\x7e]{1,64}$/;

function refTypeId(ref: string): string | null {
  const m = /(?:^|\/)([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(ref);
  return m ? (m[1] as string) : null;
}

interface Indexed {
  entryIndex: number;
  resourceType: string;
  specimen?: Specimen; // when a valid Specimen
}

interface ParsedObservation {
  entryIndex: number;
  raw: Record<string, unknown>;
  obs: Observation;
}

interface ParsedReport {
  entryIndex: number;
  report: DiagnosticReport;
}

// ---- parsing ----

export function parseFhirResults(json: unknown): { results: TubeResult[]; errors: FhirError[] } {
  const errors: FhirError[] = [];
  const results: TubeResult[] = [];
  if (!isObject(json)) {
    return {
      results,
      errors: [
        { path: 'Bundle', code: 'fhir_not_bundle', message: 'input must be a JSON object (an R4 Bundle)' },
      ],
    };
  }
  if (json.resourceType !== 'Bundle') {
    const got = typeof json.resourceType === 'string' ? json.resourceType : 'no resourceType';
    return {
      results,
      errors: [
        { path: 'Bundle.resourceType', code: 'fhir_not_bundle', message: `expected a Bundle, got ${got}` },
      ],
    };
  }
  // Counted before anything walks the entries, so an oversized bundle costs nothing.
  if (Array.isArray(json.entry) && json.entry.length > MAX_BUNDLE_ENTRIES) {
    return {
      results,
      errors: [
        {
          path: 'Bundle.entry',
          code: 'fhir_too_many_entries',
          message: `a bundle may hold at most ${MAX_BUNDLE_ENTRIES} entries, got ${json.entry.length}`,
        },
      ],
    };
  }
  const bundle = BundleShape.safeParse(json);
  if (!bundle.success) {
    const typeIssue = bundle.error.issues.some((i) => i.path[0] === 'type');
    const code = typeIssue ? 'fhir_bad_bundle_type' : 'fhir_not_bundle';
    return { results, errors: shapeErrors('Bundle', bundle.error).map((e) => ({ ...e, code })) };
  }
  if (!(ACCEPTED_BUNDLE_TYPES as readonly string[]).includes(bundle.data.type)) {
    return {
      results,
      errors: [
        {
          path: 'Bundle.type',
          code: 'fhir_bad_bundle_type',
          message: `bundle type must be ${ACCEPTED_BUNDLE_TYPES.join(', ')}; got ${bundle.data.type}`,
        },
      ],
    };
  }

  // Pass 1: shapes, and an index of every entry by fullUrl and Type/id.
  const entries = bundle.data.entry ?? [];
  const index = new Map<string, Indexed>();
  const observations: ParsedObservation[] = [];
  const reports: ParsedReport[] = [];
  for (let i = 0; i < entries.length; i++) {
    const ep = `Bundle.entry[${i}]`;
    const entry = EntryShape.safeParse(entries[i]);
    if (!entry.success || !isObject(entries[i])) {
      errors.push({ path: ep, code: 'fhir_invalid_resource', message: 'a bundle entry must be an object' });
      continue;
    }
    const raw = entry.data.resource;
    if (!isObject(raw)) {
      errors.push({
        path: `${ep}.resource`,
        code: 'fhir_missing_resource',
        message: 'entry has no resource',
      });
      continue;
    }
    const rp = `${ep}.resource`;
    const type = raw.resourceType;
    const indexed: Indexed = { entryIndex: i, resourceType: typeof type === 'string' ? type : '' };
    if (type === 'Observation') {
      const r = ObservationShape.safeParse(raw);
      if (r.success) observations.push({ entryIndex: i, raw, obs: r.data });
      else errors.push(...shapeErrors(rp, r.error));
    } else if (type === 'DiagnosticReport') {
      const r = DiagnosticReportShape.safeParse(raw);
      if (r.success) reports.push({ entryIndex: i, report: r.data });
      else errors.push(...shapeErrors(rp, r.error));
    } else if (type === 'Specimen') {
      const r = SpecimenShape.safeParse(raw);
      if (r.success) indexed.specimen = r.data;
      else errors.push(...shapeErrors(rp, r.error));
    } else {
      errors.push({
        path: `${rp}.resourceType`,
        code: 'fhir_unsupported_resource',
        message: `only Observation, DiagnosticReport and Specimen are read; got ${typeof type === 'string' ? type : 'no resourceType'}`,
      });
    }
    if (entry.data.fullUrl && !index.has(entry.data.fullUrl)) index.set(entry.data.fullUrl, indexed);
    if (typeof type === 'string' && typeof raw.id === 'string') {
      const key = `${type}/${raw.id}`;
      if (!index.has(key)) index.set(key, indexed);
    }
  }
  const resolve = (ref: string): Indexed | undefined => {
    const exact = index.get(ref);
    if (exact) return exact;
    const ti = refTypeId(ref);
    return ti ? index.get(ti) : undefined;
  };

  // Which report (first one wins) lists each Observation among its results.
  const reportOf = new Map<number, ParsedReport>();
  for (const rep of reports) {
    for (const ref of rep.report.result ?? []) {
      const target = ref.reference ? resolve(ref.reference) : undefined;
      if (target?.resourceType === 'Observation' && !reportOf.has(target.entryIndex)) {
        reportOf.set(target.entryIndex, rep);
      }
    }
  }

  // Pass 2: one result per Observation, in entry order; conflicts against the first result for the tube.
  const firstByTube = new Map<string, TubeResult>();
  for (const po of observations) {
    const own: FhirError[] = [];
    const r = readObservation(po, reportOf.get(po.entryIndex), resolve, own);
    errors.push(...own);
    if (!r || own.length > 0) continue;
    const first = firstByTube.get(r.tubeBarcode);
    if (first && !sameResult(first, r)) {
      errors.push({
        path: `Bundle.entry[${po.entryIndex}].resource`,
        code: 'fhir_conflict_in_bundle',
        message: `tube ${r.tubeBarcode} already has a different result in this bundle (${first.sourceRef}: ${first.result} at ${first.testedAt}; here: ${r.result} at ${r.testedAt})`,
      });
      continue;
    }
    if (!first) firstByTube.set(r.tubeBarcode, r);
    results.push(r);
  }
  return { results, errors };
}

function sameResult(a: TubeResult, b: TubeResult): boolean {
  if (a.result !== b.result || a.testedAt !== b.testedAt || a.labCode !== b.labCode) return false;
  const ak = Object.keys(a.ct);
  if (ak.length !== Object.keys(b.ct).length) return false;
  return ak.every((k) => a.ct[k] === b.ct[k]);
}

function readObservation(
  po: ParsedObservation,
  report: ParsedReport | undefined,
  resolve: (ref: string) => Indexed | undefined,
  errors: FhirError[],
): TubeResult | null {
  const { obs, raw } = po;
  const p = `Bundle.entry[${po.entryIndex}].resource`;

  const loinc = (obs.code.coding ?? []).filter((c) => c.system === LOINC_SYSTEM && c.code);
  if (!loinc.some((c) => RESULT_LOINC_CODES[c.code as string] !== undefined)) {
    const ct = loinc.find((c) => CT_LOINC_CODES[c.code as string] !== undefined);
    errors.push({
      path: `${p}.code`,
      code: 'fhir_unknown_code',
      message: ct
        ? `LOINC ${ct.code} is a Ct value: report Ct values as components of the result Observation`
        : `code needs a ${LOINC_SYSTEM} coding of ${Object.keys(RESULT_LOINC_CODES).join(', ')}; got ${describeConcept(obs.code)}`,
    });
    return null;
  }
  if (!FINAL_STATUSES.has(obs.status)) {
    errors.push({
      path: `${p}.status`,
      code: 'fhir_not_final',
      message: `status is ${obs.status}; only final, amended or corrected results are taken`,
    });
    return null;
  }

  const result = readValue(obs, raw, p, errors);
  const ct = readCt(obs, raw, p, errors);
  const tubeBarcode = readBarcode(obs, p, resolve, errors);
  const testedAt = readTime(obs, p, report, errors);
  const labCode = findLabCode(obs.performer) ?? findLabCode(report?.report.performer);
  if (result === null || ct === null || tubeBarcode === null || testedAt === null) return null;
  const out: TubeResult = { tubeBarcode, result, ct, testedAt, sourceRef: `Bundle.entry[${po.entryIndex}]` };
  if (labCode !== undefined) out.labCode = labCode;
  return out;
}

function describeConcept(cc: z.infer<typeof CodeableConcept>): string {
  const codes = (cc.coding ?? []).map((c) => `${c.system ?? '(no system)'}|${c.code ?? ''}`);
  if (cc.text) codes.push(`text "${cc.text}"`);
  return codes.length > 0 ? codes.join(', ') : 'nothing';
}

function readValue(
  obs: Observation,
  raw: Record<string, unknown>,
  p: string,
  errors: FhirError[],
): TubeResultValue | null {
  const keys = choiceKeys(raw, 'value');
  if (keys.length === 0) {
    const why = obs.dataAbsentReason ? ` (dataAbsentReason: ${describeConcept(obs.dataAbsentReason)})` : '';
    errors.push({
      path: `${p}.value[x]`,
      code: 'fhir_missing_value',
      message: `the result has no value${why}`,
    });
    return null;
  }
  if (keys.length > 1) {
    errors.push({
      path: `${p}.value[x]`,
      code: 'fhir_invalid_resource',
      message: `value[x] must have one type; got ${keys.join(', ')}`,
    });
    return null;
  }
  const key = keys[0] as string;
  if (key === 'valueString' && obs.valueString !== undefined) {
    const r = RESULT_WORDS[normaliseWord(obs.valueString)];
    if (r) return r;
    errors.push({
      path: `${p}.valueString`,
      code: 'fhir_unknown_code',
      message: `unknown result "${obs.valueString}"; expected positive, negative, invalid, 阳性, 阴性 or 无效`,
    });
    return null;
  }
  if (key === 'valueCodeableConcept' && obs.valueCodeableConcept) {
    const cc = obs.valueCodeableConcept;
    const snomed = (cc.coding ?? []).filter((c) => c.system === SNOMED_SYSTEM);
    if (snomed.length > 0) {
      const found = new Set(
        snomed.map((c) => RESULT_SNOMED_CODES[c.code ?? '']?.result).filter((r) => r !== undefined),
      );
      if (found.size === 1) return [...found][0] as TubeResultValue;
      errors.push(
        found.size === 0
          ? {
              path: `${p}.valueCodeableConcept`,
              code: 'fhir_unknown_code',
              message: `no known SNOMED CT result among ${describeConcept(cc)}; expected 260373001 Detected, 260415000 Not detected or 455371000124106 Invalid result`,
            }
          : {
              path: `${p}.valueCodeableConcept`,
              code: 'fhir_ambiguous_value',
              message: `SNOMED CT codings disagree: ${[...found].join(' and ')}`,
            },
      );
      return null;
    }
    const r = cc.text !== undefined ? RESULT_WORDS[normaliseWord(cc.text)] : undefined;
    if (r) return r;
    errors.push({
      path: `${p}.valueCodeableConcept`,
      code: 'fhir_unknown_code',
      message: `the result needs a ${SNOMED_SYSTEM} coding; got ${describeConcept(cc)}`,
    });
    return null;
  }
  errors.push({
    path: `${p}.${key}`,
    code: 'fhir_unknown_code',
    message: `a result is valueCodeableConcept or valueString; got ${key}`,
  });
  return null;
}

function readCt(
  obs: Observation,
  raw: Record<string, unknown>,
  p: string,
  errors: FhirError[],
): Record<string, number> | null {
  const ct: Record<string, number> = {};
  let ok = true;
  const rawComponents = Array.isArray(raw.component) ? raw.component : [];
  (obs.component ?? []).forEach((comp, j) => {
    const cp = `${p}.component[${j}]`;
    const rawComp = rawComponents[j];
    const loincCt = (comp.code.coding ?? []).find(
      (c) => c.system === LOINC_SYSTEM && CT_LOINC_CODES[c.code ?? ''] !== undefined,
    );
    if (!comp.valueQuantity) {
      const other = isObject(rawComp) ? choiceKeys(rawComp, 'value') : [];
      if (loincCt && other.length > 0) {
        errors.push({
          path: `${cp}.${other[0]}`,
          code: 'fhir_bad_ct',
          message: `a Ct value (LOINC ${loincCt.code}) must be a valueQuantity; got ${other[0]}`,
        });
        ok = false;
      }
      return; // no Ct here (qualitative sub-result, or absent with dataAbsentReason)
    }
    let gene: CtGene | null = loincCt ? (CT_LOINC_CODES[loincCt.code as string]?.gene ?? null) : null;
    if (!gene) {
      const names = [comp.code.text, ...(comp.code.coding ?? []).flatMap((c) => [c.display, c.code])];
      for (const n of names) {
        gene = n ? canonicalGene(n) : null;
        if (gene) break;
      }
    }
    if (!gene) {
      errors.push({
        path: `${cp}.code`,
        code: 'fhir_unknown_gene',
        message: `cannot tell the target gene of ${describeConcept(comp.code)}; expected a LOINC Ct code or one of ${CT_GENES.join(', ')}`,
      });
      ok = false;
      return;
    }
    const v = comp.valueQuantity.value;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v >= 50) {
      errors.push({
        path: `${cp}.valueQuantity.value`,
        code: 'fhir_bad_ct',
        message: `Ct of ${gene} must be a number with 0 < Ct < 50; got ${JSON.stringify(v) ?? 'nothing'}`,
      });
      ok = false;
      return;
    }
    const before = ct[gene];
    if (before !== undefined && before !== v) {
      errors.push({
        path: `${cp}.valueQuantity.value`,
        code: 'fhir_duplicate_gene',
        message: `${gene} has two Ct values in one result: ${before} and ${v}`,
      });
      ok = false;
      return;
    }
    ct[gene] = v;
  });
  return ok ? ct : null;
}

function specimenBarcode(s: Specimen): string | undefined {
  const ids = s.identifier ?? [];
  return (
    ids.find((i) => i.system === TUBE_BARCODE_SYSTEM && i.value)?.value ??
    s.accessionIdentifier?.value ??
    ids.find((i) => i.value)?.value
  );
}

function readBarcode(
  obs: Observation,
  p: string,
  resolve: (ref: string) => Indexed | undefined,
  errors: FhirError[],
): string | null {
  let candidate: { value: string; path: string } | undefined;
  let unresolved: FhirError | undefined;
  const ref = obs.specimen?.reference;
  if (ref !== undefined) {
    const refPath = `${p}.specimen.reference`;
    if (ref.startsWith('#')) {
      const j = (obs.contained ?? []).findIndex((c) => c.id === ref.slice(1));
      const c = obs.contained?.[j];
      if (!c) {
        unresolved = {
          path: refPath,
          code: 'fhir_unresolved_reference',
          message: `no contained resource ${ref}`,
        };
      } else {
        const s = SpecimenShape.safeParse(c);
        if (!s.success) {
          unresolved = {
            path: `${p}.contained[${j}]`,
            code: 'fhir_unresolved_reference',
            message: `contained ${ref} is not a valid Specimen (${c.resourceType})`,
          };
        } else {
          const v = specimenBarcode(s.data);
          if (v !== undefined) candidate = { value: v, path: `${p}.contained[${j}].identifier` };
        }
      }
    } else {
      const target = resolve(ref);
      if (!target?.specimen) {
        const what = target
          ? `Bundle.entry[${target.entryIndex}], which is not a valid Specimen`
          : 'nothing in this bundle';
        unresolved = {
          path: refPath,
          code: 'fhir_unresolved_reference',
          message: `${ref} refers to ${what}`,
        };
      } else {
        const v = specimenBarcode(target.specimen);
        if (v !== undefined)
          candidate = { value: v, path: `Bundle.entry[${target.entryIndex}].resource.identifier` };
      }
    }
  }
  if (!candidate && obs.specimen?.identifier?.value !== undefined) {
    candidate = { value: obs.specimen.identifier.value, path: `${p}.specimen.identifier.value` };
  }
  if (!candidate && obs.specimen?.display !== undefined) {
    candidate = { value: obs.specimen.display, path: `${p}.specimen.display` };
  }
  if (!candidate) {
    const j = (obs.identifier ?? []).findIndex((i) => i.system === TUBE_BARCODE_SYSTEM && i.value);
    const v = obs.identifier?.[j]?.value;
    if (v !== undefined) candidate = { value: v, path: `${p}.identifier[${j}].value` };
  }
  if (!candidate) {
    errors.push(
      unresolved ?? {
        path: `${p}.specimen`,
        code: 'fhir_missing_specimen',
        message: `no tube barcode: need a Specimen with an identifier, specimen.identifier, specimen.display or an identifier with system ${TUBE_BARCODE_SYSTEM}`,
      },
    );
    return null;
  }
  const value = candidate.value.trim();
  if (!BARCODE.test(value)) {
    errors.push({
      path: candidate.path,
      code: 'fhir_bad_barcode',
      message: `tube barcode must be 1-64 visible ASCII characters without spaces; got ${JSON.stringify(candidate.value)}`,
    });
    return null;
  }
  return value;
}

function readTime(
  obs: Observation,
  p: string,
  report: ParsedReport | undefined,
  errors: FhirError[],
): string | null {
  const rp = report ? `Bundle.entry[${report.entryIndex}].resource` : '';
  const sources: [string, string | undefined][] = [
    [`${p}.effectiveDateTime`, obs.effectiveDateTime],
    [`${p}.effectiveInstant`, obs.effectiveInstant],
    [`${rp}.effectiveDateTime`, report?.report.effectiveDateTime],
    [`${p}.issued`, obs.issued],
    [`${rp}.issued`, report?.report.issued],
  ];
  for (const [path, value] of sources) {
    if (value === undefined) continue;
    const t = parseFhirDateTime(value);
    if (t.kind === 'full') return t.iso;
    if (t.kind === 'bad') {
      errors.push({
        path,
        code: 'fhir_bad_time',
        message: `not a FHIR dateTime: ${JSON.stringify(value)} (expected e.g. 2022-03-14T08:30:00+08:00)`,
      });
      return null;
    }
  }
  errors.push({
    path: `${p}.effectiveDateTime`,
    code: 'fhir_missing_time',
    message: 'the test time needs effectiveDateTime (or issued) with date, time and zone',
  });
  return null;
}

function findLabCode(performers: z.infer<typeof Reference>[] | undefined): string | undefined {
  for (const r of performers ?? []) {
    const v = r.identifier?.system === LAB_CODE_SYSTEM ? r.identifier.value?.trim() : undefined;
    if (v) return v;
  }
  return undefined;
}

// ---- building ----

function uuidFor(n: number): string {
  return `urn:uuid:00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/**
 * An R4 collection Bundle with one Observation per result, in the convention `parseFhirResults` reads:
 * LOINC 94500-6, a contained Specimen carrying the tube barcode (system {@link TUBE_BARCODE_SYSTEM}), a SNOMED CT
 * result, one component per Ct value (LOINC Ct code where there is one, `text` the gene name), effectiveDateTime
 * and, with a lab code, a performer identifier. `sourceRef` is not written. Genes must be from {@link CT_GENES}.
 */
export function buildFhirResultsBundle(results: TubeResult[]): object {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: results.map((r, i) => {
      const snomed = SNOMED_BY_RESULT[r.result];
      const component = Object.entries(r.ct).map(([gene, value]) => {
        const canonical = canonicalGene(gene);
        if (canonical !== gene) throw new Error(`unknown Ct gene ${gene}; use one of ${CT_GENES.join(', ')}`);
        const loinc = CT_CODE_BY_GENE[canonical];
        return {
          code: {
            ...(loinc
              ? { coding: [{ system: LOINC_SYSTEM, code: loinc, display: CT_LOINC_CODES[loinc]?.display }] }
              : {}),
            text: gene,
          },
          valueQuantity: { value, unit: 'Ct', system: 'http://unitsofmeasure.org', code: '{Ct}' },
        };
      });
      const observation: Record<string, unknown> = {
        resourceType: 'Observation',
        id: `result-${i + 1}`,
        contained: [
          {
            resourceType: 'Specimen',
            id: 'tube',
            identifier: [{ system: TUBE_BARCODE_SYSTEM, value: r.tubeBarcode }],
          },
        ],
        status: 'final',
        category: [
          {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/observation-category',
                code: 'laboratory',
                display: 'Laboratory',
              },
            ],
          },
        ],
        code: { coding: [{ system: LOINC_SYSTEM, code: '94500-6', display: RESULT_LOINC_CODES['94500-6'] }] },
        specimen: { reference: '#tube' },
        effectiveDateTime: r.testedAt,
        valueCodeableConcept: {
          coding: [{ system: SNOMED_SYSTEM, code: snomed, display: RESULT_SNOMED_CODES[snomed]?.display }],
        },
      };
      if (r.labCode !== undefined) {
        observation.performer = [{ identifier: { system: LAB_CODE_SYSTEM, value: r.labCode } }];
      }
      if (component.length > 0) observation.component = component;
      return { fullUrl: uuidFor(i + 1), resource: observation };
    }),
  };
}
