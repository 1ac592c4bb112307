import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildFhirResultsBundle,
  CT_GENES,
  canonicalGene,
  LAB_CODE_SYSTEM,
  LOINC_SYSTEM,
  MAX_BUNDLE_ENTRIES,
  parseFhirDateTime,
  parseFhirResults,
  RESULT_LOINC_CODES,
  SNOMED_SYSTEM,
  TUBE_BARCODE_SYSTEM,
  type TubeResult,
} from './parse-results.ts';

// ---- fixtures ----

const DETECTED = { coding: [{ system: SNOMED_SYSTEM, code: '260373001', display: 'Detected' }] };
const NOT_DETECTED = { coding: [{ system: SNOMED_SYSTEM, code: '260415000', display: 'Not detected' }] };
const PCR = { coding: [{ system: LOINC_SYSTEM, code: '94500-6' }] };

/** A minimal valid result Observation; `over` replaces or (with undefined) removes elements. */
function obs(over: Record<string, unknown> = {}): Record<string, unknown> {
  const o: Record<string, unknown> = {
    resourceType: 'Observation',
    status: 'final',
    code: PCR,
    specimen: { identifier: { system: TUBE_BARCODE_SYSTEM, value: 'T0001' } },
    effectiveDateTime: '2022-03-14T08:30:00+08:00',
    valueCodeableConcept: NOT_DETECTED,
    ...over,
  };
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

function bundle(...resources: unknown[]): Record<string, unknown> {
  return { resourceType: 'Bundle', type: 'batch', entry: resources.map((resource) => ({ resource })) };
}

function ctComponent(text: string, value: unknown, coding?: { system: string; code: string }) {
  return { code: { ...(coding ? { coding: [coding] } : {}), text }, valueQuantity: { value, unit: 'Ct' } };
}

/** The errors of a one-Observation bundle, as [code, path] pairs. */
function errorsOf(...resources: unknown[]): [string, string][] {
  return parseFhirResults(bundle(...resources)).errors.map((e) => [e.code, e.path]);
}

const P = 'Bundle.entry[0].resource';

/** A lab's bundle as it might arrive: a report, one Observation with a contained Specimen, one with a
 * bundled Specimen, components for ORF1ab and N and the internal control. */
const realistic = {
  resourceType: 'Bundle',
  id: 'lab-220202-0314-0930',
  type: 'transaction',
  timestamp: '2022-03-14T09:30:00+08:00',
  entry: [
    {
      fullUrl: 'urn:uuid:6b1f0a4e-2f3c-4d0e-9a57-1c1d1e2b3a01',
      resource: {
        resourceType: 'DiagnosticReport',
        status: 'final',
        code: { coding: [{ system: LOINC_SYSTEM, code: '94531-1' }] },
        effectiveDateTime: '2022-03-14T09:05:00+08:00',
        issued: '2022-03-14T09:28:41.512+08:00',
        performer: [
          {
            identifier: { system: LAB_CODE_SYSTEM, value: 'JL-CY-01' },
            display: '吉林市昌邑区核酸检测实验室',
          },
        ],
        result: [
          { reference: 'urn:uuid:6b1f0a4e-2f3c-4d0e-9a57-1c1d1e2b3a02' },
          { reference: 'Observation/obs-2' },
        ],
      },
      request: { method: 'POST', url: 'DiagnosticReport' },
    },
    {
      fullUrl: 'urn:uuid:6b1f0a4e-2f3c-4d0e-9a57-1c1d1e2b3a02',
      resource: {
        resourceType: 'Observation',
        id: 'obs-1',
        meta: { profile: ['http://example.org/fhir/StructureDefinition/sars-cov-2-pcr'] },
        contained: [
          {
            resourceType: 'Specimen',
            id: 'sp1',
            identifier: [
              { system: 'http://lis.example.cn/specimen', value: 'LIS-8812731' },
              { system: TUBE_BARCODE_SYSTEM, value: 'JL2203140001' },
            ],
            accessionIdentifier: { value: 'A-0314-0001' },
            type: { coding: [{ system: SNOMED_SYSTEM, code: '258529004', display: 'Throat swab' }] },
            collection: { collectedDateTime: '2022-03-14T07:40:00+08:00' },
          },
        ],
        status: 'final',
        category: [
          {
            coding: [
              { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' },
            ],
          },
        ],
        code: {
          coding: [{ system: LOINC_SYSTEM, code: '94500-6', display: RESULT_LOINC_CODES['94500-6'] }],
          text: '新型冠状病毒核酸检测',
        },
        subject: { display: '10人混采' },
        effectiveDateTime: '2022-03-14T08:47:00+08:00',
        issued: '2022-03-14T09:28:41+08:00',
        specimen: { reference: '#sp1' },
        valueCodeableConcept: { coding: [{ system: SNOMED_SYSTEM, code: '260373001' }], text: '阳性' },
        interpretation: [
          {
            coding: [
              { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'POS' },
            ],
          },
        ],
        component: [
          {
            code: { coding: [{ system: LOINC_SYSTEM, code: '94644-2' }], text: 'ORF1ab' },
            valueQuantity: { value: 31.2, unit: 'Ct' },
          },
          {
            code: { coding: [{ system: 'http://lis.example.cn/target', code: 'N' }], text: 'N基因' },
            valueQuantity: { value: 30.1 },
          },
          { code: { text: '内标' }, valueQuantity: { value: 27.45 } },
          // A qualitative per-gene sub-result carries no Ct and is skipped.
          { code: { coding: [{ system: LOINC_SYSTEM, code: '94533-7' }] }, valueCodeableConcept: DETECTED },
        ],
      },
      request: { method: 'POST', url: 'Observation' },
    },
    {
      fullUrl: 'urn:uuid:6b1f0a4e-2f3c-4d0e-9a57-1c1d1e2b3a03',
      resource: {
        resourceType: 'Specimen',
        id: 'sp-2',
        accessionIdentifier: { system: 'http://lis.example.cn/accession', value: 'JL2203140002' },
      },
      request: { method: 'POST', url: 'Specimen' },
    },
    {
      fullUrl: 'urn:uuid:6b1f0a4e-2f3c-4d0e-9a57-1c1d1e2b3a04',
      resource: {
        resourceType: 'Observation',
        id: 'obs-2',
        status: 'amended',
        code: { coding: [{ system: LOINC_SYSTEM, code: '94309-2' }] },
        specimen: { reference: 'Specimen/sp-2' },
        valueString: '阴性',
        component: [
          { code: { text: 'ORF1ab' }, dataAbsentReason: { text: 'undetermined' } },
          { code: { text: 'N' }, dataAbsentReason: { text: 'undetermined' } },
        ],
      },
      request: { method: 'POST', url: 'Observation' },
    },
  ],
};

// ---- generators ----

const ctValue = fc.double({ min: 0.001, max: 49.999, noNaN: true });
const tubeResult: fc.Arbitrary<TubeResult> = fc.record({
  tubeBarcode: fc.stringMatching(/^[A-Z0-9][A-Za-z0-9-]{4,30}$/),
  result: fc.constantFrom('negative', 'positive', 'invalid'),
  ct: fc.record(
    Object.fromEntries(CT_GENES.map((g) => [g, ctValue])) as Record<string, fc.Arbitrary<number>>,
    {
      requiredKeys: [],
    },
  ),
  testedAt: fc
    .date({
      min: new Date('2020-01-01T00:00:00Z'),
      max: new Date('2030-12-31T23:59:59Z'),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString()),
  labCode: fc.option(fc.stringMatching(/^[A-Z]{2}-[A-Z0-9]{1,8}$/), { nil: undefined }),
  sourceRef: fc.constant(''),
}) as fc.Arbitrary<TubeResult>;

// ---- tests ----

describe('parseFhirResults: round trip', () => {
  it('reads back every result the builder wrote (through JSON text too)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(tubeResult, { selector: (r) => r.tubeBarcode, minLength: 1, maxLength: 30 }),
        (rs) => {
          const json = JSON.parse(JSON.stringify(buildFhirResultsBundle(rs)));
          const { results, errors } = parseFhirResults(json);
          expect(errors).toEqual([]);
          expect(results).toEqual(rs.map((r, i) => ({ ...r, sourceRef: `Bundle.entry[${i}]` })));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('collapses identical repeats for one tube into the first, without complaint', () => {
    const r: TubeResult = {
      tubeBarcode: 'T1',
      result: 'positive',
      ct: { N: 22 },
      testedAt: '2022-03-14T00:30:00.000Z',
      sourceRef: '',
    };
    const out = parseFhirResults(buildFhirResultsBundle([r, r]));
    expect(out.errors).toEqual([]);
    expect(out.results.map((x) => x.sourceRef)).toEqual(['Bundle.entry[0]']);
  });

  it('builds a collection Bundle and refuses a gene it cannot code', () => {
    expect(buildFhirResultsBundle([])).toEqual({ resourceType: 'Bundle', type: 'collection', entry: [] });
    const bad = {
      tubeBarcode: 'T1',
      result: 'negative',
      ct: { X: 30 },
      testedAt: '',
      sourceRef: '',
    } as const;
    expect(() => buildFhirResultsBundle([{ ...bad, ct: { X: 30 } }])).toThrow(/unknown Ct gene X/);
  });
});

describe('parseFhirResults: a realistic lab bundle', () => {
  it('reads the contained and the bundled Specimen, Ct components, report time and lab', () => {
    const { results, errors } = parseFhirResults(realistic);
    expect(errors).toEqual([]);
    expect(results).toEqual([
      {
        tubeBarcode: 'JL2203140001', // the tube-barcode identifier wins over the LIS one and the accession
        result: 'positive',
        ct: { ORF1ab: 31.2, N: 30.1, IC: 27.45 },
        testedAt: '2022-03-14T00:47:00.000Z',
        labCode: 'JL-CY-01', // from the report's performer
        sourceRef: 'Bundle.entry[1]',
      },
      {
        tubeBarcode: 'JL2203140002', // accessionIdentifier of the bundled Specimen
        result: 'negative',
        ct: {},
        testedAt: '2022-03-14T01:05:00.000Z', // no effective time of its own: the report's
        labCode: 'JL-CY-01',
        sourceRef: 'Bundle.entry[3]',
      },
    ]);
  });
});

describe('parseFhirResults: the bundle itself', () => {
  it('refuses anything that is not a JSON object holding a Bundle', () => {
    for (const input of [null, undefined, 'not json', 42, [], [bundle()]]) {
      expect(parseFhirResults(input)).toEqual({
        bundleType: null,
        results: [],
        antigen: [],
        warnings: [],
        errors: [{ path: 'Bundle', code: 'fhir_not_bundle', message: expect.any(String) }],
      });
    }
    expect(parseFhirResults(obs()).errors).toEqual([
      { path: 'Bundle.resourceType', code: 'fhir_not_bundle', message: 'expected a Bundle, got Observation' },
    ]);
    expect(parseFhirResults({ resourceType: 'Bundle', type: 'batch', entry: {} }).errors).toMatchObject([
      { path: 'Bundle.entry', code: 'fhir_not_bundle' },
    ]);
  });

  it('refuses a Bundle of the wrong type', () => {
    for (const type of ['searchset', 'history', 'batch-response', 'transaction-response']) {
      const r = parseFhirResults({ ...bundle(obs()), type });
      expect(r.results).toEqual([]);
      expect(r.errors).toMatchObject([{ path: 'Bundle.type', code: 'fhir_bad_bundle_type' }]);
    }
    expect(parseFhirResults({ resourceType: 'Bundle', entry: [] }).errors).toMatchObject([
      { path: 'Bundle.type', code: 'fhir_missing_bundle_type' },
    ]);
    for (const type of ['batch', 'transaction', 'collection']) {
      expect(parseFhirResults({ ...bundle(obs()), type }).results).toHaveLength(1);
    }
    // A message starts with its MessageHeader, a document with its Composition.
    const header = { resourceType: 'MessageHeader', eventCoding: { code: 'R01' } };
    const composition = { resourceType: 'Composition', status: 'final' };
    expect(parseFhirResults({ ...bundle(header, obs()), type: 'message' })).toMatchObject({
      bundleType: 'message',
      errors: [],
      warnings: [],
      results: [{ tubeBarcode: 'T0001' }],
    });
    expect(parseFhirResults({ ...bundle(composition, obs()), type: 'document' }).results).toHaveLength(1);
    expect(parseFhirResults({ ...bundle(obs(), header), type: 'message' }).errors).toMatchObject([
      { path: 'Bundle.entry[0].resource', code: 'fhir_bad_message' },
    ]);
    expect(parseFhirResults({ ...bundle(header, obs()), type: 'document' }).errors).toMatchObject([
      { path: 'Bundle.entry[0].resource', code: 'fhir_bad_message' },
    ]);
    // A bundle without any SARS-CoV-2 Observation records nothing: refused, not a silent success.
    expect(parseFhirResults(bundle()).errors).toMatchObject([{ code: 'fhir_no_results' }]);
  });

  it('refuses more than 50,000 entries before reading any, and reads exactly 50,000', () => {
    const over = { resourceType: 'Bundle', type: 'batch', entry: new Array(MAX_BUNDLE_ENTRIES + 1) };
    expect(parseFhirResults(over)).toEqual({
      bundleType: null,
      results: [],
      antigen: [],
      warnings: [],
      errors: [
        { path: 'Bundle.entry', code: 'fhir_too_many_entries', message: expect.stringContaining('50001') },
      ],
    });
    const entry = (i: number) => ({ resource: obs({ specimen: { display: `T${i}` } }) });
    const full = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: Array.from({ length: MAX_BUNDLE_ENTRIES }, (_, i) => entry(i)),
    };
    const r = parseFhirResults(full);
    expect(r.errors).toEqual([]);
    expect(r.results).toHaveLength(MAX_BUNDLE_ENTRIES);
  });

  it('ignores other resources and tests with one warning per kind, and reports every broken entry', () => {
    const flu = { coding: [{ system: LOINC_SYSTEM, code: '92142-9', display: 'Influenza virus A RNA' }] };
    const b = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Organization', id: 'lab' } },
        { resource: obs() },
        { resource: { resourceType: 'Organization', id: 'sender' } },
        { resource: obs({ code: flu }) },
        { resource: { resourceType: 'Provenance' } },
      ],
    };
    const r = parseFhirResults(b);
    expect(r.errors).toEqual([]);
    expect(r.results.map((x) => x.sourceRef)).toEqual(['Bundle.entry[1]']);
    expect(r.warnings.map((w) => [w.code, w.path, w.count])).toEqual([
      ['fhir_ignored_resource', 'Bundle.entry[0].resource', 2],
      ['fhir_ignored_resource', 'Bundle.entry[4].resource', 1],
      ['fhir_ignored_test', 'Bundle.entry[3].resource', 1],
    ]);
    expect(r.warnings[0]?.message).toBe(
      '2 Organization resources ignored: only results are recorded from a bundle',
    );
    // Broken entries: every one is reported, and then no result is returned at all (one unit).
    const broken = parseFhirResults({
      ...b,
      entry: [
        ...b.entry,
        { request: { method: 'DELETE', url: 'Observation/9' } },
        'junk',
        { resource: { resourceType: 'DiagnosticReport', result: 'not a list' } },
      ],
    });
    // The sound result is still returned beside the errors (the caller refuses the bundle whole, and checks it
    // against the database to name every problem at once).
    expect(broken.results.map((x) => x.sourceRef)).toEqual(['Bundle.entry[1]']);
    expect(broken.errors.map((e) => [e.code, e.path])).toEqual([
      ['fhir_missing_resource', 'Bundle.entry[5].resource'],
      ['fhir_invalid_resource', 'Bundle.entry[6]'],
      ['fhir_invalid_resource', 'Bundle.entry[7].resource.result'],
    ]);
  });
});

describe('parseFhirResults: each error with its path', () => {
  it('fhir_invalid_resource: the shape, with the exact element', () => {
    expect(errorsOf(obs({ status: 'done' }))).toEqual([['fhir_invalid_resource', `${P}.status`]]);
    expect(errorsOf(obs({ code: undefined }))).toEqual([['fhir_invalid_resource', `${P}.code`]]);
    expect(errorsOf(obs({ component: [{ code: { coding: [{ code: 5 }] } }] }))).toEqual([
      ['fhir_invalid_resource', `${P}.component[0].code.coding[0].code`],
    ]);
    expect(errorsOf(obs({ valueString: 'negative' }))).toEqual([['fhir_invalid_resource', `${P}.value`]]);
  });

  it('fhir_not_final: preliminary, registered, cancelled, entered-in-error', () => {
    for (const status of ['preliminary', 'registered', 'cancelled', 'entered-in-error', 'unknown']) {
      const r = parseFhirResults(bundle(obs({ status }), obs({ status, specimen: { display: 'T0002' } })));
      expect([r.errors, r.results]).toEqual([[], []]);
      expect(r.warnings).toMatchObject([{ code: 'fhir_not_final', path: `${P}.status`, count: 2 }]);
    }
    for (const status of ['final', 'amended', 'corrected']) expect(errorsOf(obs({ status }))).toEqual([]);
  });

  it('fhir_unknown_code: the test code, the result code, the result word', () => {
    // A code we do not read, named as SARS-CoV-2: an error, never a silent drop.
    const unknownSars = {
      coding: [{ system: LOINC_SYSTEM, code: '99999-9', display: 'SARS-CoV-2 RNA new test' }],
    };
    expect(errorsOf(obs({ code: unknownSars }))).toEqual([['fhir_unknown_code', `${P}.code`]]);
    expect(errorsOf(obs({ code: { coding: [{ code: '94500-6' }], text: '新型冠状病毒核酸检测' } }))).toEqual([
      ['fhir_unknown_code', `${P}.code`],
    ]);
    // SARS-CoV-2 tests that carry no result recorded here (an antibody): a warning.
    const igg = { coding: [{ system: LOINC_SYSTEM, code: '94505-5', display: 'SARS-CoV-2 IgG Ab' }] };
    const withIgg = parseFhirResults(bundle(obs(), obs({ code: igg })));
    expect([withIgg.errors, withIgg.results.length]).toEqual([[], 1]);
    expect(withIgg.warnings).toMatchObject([{ code: 'fhir_ignored_test', path: 'Bundle.entry[1].resource' }]);
    const presumptive = { coding: [{ system: SNOMED_SYSTEM, code: '720735008' }], text: 'positive' };
    expect(errorsOf(obs({ valueCodeableConcept: presumptive }))).toEqual([
      ['fhir_unknown_code', `${P}.valueCodeableConcept`],
    ]);
    expect(errorsOf(obs({ valueCodeableConcept: undefined, valueString: '可疑' }))).toEqual([
      ['fhir_unknown_code', `${P}.valueString`],
    ]);
    expect(errorsOf(obs({ valueCodeableConcept: undefined, valueBoolean: true }))).toEqual([
      ['fhir_unknown_code', `${P}.valueBoolean`],
    ]);
  });

  it('fhir_ambiguous_value: SNOMED codings that disagree', () => {
    const both = { coding: [...DETECTED.coding, ...NOT_DETECTED.coding] };
    expect(errorsOf(obs({ valueCodeableConcept: both }))).toEqual([
      ['fhir_ambiguous_value', `${P}.valueCodeableConcept`],
    ]);
  });

  it('fhir_missing_value', () => {
    const absent = obs({ valueCodeableConcept: undefined, dataAbsentReason: { text: 'sample leaked' } });
    expect(errorsOf(absent)).toEqual([['fhir_missing_value', `${P}.value`]]);
    expect(parseFhirResults(bundle(absent)).errors[0]?.message).toMatch(/sample leaked/);
  });

  it('fhir_missing_specimen, fhir_unresolved_reference, fhir_bad_barcode', () => {
    expect(errorsOf(obs({ specimen: undefined }))).toEqual([['fhir_missing_specimen', `${P}.specimen`]]);
    expect(errorsOf(obs({ specimen: { reference: 'Specimen/nope' } }))).toEqual([
      ['fhir_unresolved_reference', `${P}.specimen.reference`],
    ]);
    expect(errorsOf(obs({ specimen: { reference: '#nope' } }))).toEqual([
      ['fhir_unresolved_reference', `${P}.specimen.reference`],
    ]);
    const containedPatient = obs({
      contained: [{ resourceType: 'Patient', id: 'x' }],
      specimen: { reference: '#x' },
    });
    expect(errorsOf(containedPatient)).toEqual([['fhir_unresolved_reference', `${P}.specimen.reference`]]);
    // An Observation in place of a Specimen: the reference is unresolved (the Observation itself is fine).
    const wrongTarget = { ...obs({ specimen: { reference: 'Observation/o2' } }), id: 'o1' };
    expect(errorsOf(wrongTarget, { ...obs(), id: 'o2' })).toEqual([
      ['fhir_unresolved_reference', `${P}.specimen.reference`],
    ]);
    expect(errorsOf(obs({ specimen: { display: 'tube 12' } }))).toEqual([
      ['fhir_bad_barcode', `${P}.specimen.display`],
    ]);
    expect(errorsOf(obs({ specimen: { identifier: { value: 'x'.repeat(65) } } }))).toEqual([
      ['fhir_bad_barcode', `${P}.specimen.identifier.value`],
    ]);
  });

  it('fhir_unknown_gene, fhir_duplicate_gene, fhir_bad_ct', () => {
    expect(errorsOf(obs({ component: [ctComponent('X gene', 30)] }))).toEqual([
      ['fhir_unknown_gene', `${P}.component[0].code`],
    ]);
    expect(errorsOf(obs({ component: [ctComponent('ORF1ab', 30), ctComponent('ORF1ab基因', 31)] }))).toEqual([
      ['fhir_duplicate_gene', `${P}.component[1].valueQuantity.value`],
    ]);
    for (const bad of [0, 50, -3, 77, '31.2', null]) {
      expect(errorsOf(obs({ component: [ctComponent('N', 20), ctComponent('ORF1ab', bad)] }))).toEqual([
        ['fhir_bad_ct', `${P}.component[1].valueQuantity.value`],
      ]);
    }
    const coded = { code: { coding: [{ system: LOINC_SYSTEM, code: '94510-5' }] }, valueString: '31.2' };
    expect(errorsOf(obs({ component: [coded] }))).toEqual([['fhir_bad_ct', `${P}.component[0].valueString`]]);
    // Every Ct problem of one Observation is reported, and the Observation yields no result.
    const r = parseFhirResults(bundle(obs({ component: [ctComponent('N', 0), ctComponent('Q', 1)] })));
    expect(r.results).toEqual([]);
    expect(r.errors.map((e) => e.code)).toEqual(['fhir_bad_ct', 'fhir_unknown_gene']);
  });

  it('fhir_missing_time, fhir_bad_time', () => {
    expect(errorsOf(obs({ effectiveDateTime: undefined }))).toEqual([
      ['fhir_missing_time', `${P}.effectiveDateTime`],
    ]);
    expect(errorsOf(obs({ effectiveDateTime: '2022-03-14' }))).toEqual([
      ['fhir_missing_time', `${P}.effectiveDateTime`],
    ]);
    for (const bad of [
      '2022-02-30T08:00:00Z',
      '2022-03-14 08:00',
      '2022-03-14T08:00:00',
      '2022-03-14T24:00:00Z',
    ]) {
      expect(errorsOf(obs({ effectiveDateTime: bad }))).toEqual([
        ['fhir_bad_time', `${P}.effectiveDateTime`],
      ]);
    }
    expect(errorsOf(obs({ effectiveDateTime: undefined, issued: 'yesterday' }))).toEqual([
      ['fhir_bad_time', `${P}.issued`],
    ]);
  });

  it('fhir_conflict_in_bundle on the second of two different results for one tube', () => {
    const first = obs({ valueCodeableConcept: DETECTED });
    const second = obs({ valueCodeableConcept: NOT_DETECTED });
    const r = parseFhirResults(bundle(first, obs({ specimen: { display: 'T0002' } }), second));
    expect(r.results.map((x) => x.tubeBarcode)).toEqual(['T0002']); // T0001 has no one result
    expect(r.errors).toMatchObject([{ path: 'Bundle.entry[2].resource', code: 'fhir_conflict_in_bundle' }]);
    expect(r.errors[0]?.message).toMatch(/T0001.*Bundle\.entry\[0\]: positive/);
    // Same result, different Ct: also a conflict.
    const ctA = obs({ component: [ctComponent('N', 30)] });
    const ctB = obs({ component: [ctComponent('N', 31)] });
    expect(errorsOf(ctA, ctB)).toEqual([['fhir_conflict_in_bundle', 'Bundle.entry[1].resource']]);
  });
});

describe('parseFhirResults: ambiguity is refused, never resolved by a guess', () => {
  const spec = (id: string, tube: string) => ({
    resourceType: 'Specimen',
    id,
    identifier: [{ system: TUBE_BARCODE_SYSTEM, value: tube }],
  });
  const byRef = (ref: string) => obs({ specimen: { reference: ref }, valueCodeableConcept: DETECTED });

  it('fhir_duplicate_id: a fullUrl or a Type/id named twice', () => {
    const dupUrl = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { fullUrl: 'urn:uuid:x', resource: spec('a', 'S29') },
        { fullUrl: 'urn:uuid:x', resource: spec('b', 'S30') },
        { resource: byRef('urn:uuid:x') },
      ],
    };
    expect(parseFhirResults(dupUrl).errors.map((e) => [e.code, e.path])).toEqual([
      ['fhir_duplicate_id', 'Bundle.entry[1].fullUrl'],
    ]);
    expect(errorsOf(spec('dup', 'S29'), spec('dup', 'S30'), byRef('Specimen/dup'))).toEqual([
      ['fhir_duplicate_id', 'Bundle.entry[1].resource.id'],
    ]);
    const twoContained = obs({
      contained: [spec('c1', 'S29'), spec('c1', 'S30')],
      specimen: { reference: '#c1' },
    });
    expect(errorsOf(twoContained)).toEqual([['fhir_unresolved_reference', `${P}.specimen.reference`]]);
  });

  it('an Observation listed in two reports that name different specimens has no tube', () => {
    const report = (specimen: string) => ({
      resourceType: 'DiagnosticReport',
      specimen: [{ reference: specimen }],
      result: [{ reference: 'Observation/o1' }],
    });
    const o = { ...obs({ specimen: undefined, valueCodeableConcept: DETECTED }), id: 'o1' };
    const r = parseFhirResults(
      bundle(spec('s32', 'S32'), spec('s33', 'S33'), report('Specimen/s32'), report('Specimen/s33'), o),
    );
    expect(r.errors.map((e) => [e.code, e.path])).toEqual([
      ['fhir_conflict_in_bundle', 'Bundle.entry[4].resource.specimen'],
    ]);
    // Two reports naming the same specimen: one tube.
    const same = parseFhirResults(
      bundle(spec('s32', 'S32'), report('Specimen/s32'), report('Specimen/s32'), o),
    );
    expect([same.errors, same.results.map((x) => x.tubeBarcode)]).toEqual([[], ['S32']]);
  });

  it('fhir_conflicting_identifiers: different barcodes on the Specimen, the order and the Observation', () => {
    const order = {
      resourceType: 'ServiceRequest',
      id: 'sr',
      identifier: [{ system: TUBE_BARCODE_SYSTEM, value: 'S37' }],
    };
    const o = obs({
      specimen: { reference: 'Specimen/s36' },
      basedOn: [{ reference: 'ServiceRequest/sr' }],
      identifier: [{ system: TUBE_BARCODE_SYSTEM, value: 'S09' }],
    });
    const r = parseFhirResults(bundle(spec('s36', 'S36'), order, o));
    expect(r.errors).toMatchObject([
      { code: 'fhir_conflicting_identifiers', path: 'Bundle.entry[1].resource.identifier[0].value' },
    ]);
    expect(r.errors[0]?.message).toMatch(/S36.*S37.*S09/);
  });

  it('fhir_ambiguous_value: a coding and a text that disagree; a presumptive positive is named as such', () => {
    const negativeButText = { coding: [{ system: SNOMED_SYSTEM, code: '260385009' }], text: '阳性' };
    expect(errorsOf(obs({ valueCodeableConcept: negativeButText }))).toEqual([
      ['fhir_ambiguous_value', `${P}.valueCodeableConcept.text`],
    ]);
    const agreeing = { coding: [{ system: SNOMED_SYSTEM, code: '260385009' }], text: '阴性' };
    expect(errorsOf(obs({ valueCodeableConcept: agreeing }))).toEqual([]);
    const presumptive = parseFhirResults(
      bundle(obs({ valueCodeableConcept: { coding: [{ system: SNOMED_SYSTEM, code: '720735008' }] } })),
    );
    expect(presumptive.errors[0]?.message).toMatch(/presumptive positive/);
  });

  it('the same result for a tube twice in a bundle, at two times, is one result', () => {
    const r = parseFhirResults(
      bundle(
        obs({ effectiveDateTime: '2022-03-14T08:30:00+08:00' }),
        obs({ effectiveDateTime: '2022-03-14T08:32:00+08:00' }),
      ),
    );
    expect([r.errors, r.results.map((x) => x.testedAt)]).toEqual([[], ['2022-03-14T00:30:00.000Z']]);
    // Same result, another Ct: the message says how they differ.
    const ct = parseFhirResults(
      bundle(
        obs({ valueCodeableConcept: DETECTED, component: [ctComponent('N', 30)] }),
        obs({ valueCodeableConcept: DETECTED }),
      ),
    );
    expect(ct.errors[0]?.message).toMatch(/positive \(Ct N 30\).*here: positive \(no Ct\)/);
  });
});

