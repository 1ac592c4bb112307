/**
 * FHIR R4 OperationOutcome answers for FHIR clients (who send or accept `application/fhir+json`): each problem
 * an `error` issue, each warning a `warning` issue, a success an `information` issue with the counts. The
 * platform's own code is in `details.coding` (system {@link QINGCANG_CODE_SYSTEM}), the path in `expression`.
 */
import type { BundleProblem, FhirIngestReport } from './ingest.ts';
import type { FhirWarning } from './parse-results.ts';

export const QINGCANG_CODE_SYSTEM = 'urn:qingcang:fhir:cs:answer-code';
export const FHIR_JSON = 'application/fhir+json';

/** FHIR issue-type per platform code (http://hl7.org/fhir/issue-type). */
function issueType(code: string): string {
  if (code === 'tube_unknown' || code === 'person_unknown' || code === 'fhir_unresolved_reference')
    return 'not-found';
  if (code === 'fhir_conflict_in_bundle' || code === 'transition_invalid') return 'business-rule';
  if (code === 'fhir_bad_bundle_type' || code === 'fhir_no_results') return 'not-supported';
  if (code === 'fhir_unknown_code' || code === 'fhir_unknown_gene') return 'code-invalid';
  if (code === 'fhir_too_many_entries') return 'too-costly';
  if (code.startsWith('fhir_missing') || code === 'fhir_no_person_id') return 'required';
  if (code === 'fhir_ignored_resource' || code === 'fhir_ignored_test') return 'informational';
  return code.startsWith('fhir_') ? 'invalid' : 'processing';
}

function issue(severity: 'error' | 'warning' | 'information', code: string, message: string, path?: string) {
  return {
    severity,
    // What was left out or noted is informational; only refusals carry the kind of problem.
    code: severity === 'error' ? issueType(code) : 'informational',
    details: { coding: [{ system: QINGCANG_CODE_SYSTEM, code }], text: message },
    diagnostics: message,
    ...(path ? { expression: [path] } : {}),
  };
}

export function refusedOutcome(problems: BundleProblem[], warnings: FhirWarning[]): object {
  return {
    resourceType: 'OperationOutcome',
    issue: [
      ...problems.map((p) => issue('error', p.code, p.message, p.path)),
      ...warnings.map((w) => issue('warning', w.code, w.message, w.path)),
    ],
  };
}

export function recordedOutcome(report: FhirIngestReport): object {
  const count = (status: string) =>
    report.items.filter((i) => i.status === status).length +
    report.antigen.filter((i) => i.status === status || (status === 'recorded' && i.status === 'accepted'))
      .length;
  const summary =
    `recorded ${count('recorded')}, duplicate ${count('duplicate')}, conflict ${count('conflict')} ` +
    `(kept and flagged for review); follow-up: ${report.follow_up.positivePools} positive pools, ` +
    `${report.follow_up.positivePersons} confirmed positives`;
  return {
    resourceType: 'OperationOutcome',
    issue: [
      issue('information', 'fhir_recorded', summary),
      ...report.items
        .filter((i) => i.status === 'conflict')
        .map((i) =>
          issue('warning', 'result_conflict', 'message' in i ? i.message : '', `${i.source}.resource`),
        ),
      ...report.warnings.map((w) => issue('warning', w.code, w.message, w.path)),
    ],
  };
}
