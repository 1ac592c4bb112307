/**
 * Bundles other programs wrote (./fixtures, with their sources and licences in its README): each is read, or
 * refused, exactly as docs/FHIR.md says. The API test that records the readable ones is in ./ingest.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parseFhirResults } from './parse-results.ts';
import { fixture } from './test-fixtures.ts';

const read = (name: string) => parseFhirResults(fixture(name));
const codes = (r: ReturnType<typeof read>) => r.errors.map((e) => [e.code, e.path]);
const ignored = (r: ReturnType<typeof read>) =>
  Object.fromEntries(
    r.warnings
      .filter((w) => w.code === 'fhir_ignored_resource')
      .map((w) => [w.message.split(' ')[1], w.count]),
  );

describe('bundles written by other programs', () => {
  it('SimpleReport via ReportStream (message, multiplex flu A/B + SARS-CoV-2, AOE questions): the SARS-CoV-2 result', () => {
    const r = read('reportstream.simplereport-multiplex-flu-covid.message.json');
    expect(codes(r)).toEqual([]);
    expect(r.bundleType).toBe('message');
    // The Specimen's identifier (no system) is the tube; the test time is the report's effective time.
    expect(r.results).toEqual([
      {
        tubeBarcode: '7fc4aee2-c426-4b2b-953c-86c877ff9bd0',
        result: 'positive',
        ct: {},
        testedAt: '2023-10-18T22:05:20.000Z',
        sourceRef: 'Bundle.entry[13]',
      },
    ]);
    expect(ignored(r)).toEqual({
      Provenance: 1,
      Organization: 2,
      Practitioner: 1,
      Device: 1,
      PractitionerRole: 1,
    });
    expect(r.warnings.filter((w) => w.code === 'fhir_ignored_test').map((w) => w.path)).toEqual([
      'Bundle.entry[11].resource', // Flu A 85477-8
      'Bundle.entry[12].resource', // Flu B 85478-6
      'Bundle.entry[14].resource', // AOE 95419-8
      'Bundle.entry[15].resource', // AOE 95418-0
      'Bundle.entry[16].resource', // AOE 95421-4
    ]);
  });

  it('DEMIS notification with urn:uuid references (document, LOINC LA11882-0): read, the tube from the order number', () => {
    const r = read('demis.cvdp-urn-uuid.document.json');
    expect(codes(r)).toEqual([]);
    // The Specimen has no identifier: the report's logical basedOn (ServiceRequestId) names the sample.
    expect(r.results).toEqual([
      {
        tubeBarcode: '2021-000672922',
        result: 'positive',
        ct: {},
        testedAt: '2021-03-04T19:15:00.000Z',
        sourceRef: 'Bundle.entry[7]',
      },
    ]);
  });

  it('CH ELM SARS-CoV-2 report (document, SNOMED 10828004 Positive): read, the tube from the order identifier', () => {
    const r = read('ch-elm.sars-cov-2-pcr.document.json');
    expect(codes(r)).toEqual([]);
    expect(r.results).toMatchObject([
      { tubeBarcode: '28541215633', result: 'positive', testedAt: '2023-09-12T05:40:00.000Z' },
    ]);
    expect(ignored(r)).toEqual({ Organization: 2, PractitionerRole: 1, Practitioner: 1 });
  });

  it('DEMIS laboratory notification with a quantity as a presence result: refused whole, naming that entry', () => {
    const r = read('demis.laboratory-cvdp.document.json');
    expect(codes(r)).toEqual([['fhir_unknown_code', 'Bundle.entry[8].resource.valueQuantity']]);
    // The other Observation is sound (the caller checks it too, then refuses the whole bundle).
    expect(r.results.map((x) => x.sourceRef)).toEqual(['Bundle.entry[7]']);
  });

  it('antigen messages of US senders (no national ID number on the Patient): refused, saying what is missing', () => {
    for (const [name, patient] of [
      ['reportstream.mars-otc-antigen.message.json', 'Bundle.entry[9].resource.identifier'],
      ['reportstream.ca-antigen-aoe-v2converted.message.json', 'Bundle.entry[28].resource.identifier'],
    ] as const) {
      const r = read(name);
      expect(codes(r), name).toEqual([['fhir_no_person_id', patient]]);
      expect(r.errors[0]?.message).toMatch(/has no ID number/);
    }
    // The same MARS message from a sender that puts the ID number on the Patient (NNCHN): read.
    const mars = fixture('reportstream.mars-otc-antigen.message.json') as {
      entry: { resource: Record<string, unknown> }[];
    };
    const patient = mars.entry[9]?.resource as { identifier: unknown[] };
    patient.identifier.push({
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'NNCHN' }] },
      value: '11010519491231002X',
    });
    const ok = parseFhirResults(mars);
    expect(codes(ok)).toEqual([]);
    expect(ok.antigen).toMatchObject([{ idNumber: '11010519491231002X', result: 'positive' }]);
  });

  it('OpenHIE lab result (transaction, antigen with a date only, Patient outside the bundle): refused with both reasons', () => {
    const r = read('openhie.lab-result-antigen.transaction.json');
    expect(codes(r)).toEqual([
      ['fhir_missing_time', 'Bundle.entry[4].resource.effectiveDateTime'],
      ['fhir_no_person_id', 'Bundle.entry[4].resource.subject.reference'],
    ]);
    expect(ignored(r)).toEqual({ Task: 1, Practitioner: 1 });
  });
});
