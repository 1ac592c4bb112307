/**
 * The codes the FHIR results reader understands, with their meaning and source. One table per role; everything
 * SARS-CoV-2 that is not in a role here, and every other test, is ignored with a warning.
 *
 * Sources: LOINC (https://loinc.org, the SARS-CoV-2 codes as listed in WHO's Digital Documentation of COVID-19
 * Certificates ConceptMap `lab-test-type-covid19-loinc-to-icd11`, WorldHealthOrganization/ddcc), SNOMED CT
 * qualifier values, and the LOINC answer lists (LL) for qualitative results (the same ConceptMap and the CDC's
 * SARS-CoV-2 LIVD mapping tables).
 */

export const LOINC_SYSTEM = 'http://loinc.org';
export const SNOMED_SYSTEM = 'http://snomed.info/sct';

/** LOINC codes of an overall (whole-virus RNA) SARS-CoV-2 NAA result: the tube's result. */
export const PCR_RESULT_CODES: Readonly<Record<string, string>> = {
  '94500-6': 'SARS-CoV-2 (COVID-19) RNA [Presence] in Respiratory specimen by NAA with probe detection',
  '94309-2': 'SARS-CoV-2 (COVID-19) RNA [Presence] in Specimen by NAA with probe detection',
  '94759-8': 'SARS-CoV-2 (COVID-19) RNA [Presence] in Nasopharynx by NAA with probe detection',
  '94565-9': 'SARS-CoV-2 (COVID-19) RNA [Presence] in Nasopharynx by NAA with non-probe detection',
  '95406-5': 'SARS-CoV-2 (COVID-19) RNA [Presence] in Nose by NAA with probe detection',
  '96797-6': 'SARS-CoV-2 (COVID-19) RNA [Presence] in Oropharyngeal wash by NAA with probe detection',
  '95608-6': 'SARS-CoV-2 (COVID-19) RNA [Presence] in Respiratory specimen by NAA with non-probe detection',
  '94845-5': 'SARS-CoV-2 (COVID-19) RNA [Presence] in Saliva (oral fluid) by NAA with probe detection',
  '94660-8': 'SARS-CoV-2 (COVID-19) RNA [Presence] in Serum or Plasma by NAA with probe detection',
  '94502-2': 'SARS-related coronavirus RNA [Presence] in Respiratory specimen by NAA with probe detection',
  '94647-5': 'SARS-related coronavirus RNA [Presence] in Specimen by NAA with probe detection',
};

/**
 * LOINC codes of one target gene's presence. Read as the tube's result only when the bundle has no overall
 * result for the tube (then all of them must agree, else `fhir_conflict_in_bundle`); beside an overall result
 * they are ignored with a warning.
 */
