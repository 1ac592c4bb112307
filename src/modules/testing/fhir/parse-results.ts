/**
 * SARS-CoV-2 results read from (and written as) an HL7 FHIR R4 Bundle, as labs and public-health senders send
 * them. Pure: no I/O, no clock. The caller (./ingest.ts) takes a bundle as one unit: all its results or none.
 *
 * What is read:
 * - A `Bundle` of type message (a MessageHeader first), document (a Composition first), transaction, batch or
 *   collection, with at most {@link MAX_BUNDLE_ENTRIES} entries.
 * - Observations whose `code` has a LOINC coding of a known role ({@link roleOfConcept}, tables in ./codes.ts):
 *   an overall PCR result (the tube's result), a gene-level PCR result (read only when the tube has no overall
 *   result, and then all must agree), an antigen result (a person's, found through the subject Patient's ID
 *   number), a Ct value (as its own Observation, added to the same tube's result) or a panel (a grouping, skipped).
 *   Only final, amended or corrected ones are taken; others are skipped with the warning `fhir_not_final`.
 * - Everything else is ignored with a warning listed in the answer: other resources (Patient, Organization,
 *   Practitioner, Provenance, Device, MessageHeader…), other tests (influenza beside SARS-CoV-2 in a multiplex
 *   panel, ask-at-order-entry questions), SARS-CoV-2 tests that carry no result here (antibodies, sequencing,
 *   viral load). Except: an Observation whose code has no known role but whose words name SARS-CoV-2 (COVID-19,
 *   新冠, 新型冠状病毒) is an error (`fhir_unknown_code`), so that a result under a code we do not know is never
 *   dropped silently. A bundle with no SARS-CoV-2 Observation at all is `fhir_no_results`.
 * - Result: `valueCodeableConcept` with SNOMED CT or LOINC answer (LA…) codings ({@link RESULT_SNOMED_CODES},
 *   {@link RESULT_LA_CODES}; when known codings are present they decide, and must agree; `text` is read only
 *   when there are none), or `valueString` in {@link RESULT_WORDS} (English or Chinese: 阳性 / 阴性 / 无效 …).
 * - Ct values: each `component` with a `valueQuantity` is a Ct value, 0 < Ct < 50. Its gene comes from a LOINC
 *   "[Cycle Threshold #]" coding ({@link CT_LOINC_CODES}), otherwise from `code.text`, a coding's display or
 *   code, matched against {@link CT_GENES} aliases (ORF1ab, N, N1, N2, E, RdRp, S, IC = internal control;
 *   "ORF1ab基因", "N gene", "内标" …). Components with another value type, or none, carry no Ct and are skipped,
 *   unless they are coded with a LOINC Ct code (then `fhir_bad_ct`).
 * - Tube barcode, the first found of:
 *   1. the Specimen that `Observation.specimen` (else its report's `specimen`) points to — contained (`#id`) or in
 *      the bundle (by `fullUrl` or `Type/id`): its identifier with system {@link TUBE_BARCODE_SYSTEM} or one of
 *      the lab systems configured (`tubeSystems`, from QINGCANG_FHIR_TUBE_SYSTEMS), else its
 *      `accessionIdentifier`, else its first identifier with a value;
 *   2. `Observation.specimen.identifier.value` (a logical reference), then `Observation.specimen.display`;
 *   3. the ServiceRequest the Observation (else its report, else its Specimen's `request`) is `basedOn`: its
 *      identifier with a tube system, else its placer order number (type PLAC), else its first identifier;
 *   4. `Observation.identifier` with system {@link TUBE_BARCODE_SYSTEM}.
 *   A barcode is 1–64 visible ASCII characters (no spaces), else `fhir_bad_barcode`.
 * - testedAt, the first present of: Observation `effectiveDateTime` / `effectiveInstant` / `effectivePeriod.start`,
 *   the `effectiveDateTime` of a DiagnosticReport whose `result` references the Observation, Observation
 *   `issued`, the report's `issued`. Only a full date and time with a zone counts (a date alone is skipped to the
 *   next source); it is normalised to UTC ISO 8601 with milliseconds. A test time more than 10 minutes before the
 *   Specimen's `collection.collectedDateTime` is `fhir_tested_before_collection`.
 * - labCode: a performer (of the Observation, else of its report) whose `identifier.system` is
 *   {@link LAB_CODE_SYSTEM}.
 * - An antigen result's person: `Observation.subject` (else the report's) → a Patient in the bundle or contained,
 *   its identifier with system {@link ID_NUMBER_SYSTEM} or one configured (`idNumberSystems`), or typed as a
 *   national identifier (v2-0203 NNCHN, NI, CZ); the ID number itself is checked by the caller.
 * - Two results for the same tube that differ (result, Ct, testedAt or lab) are a conflict: the later entry is
 *   reported as `fhir_conflict_in_bundle`. Identical repeats are all returned.
 *
 * Every problem is reported, each with its path (FHIRPath-like, from `Bundle`, e.g.
 * `Bundle.entry[2].resource.component[1].valueQuantity.value`); an Observation with any error yields no result.
 */
import { z } from 'zod';
import {
  ANTIGEN_CODES,
  CT_GENES,
  CT_LOINC_CODES,
  type CtGene,
  LOINC_SYSTEM,
  NAMES_SARS_COV_2,
  NOT_READ_CODES,
  PCR_GENE_CODES,
  PCR_RESULT_CODES,
  RESULT_LA_CODES,
  RESULT_SNOMED_CODES,
  RESULT_WORDS,
  roleOfConcept,
  SNOMED_SYSTEM,
  type TubeResultValue,
} from './codes.ts';

export {
  ANTIGEN_CODES,
  CT_GENES,
  CT_LOINC_CODES,
  type CtGene,
  LOINC_SYSTEM,
  PCR_GENE_CODES,
  RESULT_LA_CODES,
  RESULT_SNOMED_CODES,
  RESULT_WORDS,
  SNOMED_SYSTEM,
  type TubeResultValue,
};
/** The overall PCR result codes (the tube's result). */
export const RESULT_LOINC_CODES = PCR_RESULT_CODES;