describe('parseFhirResults: reading rules', () => {
  it('reads Chinese and English result words in valueString', () => {
    const cases: [string, string][] = [
      ['阳性', 'positive'],
      [' 阴性 ', 'negative'],
      ['无效', 'invalid'],
      ['未检出', 'negative'],
      ['Positive', 'positive'],
      ['NOT  DETECTED', 'negative'],
      ['inconclusive', 'invalid'],
    ];
    for (const [word, result] of cases) {
      const r = parseFhirResults(bundle(obs({ valueCodeableConcept: undefined, valueString: word })));
      expect(r.errors).toEqual([]);
      expect(r.results[0]?.result).toBe(result);
    }
    // Without SNOMED codings, the concept's text is read with the same words.
    const textOnly = obs({
      valueCodeableConcept: { coding: [{ system: 'local', code: 'P' }], text: '阳性' },
    });
    expect(parseFhirResults(bundle(textOnly)).results[0]?.result).toBe('positive');
  });

  it('maps the SNOMED CT qualifiers', () => {
    const cases: [string, string][] = [
      ['260373001', 'positive'],
      ['10828004', 'positive'],
      ['260415000', 'negative'],
      ['260385009', 'negative'],
      ['455371000124106', 'invalid'],
      ['419984006', 'invalid'],
      ['125154007', 'invalid'],
    ];
    for (const [code, result] of cases) {
      const value = { coding: [{ system: SNOMED_SYSTEM, code }] };
      expect(parseFhirResults(bundle(obs({ valueCodeableConcept: value }))).results[0]?.result).toBe(result);
    }
  });

  it('accepts each result LOINC code', () => {
    for (const code of ['94500-6', '94309-2', '94759-8', '94533-7', '94534-5']) {
      const r = parseFhirResults(
        bundle(
          obs({
            code: {
              coding: [
                { system: 'local', code: 'X' },
                { system: LOINC_SYSTEM, code },
              ],
            },
          }),
        ),
      );
      expect(r.errors).toEqual([]);
    }
  });

  it('takes the barcode from the first source in the documented order', () => {
    const barcode = (o: Record<string, unknown>, ...more: unknown[]) =>
      parseFhirResults(bundle(o, ...more)).results[0]?.tubeBarcode;
    // Specimen: tube-barcode identifier, then accessionIdentifier, then first identifier.
    const sp = (s: Record<string, unknown>) => ({ resourceType: 'Specimen', id: 's', ...s });
    const viaContained = (s: Record<string, unknown>) =>
      obs({ contained: [sp(s)], specimen: { reference: '#s', display: 'IGNORED' } });
    expect(
      barcode(viaContained({ identifier: [{ value: 'A1' }, { system: TUBE_BARCODE_SYSTEM, value: 'B2' }] })),
    ).toBe('B2');
    expect(
      barcode(viaContained({ identifier: [{ value: 'A1' }], accessionIdentifier: { value: 'C3' } })),
    ).toBe('C3');
    expect(barcode(viaContained({ identifier: [{ value: 'A1' }] }))).toBe('A1');
    // A Specimen without identifiers falls through to the reference's display.
    expect(barcode(viaContained({}))).toBe('IGNORED');
    // Bundled Specimen by Type/id, by urn:uuid fullUrl and by absolute URL.
    const bundled = { resourceType: 'Specimen', id: 'sp9', identifier: [{ value: 'D4' }] };
    expect(barcode(obs({ specimen: { reference: 'Specimen/sp9' } }), bundled)).toBe('D4');
    expect(
      barcode(obs({ specimen: { reference: 'http://lis.example.cn/fhir/Specimen/sp9' } }), bundled),
    ).toBe('D4');
    const withUrl = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { resource: obs({ specimen: { reference: 'urn:uuid:0e7c1f9a-0000-4000-8000-000000000001' } }) },
        { fullUrl: 'urn:uuid:0e7c1f9a-0000-4000-8000-000000000001', resource: { ...bundled, id: undefined } },
      ],
    };
    expect(parseFhirResults(withUrl).results[0]?.tubeBarcode).toBe('D4');
    // Logical reference, display, then Observation.identifier with the tube system.
    expect(barcode(obs({ specimen: { identifier: { value: ' E5 ' }, display: 'F6' } }))).toBe('E5');
    expect(barcode(obs({ specimen: { display: 'F6' } }))).toBe('F6');
    const byIdentifier = obs({
      specimen: undefined,
      identifier: [
        { system: 'other', value: 'nope' },
        { system: TUBE_BARCODE_SYSTEM, value: 'G7' },
      ],
    });
    expect(barcode(byIdentifier)).toBe('G7');
  });

  it('takes testedAt from effective time, the report, then issued; normalised to UTC', () => {
    const at = (o: Record<string, unknown>, ...more: unknown[]) =>
      parseFhirResults(bundle(o, ...more)).results[0]?.testedAt;
    expect(at(obs({ effectiveDateTime: '2022-03-14T08:30:00.123456+08:00' }))).toBe(
      '2022-03-14T00:30:00.123Z',
    );
    expect(at(obs({ effectiveDateTime: '2022-03-13T20:00:00-05:30' }))).toBe('2022-03-14T01:30:00.000Z');
    expect(at(obs({ effectiveDateTime: undefined, effectiveInstant: '2022-03-14T01:00:00Z' }))).toBe(
      '2022-03-14T01:00:00.000Z',
    );
    // A date alone is not precise enough: issued is used.
    expect(at(obs({ effectiveDateTime: '2022-03-14', issued: '2022-03-14T10:00:00+08:00' }))).toBe(
      '2022-03-14T02:00:00.000Z',
    );
    const o = { ...obs({ effectiveDateTime: undefined, issued: '2022-03-14T10:00:00Z' }), id: 'o' };
    const report = { resourceType: 'DiagnosticReport', result: [{ reference: 'Observation/o' }] };
    expect(at(o, { ...report, effectiveDateTime: '2022-03-14T09:00:00Z' })).toBe('2022-03-14T09:00:00.000Z');
    expect(at(o, report)).toBe('2022-03-14T10:00:00.000Z');
  });

  it('takes the lab code from a performer with the lab system, the Observation before its report', () => {
    const performer = (v: string) => [
      { display: 'x' },
      { identifier: { system: LAB_CODE_SYSTEM, value: v } },
    ];
    expect(parseFhirResults(bundle(obs({ performer: performer('L1') }))).results[0]?.labCode).toBe('L1');
    expect(
      parseFhirResults(bundle(obs({ performer: [{ display: 'Lab 1' }] }))).results[0],
    ).not.toHaveProperty('labCode');
    const o = { ...obs({ performer: performer('L1') }), id: 'o' };
    const report = {
      resourceType: 'DiagnosticReport',
      result: [{ reference: 'Observation/o' }],
      performer: performer('L2'),
    };
    expect(parseFhirResults(bundle(o, report)).results[0]?.labCode).toBe('L1');
    expect(parseFhirResults(bundle({ ...o, performer: undefined }, report)).results[0]?.labCode).toBe('L2');
  });

  it('names genes from LOINC Ct codes or from text', () => {
    expect(canonicalGene('ORF1ab基因')).toBe('ORF1ab');
    expect(canonicalGene('SARS-CoV-2 N gene')).toBe('N');
    expect(canonicalGene('N gene Ct')).toBe('N');
    expect(canonicalGene('ＲｄＲｐ')).toBe('RdRp');
    expect(canonicalGene('内标')).toBe('IC');
    expect(canonicalGene('gene')).toBeNull();
    const generic = { system: LOINC_SYSTEM, code: '94746-5' };
    const r = parseFhirResults(
      bundle(
        obs({
          component: [
            ctComponent('E gene', 25.5, generic),
            ctComponent('ignored text', 26, { system: LOINC_SYSTEM, code: '94646-7' }),
          ],
        }),
      ),
    );
    expect(r.errors).toEqual([]);
    expect(r.results[0]?.ct).toEqual({ E: 25.5, RdRp: 26 });
  });

  it('parses FHIR dateTimes strictly', () => {
    expect(parseFhirDateTime('2022-03-14T08:30:00+08:00')).toEqual({
      kind: 'full',
      iso: '2022-03-14T00:30:00.000Z',
    });
    expect(parseFhirDateTime('2022-03')).toEqual({ kind: 'partial' });
    expect(parseFhirDateTime('2022-03-14T08:30:00+15:00')).toEqual({ kind: 'bad' });
    expect(parseFhirDateTime('2021-02-29T00:00:00Z')).toEqual({ kind: 'bad' });
    expect(parseFhirDateTime('2024-02-29T00:00:00Z').kind).toBe('full');
  });
});