export const PCR_GENE_CODES: Readonly<Record<string, string>> = {
  '94533-7': 'SARS-CoV-2 (COVID-19) N gene [Presence] in Respiratory specimen by NAA with probe detection',
  '94316-7': 'SARS-CoV-2 (COVID-19) N gene [Presence] in Specimen by NAA with probe detection',
  '94760-6': 'SARS-CoV-2 (COVID-19) N gene [Presence] in Nasopharynx by NAA with probe detection',
  '95409-9': 'SARS-CoV-2 (COVID-19) N gene [Presence] in Nose by NAA with probe detection',
  '94756-4': 'SARS-CoV-2 (COVID-19) N gene [Presence] in Respiratory specimen by NAA (CDC N1)',
  '94757-2': 'SARS-CoV-2 (COVID-19) N gene [Presence] in Respiratory specimen by NAA (CDC N2)',
  '94307-6': 'SARS-CoV-2 (COVID-19) N gene [Presence] in Specimen by NAA (CDC N1)',
  '94308-4': 'SARS-CoV-2 (COVID-19) N gene [Presence] in Specimen by NAA (CDC N2)',
  '94534-5': 'SARS-CoV-2 (COVID-19) RdRp gene [Presence] in Respiratory specimen by NAA with probe detection',
  '94314-2': 'SARS-CoV-2 (COVID-19) RdRp gene [Presence] in Specimen by NAA with probe detection',
  '96123-5': 'SARS-CoV-2 (COVID-19) RdRp gene [Presence] in Upper respiratory specimen by NAA',
  '94559-2':
    'SARS-CoV-2 (COVID-19) ORF1ab region [Presence] in Respiratory specimen by NAA with probe detection',
  '94639-2': 'SARS-CoV-2 (COVID-19) ORF1ab region [Presence] in Specimen by NAA with probe detection',
  '94640-0': 'SARS-CoV-2 (COVID-19) S gene [Presence] in Respiratory specimen by NAA with probe detection',
  '94641-8': 'SARS-CoV-2 (COVID-19) S gene [Presence] in Specimen by NAA with probe detection',
  '96763-8': 'SARS-CoV-2 (COVID-19) E gene [Presence] in Respiratory specimen by NAA with probe detection',
  '94758-0': 'SARS-related coronavirus E gene [Presence] in Respiratory specimen by NAA with probe detection',
  '94315-9': 'SARS-related coronavirus E gene [Presence] in Specimen by NAA with probe detection',
};

/** LOINC codes of a SARS-CoV-2 antigen result: a person's result (抗原), not a tube's. */
export const ANTIGEN_CODES: Readonly<Record<string, string>> = {
  '94558-4': 'SARS-CoV-2 (COVID-19) Ag [Presence] in Respiratory specimen by Rapid immunoassay',
  '95209-3': 'SARS-CoV+SARS-CoV-2 (COVID-19) Ag [Presence] in Respiratory specimen by Rapid immunoassay',
  '96119-3': 'SARS-CoV-2 (COVID-19) Ag [Presence] in Upper respiratory specimen by Immunoassay',
  '97097-0': 'SARS-CoV-2 (COVID-19) Ag [Presence] in Upper respiratory specimen by Rapid immunoassay',
};

/** Canonical target names for Ct values (IC: the internal control, e.g. RNase P). */
export const CT_GENES = ['ORF1ab', 'N', 'N1', 'N2', 'E', 'RdRp', 'S', 'IC'] as const;
export type CtGene = (typeof CT_GENES)[number];