/** Identifier system for a sample tube's barcode (qingcang's own; placeholder until a canonical base URL). */
export const TUBE_BARCODE_SYSTEM = 'urn:qingcang:fhir:sid:tube-barcode';
/** Identifier system for a laboratory's code, on `performer` references. */
export const LAB_CODE_SYSTEM = 'urn:qingcang:fhir:sid:lab-code';
/** Identifier system for a resident's ID number (GB 11643), on a Patient. */
export const ID_NUMBER_SYSTEM = 'urn:qingcang:fhir:sid:id-number';
const V2_IDENTIFIER_TYPE = 'http://terminology.hl7.org/CodeSystem/v2-0203';
/** v2-0203 identifier types read as a national ID number: China's national person identifier, national unique
 * individual identifier, citizenship card. */
const NATIONAL_ID_TYPES: ReadonlySet<string> = new Set(['NNCHN', 'NI', 'CZ']);
export const MAX_BUNDLE_ENTRIES = 50_000;
export const ACCEPTED_BUNDLE_TYPES = ['message', 'document', 'transaction', 'batch', 'collection'] as const;
/** How far before its sample's collection a test time may lie (clocks differ) before it is refused. */
const COLLECTION_SKEW_MS = 10 * 60_000;

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

/** The code the builder writes per result. */
const SNOMED_BY_RESULT: Readonly<Record<TubeResultValue, string>> = {
  positive: '260373001',
  negative: '260415000',
  invalid: '455371000124106',
};

export interface ParseOptions {
  /** Identifier systems a lab uses for the tube barcode on Specimen or ServiceRequest, besides ours. */
  tubeSystems?: readonly string[];
  /** Identifier systems a sender uses for the ID number on Patient, besides ours. */
  idNumberSystems?: readonly string[];
}

export interface TubeResult {
  tubeBarcode: string;
  result: TubeResultValue;
  ct: Record<string, number>; // per target gene, e.g. { ORF1ab: 31.2, N: 30.1 }
  testedAt: string; // ISO 8601, UTC
  labCode?: string;
  sourceRef: string; // 'Bundle.entry[3]'
}

/** An antigen result: a person's, by ID number (checked and looked up by the caller). */
export interface AntigenResult {
  idNumber: string;
  idNumberPath: string;
  result: TubeResultValue;
  testedAt: string;
  sourceRef: string;
}

export type FhirErrorCode =
  | 'fhir_not_bundle'
  | 'fhir_bad_bundle_type'
  | 'fhir_bad_message'
  | 'fhir_too_many_entries'
  | 'fhir_missing_resource'
  | 'fhir_invalid_resource'
  | 'fhir_no_results'
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
  | 'fhir_tested_before_collection'
  | 'fhir_no_person_id'
  | 'fhir_conflict_in_bundle'
  | 'fhir_duplicate_id'
  | 'fhir_missing_bundle_type'
  | 'fhir_conflicting_identifiers';

export interface FhirError {
  path: string;
  code: FhirErrorCode;
  message: string;
}

export type FhirWarningCode =
  | 'fhir_ignored_resource'
  | 'fhir_ignored_test'
  | 'fhir_not_final'
  | 'fhir_gene_result_superseded'
  | 'fhir_ct_without_result';

/** Something left out on purpose; one warning per kind of thing (resource type, test code), with its count. */
export interface FhirWarning {
  path: string; // the first one
  code: FhirWarningCode;
  message: string;
  count: number;
}

export interface FhirParse {
  bundleType: string | null;
  results: TubeResult[];
  antigen: AntigenResult[];
  errors: FhirError[];
  warnings: FhirWarning[];
}

// ---- shapes (only the elements read; others are ignored) ----