/**
 * LOINC "[Cycle Threshold #]" codes, by gene. `gene: null` — the whole-RNA codes — name no gene: the gene is
 * then read from the component's text. Read as components of a result, or as Observations of their own for the
 * same tube.
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
  '96764-6': { gene: 'E', display: 'SARS-CoV-2 (COVID-19) E gene [Cycle Threshold #] in Respiratory' },
  '94645-9': { gene: 'RdRp', display: 'SARS-CoV-2 (COVID-19) RdRp gene [Cycle Threshold #] in Specimen' },
  '94646-7': { gene: 'RdRp', display: 'SARS-CoV-2 (COVID-19) RdRp gene [Cycle Threshold #] in Respiratory' },
  '94642-6': { gene: 'S', display: 'SARS-CoV-2 (COVID-19) S gene [Cycle Threshold #] in Respiratory' },
  '94643-4': { gene: 'S', display: 'SARS-CoV-2 (COVID-19) S gene [Cycle Threshold #] in Specimen' },
  '96900-6': { gene: 'S', display: 'SARS-CoV-2 (COVID-19) S gene [Cycle Threshold #] in OP wash' },
  '94745-7': { gene: null, display: 'SARS-CoV-2 (COVID-19) RNA [Cycle Threshold #] in Respiratory specimen' },
  '94746-5': { gene: null, display: 'SARS-CoV-2 (COVID-19) RNA [Cycle Threshold #] in Specimen' },
};

/** Panels: groupings whose members are read one by one; the panel Observation itself carries no result. */
export const PANEL_CODES: Readonly<Record<string, string>> = {
  '94531-1': 'SARS-CoV-2 (COVID-19) RNA panel - Respiratory specimen by NAA with probe detection',
  '94306-8': 'SARS-CoV-2 (COVID-19) RNA panel - Specimen by NAA with probe detection',
  '96897-4': 'SARS-CoV-2 (COVID-19) RNA panel - Oropharyngeal wash by NAA with probe detection',
  '95826-4': 'SARS-CoV-2 (COVID-19) RNA panel - Saliva (oral fluid) by NAA with probe detection',
  '96094-8': 'SARS-CoV-2 (COVID-19) and SARS-related CoV RNA panel - Respiratory specimen by NAA',
  '95941-1':
    'Influenza virus A and B and SARS-CoV-2 (COVID-19) and RSV RNA panel - Respiratory specimen by NAA',
  '95380-2':
    'Influenza virus A and B and SARS-CoV-2 (COVID-19) and SARS-related CoV RNA panel - Respiratory by NAA',
  '95422-2': 'Influenza virus A and B and SARS-CoV-2 (COVID-19) RNA panel - Respiratory specimen by NAA',
  '100345-8': 'Influenza virus A and B and SARS-CoV-2 (COVID-19) RNA panel - Specimen by NAA',
  '95942-9':
    'Influenza virus A and B and SARS-CoV+SARS-CoV-2 (COVID-19) Ag panel - Upper respiratory by Rapid IA',
  '97099-6': 'Influenza virus A and B and SARS-CoV-2 (COVID-19) Ag panel - Upper respiratory by Rapid IA',
};

export type TubeResultValue = 'negative' | 'positive' | 'invalid';

/**
 * Qualitative answers. SNOMED CT qualifier values and LOINC answer codes (LA…). Presumptive positive (SNOMED
 * 720735008) is deliberately absent: neither a confirmed positive nor a failed run, it is `fhir_unknown_code`
 * for a person to decide.
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

export const RESULT_LA_CODES: Readonly<Record<string, { result: TubeResultValue; display: string }>> = {
  'LA11882-0': { result: 'positive', display: 'Detected' },
  'LA6576-8': { result: 'positive', display: 'Positive' },
  'LA18996-1': { result: 'positive', display: 'Strong positive' },
  'LA11883-8': { result: 'negative', display: 'Not detected' },
  'LA6577-6': { result: 'negative', display: 'Negative' },
  'LA15841-2': { result: 'invalid', display: 'Invalid' },
  'LA9663-1': { result: 'invalid', display: 'Inconclusive' },
  'LA11884-6': { result: 'invalid', display: 'Indeterminate' },
};

/** Words accepted in `valueString` (and in a concept's text without known codings); NFKC, lower case. */
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

/** What the reader does with an Observation, from its LOINC code. */
export type CodeRole = 'pcr' | 'pcr_gene' | 'antigen' | 'ct' | 'panel';

export function roleOfLoinc(code: string): CodeRole | null {
  if (PCR_RESULT_CODES[code] !== undefined) return 'pcr';
  if (PCR_GENE_CODES[code] !== undefined) return 'pcr_gene';
  if (ANTIGEN_CODES[code] !== undefined) return 'antigen';
  if (CT_LOINC_CODES[code] !== undefined) return 'ct';
  if (PANEL_CODES[code] !== undefined) return 'panel';
  return null;
}

/** The role of an Observation's code: the most specific role among its LOINC codings. */
export function roleOfConcept(codes: readonly string[]): { role: CodeRole; code: string } | null {
  const order: CodeRole[] = ['pcr', 'antigen', 'pcr_gene', 'ct', 'panel'];
  let best: { role: CodeRole; code: string } | null = null;
  for (const c of codes) {
    const role = roleOfLoinc(c);
    if (role && (!best || order.indexOf(role) < order.indexOf(best.role))) best = { role, code: c };
  }
  return best;
}