const Coding = z.object({
  system: z.string().optional(),
  code: z.string().optional(),
  display: z.string().optional(),
});
const CodeableConcept = z.object({ coding: z.array(Coding).optional(), text: z.string().optional() });
const Identifier = z.object({
  system: z.string().optional(),
  value: z.string().optional(),
  type: CodeableConcept.optional(),
});
const Reference = z.object({
  reference: z.string().optional(),
  type: z.string().optional(),
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
const Contained = z.array(z.object({ resourceType: z.string(), id: z.string().optional() }).loose());

const ObservationShape = z.object({
  resourceType: z.literal('Observation'),
  id: z.string().optional(),
  identifier: z.array(Identifier).optional(),
  status: z.enum(OBSERVATION_STATUSES),
  code: CodeableConcept,
  subject: Reference.optional(),
  basedOn: z.array(Reference).optional(),
  specimen: Reference.optional(),
  effectiveDateTime: z.string().optional(),
  effectiveInstant: z.string().optional(),
  effectivePeriod: z.object({ start: z.string().optional() }).optional(),
  issued: z.string().optional(),
  performer: z.array(Reference).optional(),
  valueCodeableConcept: CodeableConcept.optional(),
  valueString: z.string().optional(),
  valueQuantity: z.object({ value: z.unknown() }).optional(),
  dataAbsentReason: CodeableConcept.optional(),
  component: z.array(Component).optional(),
  contained: Contained.optional(),
});
type Observation = z.infer<typeof ObservationShape>;

const SpecimenShape = z.object({
  resourceType: z.literal('Specimen'),
  id: z.string().optional(),
  identifier: z.array(Identifier).optional(),
  accessionIdentifier: Identifier.optional(),
  request: z.array(Reference).optional(),
  collection: z.object({ collectedDateTime: z.string().optional() }).optional(),
});
type Specimen = z.infer<typeof SpecimenShape>;

const ServiceRequestShape = z.object({
  resourceType: z.literal('ServiceRequest'),
  id: z.string().optional(),
  identifier: z.array(Identifier).optional(),
});
type ServiceRequest = z.infer<typeof ServiceRequestShape>;

const PatientShape = z.object({
  resourceType: z.literal('Patient'),
  id: z.string().optional(),
  identifier: z.array(Identifier).optional(),
});

const DiagnosticReportShape = z.object({
  resourceType: z.literal('DiagnosticReport'),
  id: z.string().optional(),
  basedOn: z.array(Reference).optional(),
  subject: Reference.optional(),
  specimen: z.array(Reference).optional(),
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

interface Located {
  raw: Record<string, unknown>;
  path: string; // of the resource
  entryIndex: number | null; // null when contained
}

interface IndexedEntry {
  entryIndex: number;
  raw: Record<string, unknown>;
  type: string;
}

interface ParsedReport {
  entryIndex: number;
  raw: Record<string, unknown>;
  report: DiagnosticReport;
}

type Role = 'pcr' | 'pcr_gene' | 'antigen' | 'ct';

interface Candidate extends TubeResult {
  role: 'pcr' | 'pcr_gene';
  path: string;
}

interface LooseCt {
  tubeBarcode: string;
  gene: CtGene;
  value: number;
  path: string;
}

/** Reads one bundle: every problem at once, results only where an Observation is wholly sound. */
class Reader {
  readonly errors: FhirError[] = [];
  private readonly warnings = new Map<string, FhirWarning>();
  private readonly index = new Map<string, IndexedEntry>();
  private readonly reportOf = new Map<number, ParsedReport>();
  private readonly allReports = new Map<number, ParsedReport[]>();
  private readonly tubeSystems: ReadonlySet<string>;
  private readonly idSystems: ReadonlySet<string>;
  sarsObservations = 0;

  constructor(options: ParseOptions) {
    this.tubeSystems = new Set([TUBE_BARCODE_SYSTEM, ...(options.tubeSystems ?? [])]);
    this.idSystems = new Set([ID_NUMBER_SYSTEM, ...(options.idNumberSystems ?? [])]);
  }

  warn(code: FhirWarningCode, key: string, path: string, message: (n: number) => string): void {
    const k = `${code}\u0000${key}`;
    const w = this.warnings.get(k);
    if (w) {
      w.count++;
      w.message = message(w.count);
    } else this.warnings.set(k, { path, code, message: message(1), count: 1 });
  }

  warningList(): FhirWarning[] {
    return [...this.warnings.values()];
  }

  addToIndex(key: string | undefined, e: IndexedEntry): void {
    if (key !== undefined && !this.index.has(key)) this.index.set(key, e);
  }

  linkReport(rep: ParsedReport): void {
    for (const ref of rep.report.result ?? []) {
      const target = ref.reference ? this.lookup(ref.reference) : undefined;
      if (target?.type !== 'Observation') continue;
      if (!this.reportOf.has(target.entryIndex)) this.reportOf.set(target.entryIndex, rep);
      const all = this.allReports.get(target.entryIndex);
      if (all) {
        if (!all.includes(rep)) all.push(rep);
      } else this.allReports.set(target.entryIndex, [rep]);
    }
  }

  indexed(key: string): IndexedEntry | undefined {
    return this.index.get(key);
  }

  /** Every report that lists the Observation of entry `entryIndex`. */
  reportsOf(entryIndex: number): ParsedReport[] {
    return this.allReports.get(entryIndex) ?? [];
  }

  reportFor(entryIndex: number): ParsedReport | undefined {
    return this.reportOf.get(entryIndex);
  }

  private lookup(ref: string): IndexedEntry | undefined {
    const exact = this.index.get(ref);
    if (exact) return exact;
    const ti = refTypeId(ref);
    return ti ? this.index.get(ti) : undefined;
  }

  /** A reference from `container` (at `containerPath`): `#id` into its contained resources, else the bundle. */
  resolve(
    ref: string,
    container: Record<string, unknown>,
    containerPath: string,
  ): Located | { missing: string } {
    if (ref.startsWith('#')) {
      const contained = Array.isArray(container.contained) ? container.contained : [];
      const j = contained.findIndex((c) => isObject(c) && c.id === ref.slice(1));
      const c = contained[j];
      if (contained.filter((x) => isObject(x) && x.id === ref.slice(1)).length > 1)
        return { missing: `${ref} names two contained resources: each contained id must be unique` };
      return isObject(c)
        ? { raw: c, path: `${containerPath}.contained[${j}]`, entryIndex: null }
        : { missing: `no contained resource ${ref}` };
    }
    const e = this.lookup(ref);
    return e
      ? { raw: e.raw, path: `Bundle.entry[${e.entryIndex}].resource`, entryIndex: e.entryIndex }
      : { missing: `${ref} refers to nothing in this bundle` };
  }

  isTubeSystem(system: string | undefined): boolean {
    return system !== undefined && this.tubeSystems.has(system);
  }

  isIdNumber(i: z.infer<typeof Identifier>): boolean {
    if (i.system !== undefined && this.idSystems.has(i.system)) return true;
    return (i.type?.coding ?? []).some(
      (c) => c.system === V2_IDENTIFIER_TYPE && NATIONAL_ID_TYPES.has(c.code ?? ''),
    );
  }
}

export function parseFhirResults(json: unknown, options: ParseOptions = {}): FhirParse {
  const out: FhirParse = { bundleType: null, results: [], antigen: [], errors: [], warnings: [] };
  const refuse = (path: string, code: FhirErrorCode, message: string): FhirParse => {
    out.errors.push({ path, code, message });
    return out;
  };
  if (!isObject(json))
    return refuse('Bundle', 'fhir_not_bundle', 'input must be a JSON object (an R4 Bundle)');
  if (json.resourceType !== 'Bundle') {
    const got = typeof json.resourceType === 'string' ? json.resourceType : 'no resourceType';
    return refuse('Bundle.resourceType', 'fhir_not_bundle', `expected a Bundle, got ${got}`);
  }
  // Counted before anything walks the entries, so an oversized bundle costs nothing.
  if (Array.isArray(json.entry) && json.entry.length > MAX_BUNDLE_ENTRIES) {
    return refuse(
      'Bundle.entry',
      'fhir_too_many_entries',
      `a bundle may hold at most ${MAX_BUNDLE_ENTRIES} entries, got ${json.entry.length}`,
    );
  }
  if (json.type === undefined)
    return refuse(
      'Bundle.type',
      'fhir_missing_bundle_type',
      `the Bundle has no type: give one of ${ACCEPTED_BUNDLE_TYPES.join(', ')}`,
    );
  const bundle = BundleShape.safeParse(json);
  if (!bundle.success) {
    const typeIssue = bundle.error.issues.some((i) => i.path[0] === 'type');
    const code: FhirErrorCode = typeIssue ? 'fhir_bad_bundle_type' : 'fhir_not_bundle';
    out.errors.push(...shapeErrors('Bundle', bundle.error).map((e) => ({ ...e, code })));
    return out;
  }
  const type = bundle.data.type;
  if (!(ACCEPTED_BUNDLE_TYPES as readonly string[]).includes(type)) {
    return refuse(
      'Bundle.type',
      'fhir_bad_bundle_type',
      `bundle type must be ${ACCEPTED_BUNDLE_TYPES.join(', ')}; got ${type}`,
    );
  }
  out.bundleType = type;
  const entries = bundle.data.entry ?? [];
  const first =
    isObject(entries[0]) && isObject(entries[0].resource) ? entries[0].resource.resourceType : undefined;
  if (type === 'message' && first !== 'MessageHeader')
    return refuse(
      'Bundle.entry[0].resource',
      'fhir_bad_message',
      'a message Bundle must start with its MessageHeader',
    );
  if (type === 'document' && first !== 'Composition')
    return refuse(
      'Bundle.entry[0].resource',
      'fhir_bad_message',
      'a document Bundle must start with its Composition',
    );

  const reader = new Reader(options);
  const errors = reader.errors;
  // Pass 1: entry shapes, and an index of every entry by fullUrl and Type/id.
  const observations: IndexedEntry[] = [];
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
    const rtype = typeof raw.resourceType === 'string' ? raw.resourceType : '';
    const indexed: IndexedEntry = { entryIndex: i, raw, type: rtype };
    // A reference must name one resource: a fullUrl or a Type/id used twice makes every reference to it
    // ambiguous (FHIR R4 bdl-7: fullUrl unique in a bundle), so the bundle is refused rather than one guessed.
    const typeId = rtype && typeof raw.id === 'string' ? `${rtype}/${raw.id}` : undefined;
    for (const [key, path, what] of [
      [entry.data.fullUrl, `${ep}.fullUrl`, 'fullUrl'],
      [typeId, `${ep}.resource.id`, 'resource'],
    ] as const) {
      if (key === undefined) continue;
      const other = reader.indexed(key);
      if (other && !(what === 'resource' && other.entryIndex === i))
        errors.push({
          path,
          code: 'fhir_duplicate_id',
          message:
            `${what === 'fullUrl' ? 'fullUrl' : ''} ${key} is also Bundle.entry[${other.entryIndex}]: each resource in a bundle must be named once, so a reference to it names one resource`.trim(),
        });
    }
    reader.addToIndex(entry.data.fullUrl, indexed);
    if (typeId) reader.addToIndex(typeId, indexed);
    if (rtype === 'Observation') observations.push(indexed);
    else if (rtype === 'DiagnosticReport') {
      const r = DiagnosticReportShape.safeParse(raw);
      if (r.success) reports.push({ entryIndex: i, raw, report: r.data });
      else errors.push(...shapeErrors(`${ep}.resource`, r.error));
    } else if (!READ_WHEN_REFERENCED.has(rtype)) {
      const what = rtype || 'no resourceType';
      reader.warn(
        'fhir_ignored_resource',
        what,
        `${ep}.resource`,
        (n) => `${n} ${what} resource${n === 1 ? '' : 's'} ignored: only results are recorded from a bundle`,
      );
    }
  }
  for (const rep of reports) reader.linkReport(rep);

  // Pass 2: each Observation by the role of its code.
  const candidates: Candidate[] = [];
  const looseCts: LooseCt[] = [];
  for (const o of observations) {
    const p = `Bundle.entry[${o.entryIndex}].resource`;
    const role = observationRole(reader, o.raw, p);
    if (role === null) continue;
    reader.sarsObservations++;
    const shaped = ObservationShape.safeParse(o.raw);
    if (!shaped.success) {
      errors.push(...shapeErrors(p, shaped.error));
      continue;
    }
    const obs = shaped.data;
    if (!FINAL_STATUSES.has(obs.status)) {
      reader.warn(
        'fhir_not_final',
        obs.status,
        `${p}.status`,
        (n) =>
          `${n} SARS-CoV-2 result${n === 1 ? '' : 's'} with status ${obs.status} skipped: only final, amended or corrected results are recorded`,
      );
      continue;
    }
    const ctx: ObsContext = {
      reader,
      entryIndex: o.entryIndex,
      raw: o.raw,
      obs,
      p,
      report: reader.reportFor(o.entryIndex),
    };
    if (role === 'antigen') {
      const a = readAntigen(ctx);
      if (a) out.antigen.push(a);
    } else if (role === 'ct') {
      const c = readLooseCt(ctx);
      if (c) looseCts.push(c);
    } else {
      const r = readTubeResult(ctx);
      if (r) candidates.push({ ...r, role, path: p });
    }
  }
  out.results = settleTubes(reader, candidates, looseCts);
  if (reader.sarsObservations === 0 && errors.length === 0) {
    errors.push({
      path: 'Bundle.entry',
      code: 'fhir_no_results',
      message: `no SARS-CoV-2 result in this bundle (no Observation coded with a LOINC code of ${Object.keys(PCR_RESULT_CODES).slice(0, 3).join(', ')}… or ${Object.keys(ANTIGEN_CODES).join(', ')}): nothing to record`,
    });
  }
  out.errors = errors;
  out.warnings = reader.warningList();
  // With errors the bundle is refused whole (./ingest.ts); the sound results are still returned, so the caller
  // can check them against the database too and name every problem in one answer.
  return out;
}

/** Envelope and supporting resources: read through references, never warned about. */
const READ_WHEN_REFERENCED: ReadonlySet<string> = new Set([
  'MessageHeader',
  'Composition',
  'Specimen',
  'ServiceRequest',
  'Patient',
]);

/** The role of an Observation, or null when it is ignored (warned) or refused (error). */
function observationRole(reader: Reader, raw: Record<string, unknown>, p: string): Role | null {
  const code = CodeableConcept.safeParse(raw.code);
  if (!code.success) {
    reader.errors.push(...shapeErrors(`${p}.code`, code.error));
    return null;
  }
  const loinc = (code.data.coding ?? [])
    .filter((c) => c.system === LOINC_SYSTEM && c.code)
    .map((c) => c.code as string);
  const found = roleOfConcept(loinc);
  if (found?.role === 'panel') return null; // a grouping: its members are read one by one
  if (found) return found.role;
  const known = loinc.find((c) => NOT_READ_CODES[c] !== undefined);
  const words = [code.data.text, ...(code.data.coding ?? []).map((c) => c.display)].filter(
    (w): w is string => typeof w === 'string',
  );
  if (!known && words.some((w) => NAMES_SARS_COV_2.test(w))) {
    reader.errors.push({
      path: `${p}.code`,
      code: 'fhir_unknown_code',
      message: `this looks like a SARS-CoV-2 test, but its code (${describeConcept(code.data)}) is not one this platform reads: code an overall PCR result with LOINC ${Object.keys(PCR_RESULT_CODES).slice(0, 4).join(', ')}… or an antigen result with ${Object.keys(ANTIGEN_CODES).join(', ')} (the list is in docs/FHIR.md)`,
    });
    return null;
  }
  const what = describeConcept(code.data);
  reader.warn(
    'fhir_ignored_test',
    what,
    p,
    (n) =>
      `${n} Observation${n === 1 ? '' : 's'} of ${what} ignored: ${known ? 'a SARS-CoV-2 test that carries no result recorded here' : 'not a SARS-CoV-2 result'}`,
  );
  return null;
}

interface ObsContext {
  reader: Reader;
  entryIndex: number;
  raw: Record<string, unknown>;
  obs: Observation;
  p: string; // path of the Observation
  report: ParsedReport | undefined;
}

function reportPath(report: ParsedReport): string {
  return `Bundle.entry[${report.entryIndex}].resource`;
}

function readTubeResult(ctx: ObsContext): (Omit<TubeResult, 'sourceRef'> & { sourceRef: string }) | null {
  const { reader, obs, raw, p, report } = ctx;
  const before = reader.errors.length;
  const result = readValue(obs, raw, p, reader.errors);
  const ct = readCt(obs, raw, p, reader.errors);
  const tube = readBarcode(ctx);
  const testedAt = readTime(obs, p, report, reader.errors);
  if (
    tube?.collected &&
    testedAt !== null &&
    Date.parse(testedAt) < Date.parse(tube.collected.iso) - COLLECTION_SKEW_MS
  ) {
    reader.errors.push({
      path: tube.collected.path,
      code: 'fhir_tested_before_collection',
      message: `tested at ${testedAt}, before the sample was collected (${tube.collected.iso}): check the times and their zones`,
    });
  }
  const labCode = findLabCode(obs.performer) ?? findLabCode(report?.report.performer);
  if (result === null || ct === null || tube === null || testedAt === null || reader.errors.length > before)
    return null;
  const r: TubeResult = {
    tubeBarcode: tube.value,
    result,
    ct,
    testedAt,
    sourceRef: `Bundle.entry[${ctx.entryIndex}]`,
  };
  if (labCode !== undefined) r.labCode = labCode;
  return r;
}

function readAntigen(ctx: ObsContext): AntigenResult | null {
  const { reader, obs, raw, p, report } = ctx;
  const before = reader.errors.length;
  const result = readValue(obs, raw, p, reader.errors);
  const testedAt = readTime(obs, p, report, reader.errors);
  const person = readIdNumber(ctx);
  if (result === null || testedAt === null || person === null || reader.errors.length > before) return null;
  return {
    idNumber: person.value,
    idNumberPath: person.path,
    result,
    testedAt,
    sourceRef: `Bundle.entry[${ctx.entryIndex}]`,
  };
}

function readLooseCt(ctx: ObsContext): LooseCt | null {
  const { reader, obs, raw, p } = ctx;
  const code = (obs.code.coding ?? []).find(
    (c) => c.system === LOINC_SYSTEM && CT_LOINC_CODES[c.code ?? ''] !== undefined,
  );
  let gene = code ? (CT_LOINC_CODES[code.code as string]?.gene ?? null) : null;
  if (!gene) {
    for (const n of [obs.code.text, ...(obs.code.coding ?? []).map((c) => c.display)]) {
      gene = n ? canonicalGene(n) : null;
      if (gene) break;
    }
  }
  const before = reader.errors.length;
  if (!gene)
    reader.errors.push({
      path: `${p}.code`,
      code: 'fhir_unknown_gene',
      message: `cannot tell the target gene of ${describeConcept(obs.code)}; expected a LOINC Ct code of one gene or one of ${CT_GENES.join(', ')} in its text`,
    });
  const v = obs.valueQuantity?.value;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v >= 50) {
    const keys = choiceKeys(raw, 'value');
    reader.errors.push({
      path: `${p}.${keys[0] ?? 'valueQuantity'}`,
      code: 'fhir_bad_ct',
      message: `a Ct value must be a valueQuantity with 0 < Ct < 50; got ${keys[0] === 'valueQuantity' ? (JSON.stringify(v) ?? 'nothing') : (keys[0] ?? 'no value')}`,
    });
  }
  const tube = readBarcode(ctx);
  if (!gene || tube === null || typeof v !== 'number' || reader.errors.length > before) return null;
  return { tubeBarcode: tube.value, gene, value: v, path: `${p}.valueQuantity.value` };
}

/**
 * One result per tube: overall results first (gene-level ones beside them are superseded), else gene-level ones
 * that must agree; identical repeats collapse to one; a different second result is a conflict; Ct values sent
 * as their own Observations join their tube's result.
 */
function settleTubes(reader: Reader, candidates: Candidate[], looseCts: LooseCt[]): TubeResult[] {
  const byTube = new Map<string, Candidate[]>();
  for (const c of candidates) {
    const list = byTube.get(c.tubeBarcode);
    if (list) list.push(c);
    else byTube.set(c.tubeBarcode, [c]);
  }
  const out = new Map<string, TubeResult>();
  for (const [tube, list] of byTube) {
    const overall = list.filter((c) => c.role === 'pcr');
    const used = overall.length > 0 ? overall : list;
    if (overall.length > 0) {
      for (const g of list.filter((c) => c.role === 'pcr_gene'))
        reader.warn(
          'fhir_gene_result_superseded',
          '',
          g.path,
          (n) =>
            `${n} gene-level result${n === 1 ? '' : 's'} ignored beside the overall result of the same tube`,
        );
    }
    const firstC = used[0] as Candidate;
    const merged: TubeResult = {
      tubeBarcode: tube,
      result: firstC.result,
      ct: { ...firstC.ct },
      testedAt: firstC.testedAt,
      sourceRef: firstC.sourceRef,
    };
    if (firstC.labCode !== undefined) merged.labCode = firstC.labCode;
    let ok = true;
    for (const c of used.slice(1)) {
      const gene = c.role === 'pcr_gene';
      const differs = gene ? c.result !== merged.result : !sameResult(firstC, c);
      if (differs) {
        reader.errors.push({
          path: c.path,
          code: 'fhir_conflict_in_bundle',
          message: gene
            ? `tube ${tube} has gene-level results that disagree (${firstC.sourceRef}: ${firstC.result}; here: ${c.result}) and no overall result: send the overall SARS-CoV-2 result (LOINC 94500-6)`
            : `tube ${tube} already has a different result in this bundle (${firstC.sourceRef}: ${describeResult(firstC)}; here: ${describeResult(c)})`,
        });
        ok = false;
        continue;
      }
      if (gene) ok = mergeCt(reader, merged, c.ct, c.path) && ok;
    }
    if (ok) out.set(tube, merged);
  }
  for (const c of looseCts) {
    const r = out.get(c.tubeBarcode);
    if (!r) {
      if (!byTube.has(c.tubeBarcode))
        reader.warn(
          'fhir_ct_without_result',
          '',
          c.path,
          (n) => `${n} Ct value${n === 1 ? '' : 's'} ignored: no result for their tube in this bundle`,
        );
      continue;
    }
    mergeCt(reader, r, { [c.gene]: c.value }, c.path);
  }
  return [...out.values()];
}

function describeResult(r: TubeResult): string {
  const ct = Object.entries(r.ct).map(([g, v]) => `${g} ${v}`);
  const lab = r.labCode === undefined ? '' : `, lab ${r.labCode}`;
  return `${r.result}${ct.length > 0 ? ` (Ct ${ct.join(', ')})` : ' (no Ct)'}${lab} at ${r.testedAt}`;
}

function mergeCt(reader: Reader, into: TubeResult, ct: Record<string, number>, path: string): boolean {
  for (const [gene, v] of Object.entries(ct)) {
    const before = into.ct[gene];
    if (before !== undefined && before !== v) {
      reader.errors.push({
        path,
        code: 'fhir_duplicate_gene',
        message: `tube ${into.tubeBarcode} has two Ct values for ${gene}: ${before} and ${v}`,
      });
      return false;
    }
    into.ct[gene] = v;
  }
  return true;
}

/** The same result for a tube: result, Ct values and lab (a repeat with another time is a resend, not a retest). */
function sameResult(a: TubeResult, b: TubeResult): boolean {
  if (a.result !== b.result || a.labCode !== b.labCode) return false;
  const ak = Object.keys(a.ct);
  if (ak.length !== Object.keys(b.ct).length) return false;
  return ak.every((k) => a.ct[k] === b.ct[k]);
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
      path: `${p}.value`,
      code: 'fhir_missing_value',
      message: `the result has no value${why}`,
    });
    return null;
  }
  if (keys.length > 1) {
    errors.push({
      path: `${p}.value`,
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
    const coded = (cc.coding ?? []).filter(
      (c) => c.system === SNOMED_SYSTEM || (c.system === LOINC_SYSTEM && (c.code ?? '').startsWith('LA')),
    );
    if (coded.length > 0) {
      const found = new Set(
        coded
          .map((c) =>
            c.system === SNOMED_SYSTEM
              ? RESULT_SNOMED_CODES[c.code ?? '']?.result
              : RESULT_LA_CODES[c.code ?? '']?.result,
          )
          .filter((r) => r !== undefined),
      );
      const decided = [...found][0] as TubeResultValue;
      // The words beside the codes must not say otherwise (SNOMED "Negative" with the text 阳性 is not read).
      const said = cc.text !== undefined ? RESULT_WORDS[normaliseWord(cc.text)] : undefined;
      if (found.size === 1 && said !== undefined && said !== decided) {
        errors.push({
          path: `${p}.valueCodeableConcept.text`,
          code: 'fhir_ambiguous_value',
          message: `the coding says ${decided} but the text "${cc.text}" says ${said}: send one result`,
        });
        return null;
      }
      if (found.size === 1) return decided;
      const presumptive = decided === undefined && cc.coding?.some((c) => c.code === '720735008');
      errors.push(
        found.size === 0
          ? {
              path: `${p}.valueCodeableConcept`,
              code: 'fhir_unknown_code',
              message: presumptive
                ? 'a presumptive positive (SNOMED 720735008) is not a result this platform records: send the confirmed result (Detected, Not detected or Invalid) once the lab has it'
                : `no known result among ${describeConcept(cc)}; expected SNOMED CT 260373001 Detected, 260415000 Not detected, 455371000124106 Invalid result, or LOINC LA11882-0 Detected, LA11883-8 Not detected, LA15841-2 Invalid`,
            }
          : {
              path: `${p}.valueCodeableConcept`,
              code: 'fhir_ambiguous_value',
              message: `the result's codings disagree: ${[...found].join(' and ')}`,
            },
      );
      return null;
    }
    const r = cc.text !== undefined ? RESULT_WORDS[normaliseWord(cc.text)] : undefined;
    if (r) return r;
    errors.push({
      path: `${p}.valueCodeableConcept`,
      code: 'fhir_unknown_code',
      message: `the result needs a SNOMED CT (${SNOMED_SYSTEM}) or LOINC answer (LA…) coding; got ${describeConcept(cc)}`,
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

function pickIdentifier(
  ids: readonly z.infer<typeof Identifier>[] | undefined,
  accept: (i: z.infer<typeof Identifier>) => boolean,
): number {
  return (ids ?? []).findIndex((i) => i.value !== undefined && i.value.trim() !== '' && accept(i));
}

interface Found {
  value: string;
  path: string;
}

/**
 * The tube barcode, in this order: an identifier with a tube system (ours or a lab's configured one) on the
 * Specimen, the ServiceRequest or the Observation; then the Specimen's accessionIdentifier, its first
 * identifier; `Observation.specimen.identifier`, `.display`; the ServiceRequest's placer order number (PLAC),
 * its first identifier. Also returns the Specimen's collection time, to check the test time against it.
 */
function readBarcode(ctx: ObsContext): (Found & { collected?: Found & { iso: string } }) | null {
  const { reader, obs, raw, p, report } = ctx;
  const errors = reader.errors;
  let unresolved: FhirError | undefined;
  // Without its own specimen, an Observation takes its report's; listed in reports that name different
  // specimens, it has no one tube.
  if (!obs.specimen) {
    const reports = reader.reportsOf(ctx.entryIndex);
    const named = new Set(
      reports.map((r) =>
        JSON.stringify((r.report.specimen ?? []).map((x) => x.reference ?? x.identifier?.value ?? '')),
      ),
    );
    if (named.size > 1) {
      errors.push({
        path: `${p}.specimen`,
        code: 'fhir_conflict_in_bundle',
        message: `the Observation is listed in ${reports.length} reports (${reports.map(reportPath).join(', ')}) that name different specimens: give the Observation its own specimen`,
      });
      return null;
    }
  }
  // The Specimen: the Observation's, else the report's only one.
  let specimen: { s: Specimen; path: string } | undefined;
  let specRef: { ref: string; from: Record<string, unknown>; fromPath: string; refPath: string } | undefined;
  if (obs.specimen?.reference !== undefined)
    specRef = { ref: obs.specimen.reference, from: raw, fromPath: p, refPath: `${p}.specimen.reference` };
  else if (!obs.specimen && report?.report.specimen?.length === 1 && report.report.specimen[0]?.reference) {
    const rp = reportPath(report);
    specRef = {
      ref: report.report.specimen[0].reference,
      from: report.raw,
      fromPath: rp,
      refPath: `${rp}.specimen[0].reference`,
    };
  }
  if (specRef) {
    const target = reader.resolve(specRef.ref, specRef.from, specRef.fromPath);
    if ('missing' in target) {
      unresolved = { path: specRef.refPath, code: 'fhir_unresolved_reference', message: target.missing };
    } else {
      const s = SpecimenShape.safeParse(target.raw);
      if (s.success) specimen = { s: s.data, path: target.path };
      else
        unresolved = {
          path: specRef.refPath,
          code: 'fhir_unresolved_reference',
          message: `${specRef.ref} refers to ${target.path}, which is not a valid Specimen`,
        };
    }
  }
  // The ServiceRequest: the Observation's basedOn, else the report's, else the Specimen's request.
  let order: { s: ServiceRequest; path: string; logical?: boolean } | undefined;
  const rp = report ? reportPath(report) : '';
  const orderRefs: [z.infer<typeof Reference>[] | undefined, Record<string, unknown>, string, string][] = [
    [obs.basedOn, raw, p, `${p}.basedOn`],
    [report?.report.basedOn, report?.raw ?? {}, rp, `${rp}.basedOn`],
    [specimen?.s.request, {}, specimen?.path ?? '', `${specimen?.path}.request`],
  ];
  for (const [refs, from, fromPath, listPath] of orderRefs) {
    for (const [j, r] of (refs ?? []).entries()) {
      // A logical reference (an identifier, no resource in the bundle) names the order just as well.
      if (!r.reference && r.identifier?.value && (r.type === undefined || r.type === 'ServiceRequest')) {
        order = {
          s: { resourceType: 'ServiceRequest', identifier: [r.identifier] },
          path: `${listPath}[${j}]`,
          logical: true,
        };
        break;
      }
      if (!r.reference) continue;
      const t = reader.resolve(r.reference, from, fromPath);
      if ('missing' in t) continue;
      const s = ServiceRequestShape.safeParse(t.raw);
      if (s.success) {
        order = { s: s.data, path: t.path };
        break;
      }
    }
    if (order) break;
  }
  const orderHolder = order && { ...order.s, logical: order.logical };
  const idAt = (
    holder: { identifier?: z.infer<typeof Identifier>[]; logical?: boolean } | undefined,
    path: string,
    accept: (i: z.infer<typeof Identifier>) => boolean,
  ): Found | undefined => {
    const j = pickIdentifier(holder?.identifier, accept);
    if (j < 0) return undefined;
    const at = holder?.logical ? `${path}.identifier.value` : `${path}.identifier[${j}].value`;
    return { value: holder?.identifier?.[j]?.value as string, path: at };
  };
  const tubeSystem = (i: z.infer<typeof Identifier>) => reader.isTubeSystem(i.system);
  const any = () => true;
  const placer = (i: z.infer<typeof Identifier>) =>
    (i.type?.coding ?? []).some((c) => c.system === V2_IDENTIFIER_TYPE && c.code === 'PLAC');
  const accession = specimen?.s.accessionIdentifier?.value?.trim()
    ? { value: specimen.s.accessionIdentifier.value, path: `${specimen.path}.accessionIdentifier.value` }
    : undefined;
  // Tube-system identifiers in several places must agree: two barcodes for one result is not a choice to make.
  const tubeIds = [
    idAt(specimen?.s, specimen?.path ?? '', tubeSystem),
    idAt(orderHolder, order?.path ?? '', tubeSystem),
    idAt(obs, p, tubeSystem),
  ].filter((x): x is Found => x !== undefined);
  if (new Set(tubeIds.map((x) => x.value.trim())).size > 1) {
    errors.push({
      path: tubeIds[1]?.path ?? p,
      code: 'fhir_conflicting_identifiers',
      message: `the result names different tubes: ${tubeIds.map((x) => `${x.value} (${x.path})`).join(', ')}`,
    });
    return null;
  }
  const found =
    idAt(specimen?.s, specimen?.path ?? '', tubeSystem) ??
    idAt(orderHolder, order?.path ?? '', tubeSystem) ??
    idAt(obs, p, tubeSystem) ??
    accession ??
    idAt(specimen?.s, specimen?.path ?? '', any) ??
    (obs.specimen?.identifier?.value !== undefined
      ? { value: obs.specimen.identifier.value, path: `${p}.specimen.identifier.value` }
      : undefined) ??
    (obs.specimen?.display !== undefined
      ? { value: obs.specimen.display, path: `${p}.specimen.display` }
      : undefined) ??
    idAt(orderHolder, order?.path ?? '', placer) ??
    idAt(orderHolder, order?.path ?? '', any);
  if (!found) {
    const several = !obs.specimen && (report?.report.specimen?.length ?? 0) > 1;
    errors.push(
      unresolved ?? {
        path: `${p}.specimen`,
        code: 'fhir_missing_specimen',
        message: several
          ? `the report names ${report?.report.specimen?.length} specimens and the Observation none: give the Observation its own specimen (Observation.specimen)`
          : `no tube barcode: need a Specimen with an identifier (system ${TUBE_BARCODE_SYSTEM} or the lab's configured one), specimen.identifier, specimen.display, or a ServiceRequest with an identifier`,
      },
    );
    return null;
  }
  const value = found.value.trim();
  if (!BARCODE.test(value)) {
    errors.push({
      path: found.path,
      code: 'fhir_bad_barcode',
      message: `tube barcode must be 1-64 visible ASCII characters without spaces; got ${JSON.stringify(found.value)}`,
    });
    return null;
  }
  const out: Found & { collected?: Found & { iso: string } } = { value, path: found.path };
  const collected = specimen?.s.collection?.collectedDateTime;
  if (collected !== undefined) {
    const t = parseFhirDateTime(collected);
    const cp = `${specimen?.path}.collection.collectedDateTime`;
    if (t.kind === 'full') out.collected = { value: collected, path: cp, iso: t.iso };
    else if (t.kind === 'bad') {
      errors.push({
        path: cp,
        code: 'fhir_bad_time',
        message: `not a FHIR dateTime: ${JSON.stringify(collected)} (expected e.g. 2022-03-14T08:30:00+08:00)`,
      });
      return null;
    }
  }
  return out;
}

/** An antigen result's person: the subject Patient's ID number. */
function readIdNumber(ctx: ObsContext): Found | null {
  const { reader, obs, raw, p, report } = ctx;
  const subject = obs.subject ?? report?.report.subject;
  const from = obs.subject ? raw : (report?.raw ?? {});
  const fromPath = obs.subject ? p : report ? reportPath(report) : p;
  const fail = (path: string, message: string): null => {
    reader.errors.push({ path, code: 'fhir_no_person_id', message });
    return null;
  };
  if (subject?.identifier?.value && reader.isIdNumber(subject.identifier))
    return { value: subject.identifier.value.trim(), path: `${fromPath}.subject.identifier.value` };
  if (!subject?.reference)
    return fail(
      `${p}.subject`,
      'an antigen result needs its subject: a Patient with the ID number (身份证号)',
    );
  const t = reader.resolve(subject.reference, from, fromPath);
  if ('missing' in t) return fail(`${fromPath}.subject.reference`, t.missing);
  const patient = PatientShape.safeParse(t.raw);
  if (!patient.success)
    return fail(`${fromPath}.subject.reference`, `${subject.reference} is not a valid Patient`);
  const j = pickIdentifier(patient.data.identifier, (i) => reader.isIdNumber(i));
  if (j < 0)
    return fail(
      `${t.path}.identifier`,
      `the Patient has no ID number: an identifier with system ${ID_NUMBER_SYSTEM} (or one configured in QINGCANG_FHIR_ID_SYSTEMS) or of type NNCHN`,
    );
  const v = patient.data.identifier?.[j]?.value as string;
  return { value: v.trim(), path: `${t.path}.identifier[${j}].value` };
}

function readTime(
  obs: Observation,
  p: string,
  report: ParsedReport | undefined,
  errors: FhirError[],
): string | null {
  const rp = report ? reportPath(report) : '';
  const sources: [string, string | undefined][] = [
    [`${p}.effectiveDateTime`, obs.effectiveDateTime],
    [`${p}.effectiveInstant`, obs.effectiveInstant],
    [`${p}.effectivePeriod.start`, obs.effectivePeriod?.start],
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