/**
 * SARS-CoV-2 codes that carry no result the platform records (antibodies, viral load, sequencing, variants):
 * ignored with a warning, like other tests. Any other code whose words name SARS-CoV-2 is an error, so that a
 * result is never dropped because its code is new to us.
 */
export const NOT_READ_CODES: Readonly<Record<string, string>> = {
  '94505-5': 'SARS-CoV-2 (COVID-19) IgG Ab [Units/volume] in Serum or Plasma by Immunoassay',
  '94503-0': 'SARS-CoV-2 (COVID-19) IgG and IgM panel - Serum or Plasma Qualitative by Rapid immunoassay',
  '94504-8': 'SARS-CoV-2 (COVID-19) IgG and IgM panel - Serum or Plasma by Immunoassay',
  '94547-7': 'SARS-CoV-2 (COVID-19) IgG+IgM Ab [Presence] in Serum or Plasma by Immunoassay',
  '94506-3': 'SARS-CoV-2 (COVID-19) IgM Ab [Units/volume] in Serum or Plasma by Immunoassay',
  '94508-9': 'SARS-CoV-2 (COVID-19) IgM Ab [Presence] in Serum or Plasma by Rapid immunoassay',
  '98069-8': 'SARS-CoV-2 (COVID-19) Ab [Presence] in Saliva (oral fluid) by Rapid immunoassay',
  '95521-1': 'SARS-CoV-2 (COVID-19) N gene [#/volume] (viral load) in Respiratory specimen by NAA',
  '95522-9': 'SARS-CoV-2 (COVID-19) N gene [Log #/volume] (viral load) in Respiratory specimen by NAA',
  '94819-0': 'SARS-CoV-2 (COVID-19) RNA [Log #/volume] (viral load) in Specimen by NAA',
  '97104-4': 'SARS-CoV-2 (COVID-19) ORF1ab region [Units/volume] (viral load) in Upper respiratory by NAA',
  '96896-6': 'SARS-CoV-2 (COVID-19) clade [Type] in Specimen by Molecular genetics method',
  '96895-8': 'SARS-CoV-2 (COVID-19) lineage [Identifier] in Specimen by Molecular genetics method',
  '100157-7': 'SARS-CoV-2 (COVID-19) lineage [Type] in Specimen by Sequencing',
  '96741-4': 'SARS-CoV-2 (COVID-19) variant [Type] in Specimen by Sequencing',
  '100156-9': 'SARS-CoV-2 (COVID-19) variant [Type] in Specimen by NAA with probe detection',
  '96755-4': 'SARS-CoV-2 (COVID-19) variant interpretation in Specimen Narrative',
  '94764-8': 'SARS-CoV-2 (COVID-19) whole genome [Nucleotide sequence] in Isolate or Specimen by Sequencing',
  '96751-3': 'SARS-CoV-2 (COVID-19) S gene mutation detected [Identifier] in Specimen',
  '96752-1': 'SARS-CoV-2 (COVID-19) S gene mutation [Presence] in Specimen by Molecular genetics method',
  '99314-7': 'SARS-CoV-2 (COVID-19) RdRp gene mutation detected [Identifier] in Specimen',
  '96894-1': 'SARS-CoV-2 (COVID-19) sequencing and identification panel - Specimen',
  '95424-8': 'SARS-CoV-2 (COVID-19) RNA [Presence] in Respiratory specimen by Sequencing',
  '94822-4': 'SARS-CoV-2 (COVID-19) RNA [Presence] in Saliva (oral fluid) by Sequencing',
  '95609-4': 'SARS-CoV-2 (COVID-19) S gene [Presence] in Respiratory specimen by Sequencing',
};

/** Words that name SARS-CoV-2 in a code's text or display. */
export const NAMES_SARS_COV_2 = /sars[\s-]*cov[\s-]*2|covid|2019[\s-]*ncov|新冠|新型冠状病毒/i;
