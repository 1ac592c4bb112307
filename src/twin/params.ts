/**
 * Every parameter of the twin's epidemic model, in one place, each with its value, a plausible range and its
 * source. `assumption` marks figures with no published source behind the value itself (the range says how far
 * they are uncertain); they are the first things a calibration should move.
 *
 * Sources (as cited below; values recalled from the publications and the 2022 bulletins — check the paper
 * before relying on the last digit):
 * - [Jilin]   Jilin Provincial Health Commission bulletins, 21 and 24 March 2022 (in ../../shared/seeds/ and
 *             DOMAIN.md): 21 March 1,902 confirmed (1,891 mild, 10 moderate, 1 severe) + 563 asymptomatic;
 *             24 March 1,110 confirmed (1,099 mild, 11 moderate) + 900 asymptomatic.
 * - [Shanghai] Shanghai Municipal Health Commission, March–May 2022: > 90 % of infections first reported as
 *             asymptomatic; deaths (588) concentrated in people over 80 with comorbidities, mostly unvaccinated.
 * - [Lyngse]  Lyngse et al., "Household transmission of SARS-CoV-2 Omicron variant of concern subvariants BA.1
 *             and BA.2 in Denmark", Nat Commun 2022: household secondary attack rate 39 % BA.2 vs 29 % BA.1.
 * - [Backer]  Backer et al., Eurosurveillance 2022: Omicron mean incubation period ≈ 3.2 days (BA.1); Chinese
 *             BA.2 cluster reports give ≈ 3 days.
 * - [Shang]   Shang et al., "Percentage of asymptomatic infections among SARS-CoV-2 Omicron variant-positive
 *             individuals: a systematic review and meta-analysis", Vaccines 2022: ≈ 32 % asymptomatic.
 * - [Hay]     Hay et al., "Quantifying the impact of immune history and variant on SARS-CoV-2 viral kinetics and
 *             infection rebound", medRxiv 2022 / NBA cohort: Omicron peak Ct ≈ 23, proliferation ≈ 3 days,
 *             clearance (peak → Ct 40) ≈ 5–6 days in frequently tested healthy adults.
 * - [Kissler] Kissler et al., "Viral dynamics of acute SARS-CoV-2 infection…", PLoS Biol 2021 / NEJM 2021:
 *             piecewise-linear Ct trajectories, limit of detection Ct 40, longer clearance when symptomatic.
 * - [Buitrago] Buitrago-Garcia et al., PLoS Med 2022 (living review): asymptomatic infections transmit less
 *             (relative risk ≈ 0.3–0.6).
 * - [Dinnes]  Dinnes et al., Cochrane review of rapid antigen tests 2022: sensitivity ≈ 95 % at Ct ≤ 25,
 *             ≈ 41 % at Ct > 25; specificity ≈ 99.6 %.
 * - [Pooling] DOMAIN.md: diluting liquid samples shifts Ct by ≈ log2(k); swab pooling loses little.
 * - [MoE]     Ministry of Education statistical bulletin 2021: pre-school gross enrolment 88 %.
 */

export interface Param<T> {
  value: T;
  low: number;
  high: number;
  unit: string;
  source: string;
  assumption: boolean;
}

const p = (value: number, low: number, high: number, unit: string, source: string, assumption = false) =>
  ({ value, low, high, unit, source, assumption }) as Param<number>;
const pa = (
  value: readonly number[],
  low: number,
  high: number,
  unit: string,
  source: string,
  assumption = false,
) => ({ value, low, high, unit, source, assumption }) as Param<readonly number[]>;

/** Age bands of the by-age tables: 0–9, 10–19, …, 70–79, 80+. */
export const AGE_BANDS = 9;
export const ageBand = (age: number): number => (age >= 80 ? 8 : Math.floor(age / 10));

/** Settings contacts happen in (indices of by-setting tables and counters). */
export const SETTINGS = [
  'household',
  'stairwell',
  'workplace',
  'school',
  'kindergarten',
  'market',
  'supermarket',
  'restaurant',
  'community',
] as const;
export type Setting = (typeof SETTINGS)[number];

export const PARAMETERS = {
  // ---------------------------------------------------------------- natural history (whole days, daily steps)
  latentMeanDays: p(2.0, 1.5, 3.0, 'days', '[Backer] incubation ≈ 3 d minus the pre-symptomatic ≈ 1–1.5 d'),
  latentSdDays: p(0.9, 0.5, 1.5, 'days', 'assumption, gamma spread of [Backer] incubation', true),
  presymptomaticMeanDays: p(
    1.5,
    1.0,
    2.5,
    'days',
    '[Hay]/[Kissler]: peak viral load near symptom onset; ≈ 1–2 d infectious before',
  ),
  presymptomaticSdDays: p(0.8, 0.4, 1.2, 'days', 'assumption', true),
  symptomaticInfectiousMeanDays: p(
    5,
    4,
    8,
    'days',
    '[Hay]: clearance ≈ 5–6 d after peak; culture positivity mostly ≤ 5–8 d after onset',
  ),
  symptomaticInfectiousSdDays: p(2, 1, 3, 'days', 'assumption', true),
  asymptomaticInfectiousMeanDays: p(
    4,
    3,
    7,
    'days',
    '[Kissler]: faster clearance without symptoms; assumption for the value',
    true,
  ),
  asymptomaticInfectiousSdDays: p(2, 1, 3, 'days', 'assumption', true),
  maxDurationDays: p(21, 14, 28, 'days', 'technical cap of the duration tables'),

  // ---------------------------------------------------------------- clinical outcome by age band (0–9 … 80+)
  asymptomaticFractionByAge: pa(
    [0.5, 0.45, 0.4, 0.4, 0.38, 0.35, 0.3, 0.25, 0.2],
    0.2,
    0.95,
    'share of infections',
    '[Shang] ≈ 32 % overall; [Jilin] 23 % (21 Mar) to 45 % (24 Mar) of new infections reported asymptomatic; [Shanghai] > 90 % at first report (upper bound, different screening); age gradient: assumption',
  ),
  moderateFractionByAge: pa(
    [0.002, 0.002, 0.003, 0.003, 0.004, 0.006, 0.01, 0.02, 0.04],
    0.001,
    0.05,
    'share of symptomatic',
    '[Jilin] moderate 0.5 % (21 Mar) to 1 % (24 Mar) of confirmed; age gradient: assumption',
  ),
  severeFractionByAge: pa(
    [0.0001, 0.0001, 0.0001, 0.0002, 0.0003, 0.0005, 0.001, 0.003, 0.008],
    0,
    0.02,
    'share of symptomatic',
    '[Jilin] 1 severe in 1,902 confirmed (0.05 %) on 21 Mar; [Shanghai] concentrated over 80; gradient: assumption',
  ),
  criticalFractionByAge: pa(
    [0, 0, 0.00002, 0.00003, 0.00005, 0.0001, 0.0003, 0.001, 0.004],
    0,
    0.01,
    'share of symptomatic',
    '[Shanghai] deaths ≈ 0.1 % of infections, median age > 80; assumption for the split severe/critical',
    true,
  ),

  // ---------------------------------------------------------------- infectiousness and susceptibility
  presymptomaticRelativeInfectiousness: p(
    1.0,
    0.8,
    1.5,
    '× symptomatic',
    '[Hay]/[Kissler]: viral load peaks around onset',
  ),
  asymptomaticRelativeInfectiousness: p(0.5, 0.3, 1.0, '× symptomatic', '[Buitrago] relative risk ≈ 0.3–0.6'),
  infectiousnessDispersionK: p(
    0.5,
    0.1,
    10,
    'gamma shape',
    'individual infectiousness ~ gamma(k) of mean 1 (superspreading, k ≈ 0.1–0.6 for SARS-CoV-2); 0 turns it off',
    true,
  ),
  susceptibilityByAge: pa(
    [1, 1, 1, 1, 1, 1, 1, 1, 1],
    0.5,
    1.2,
    '× adult',
    'assumption: no age gradient shown for Omicron in a largely vaccinated population',
    true,
  ),
  symptomaticOutsideHomeFactor: p(
    0.5,
    0.2,
    1,
    '× contacts outside home',
    'assumption: symptomatic people go out less',
    true,
  ),
  severeOutsideHomeFactor: p(
    0,
    0,
    0.5,
    '× contacts outside home',
    'assumption: severe and critical patients are bedridden or in hospital',
    true,
  ),

  // ---------------------------------------------------------------- settings
  householdSecondaryAttackRate: p(
    0.39,
    0.3,
    0.5,
    'probability per household member',
    '[Lyngse] BA.2 household SAR 39 %; the model calibrates its daily hazard to this',
  ),
  stairwellDailyTransmissions: p(
    0.05,
    0,
    0.2,
    'expected infections per infectious day',
    'assumption: vertical spread in stairwells and lift lobbies (Jilin traced same/adjacent floors, DOMAIN.md); targets on the same or an adjacent floor of the same unit',
    true,
  ),
  workplaceDailyTransmissions: p(
    0.5,
    0.05,
    0.8,
    'expected infections per infectious day',
    'assumption: with the other setting rates, a free city (40 communities of 5,000) has R ≈ 3.5 (BA.2 estimates in China span ≈ 3–9)',
    true,
  ),
  schoolDailyTransmissions: p(
    0.5,
    0.05,
    0.5,
    'expected infections per infectious day',
    'assumption (class of 45)',
    true,
  ),
  kindergartenDailyTransmissions: p(
    0.5,
    0.05,
    0.6,
    'expected infections per infectious day',
    'assumption (class of 30)',
    true,
  ),
  marketTransmissionsPerVisit: p(
    0.15,
    0,
    0.3,
    'expected infections per infectious visit',
    'assumption (wet markets were early clusters in Jilin and Changchun)',
    true,
  ),
  supermarketTransmissionsPerVisit: p(
    0.08,
    0,
    0.2,
    'expected infections per infectious visit',
    'assumption',
    true,
  ),
  restaurantTransmissionsPerVisit: p(
    0.2,
    0,
    0.3,
    'expected infections per infectious visit',
    'assumption',
    true,
  ),
  marketVisitProbability: p(0.15, 0.05, 0.4, 'per day', 'assumption', true),
  supermarketVisitProbability: p(0.3, 0.1, 0.5, 'per day', 'assumption', true),
  restaurantVisitProbability: p(0.1, 0.02, 0.3, 'per day', 'assumption', true),
  communityDailyTransmissions: p(
    0.35,
    0.02,
    0.4,
    'expected infections per infectious day',
    'assumption: casual contacts (transport, streets, shops not modelled)',
    true,
  ),
  contactScale: p(
    1,
    0.3,
    3,
    '× every non-household setting rate',
    "calibration knob, not a literature value: multiplies the stairwell, workplace, school, kindergarten, venue and community rates above (not the household rate, which is set by [Lyngse]); 1 keeps them as stated; fitted per scenario (src/twin/fit.ts, the scenario file's fit block)",
    true,
  ),
  communityCityShare: p(
    0.2,
    0,
    0.5,
    'share of community contacts',
    "assumption: share of random contacts anywhere in the city rather than in one's own community",
    true,
  ),

  // ---------------------------------------------------------------- population structure (builder)
  employmentRate: p(
    0.7,
    0.6,
    0.8,
    'share of 18–59',
    "assumption near China's urban labour participation",
    true,
  ),
  schoolEnrolment: p(
    0.98,
    0.9,
    1,
    'share of 6–17',
    'nine-year compulsory schooling; senior high gross enrolment ≈ 91 % [MoE]',
  ),
  kindergartenEnrolment: p(0.88, 0.7, 0.95, 'share of 3–5', '[MoE] pre-school gross enrolment 88 %'),
  workInOwnCommunityShare: p(
    0.4,
    0.1,
    0.8,
    'share of workers',
    'assumption: the others work anywhere in the city',
    true,
  ),
  schoolClassSize: p(45, 30, 56, 'pupils', 'Chinese standard class size ≤ 45 (large classes up to 56)'),
  kindergartenClassSize: p(30, 20, 35, 'children', 'kindergarten standards: 25–35 a class'),

  // ---------------------------------------------------------------- what zones keep of each setting (× participation)
  // Order of SETTINGS: household, stairwell, workplace, school, kindergarten, market, supermarket, restaurant, community.
  // Each person's participation; a contact needs both ends, so a contact between two people of one control zone
  // keeps the product. Any contact crossing a community boundary is cut when either end is in a control or
  // lockdown zone ("nobody leaves the area").
  lockdownFactors: pa(
    [1, 0, 0, 0, 0, 0, 0, 0, 0],
    0,
    1,
    '× participation',
    'DOMAIN.md: lockdown — nobody leaves home, services at the door; the stairwell entry (default 0) is the assumption to move for vertical spread',
  ),
  controlFactors: pa(
    [1, 1, 0.5, 0, 0, 0.5, 0.5, 0, 0.5],
    0,
    1,
    '× participation',
    'DOMAIN.md: control — nobody leaves the area, no gatherings (schools and dine-in closed); the kept shares are assumptions',
    true,
  ),
  preventionFactors: pa(
    [1, 1, 0.8, 1, 1, 0.8, 0.8, 0.3, 0.7],
    0,
    1,
    '× participation',
    'DOMAIN.md: prevention — social distancing, no gatherings; the shares are assumptions',
    true,
  ),

  // ---------------------------------------------------------------- viral kinetics and tests
  peakCtMean: p(23.3, 20, 26, 'Ct', '[Hay] Omicron mean peak Ct ≈ 23'),
  peakCtSd: p(3, 2, 4, 'Ct', '[Hay]/[Kissler] between-person spread of peak Ct'),
  proliferationMeanDays: p(2.5, 1.5, 4, 'days (Ct 40 → peak)', '[Hay] ≈ 3 d; peak placed at symptom onset'),
  clearanceMeanDays: p(
    8,
    5,
    12,
    'days (peak → Ct 40)',
    '[Hay] 5–6 d in frequently tested adults; Chinese shelter-hospital stays of 1–2 weeks to two Ct ≥ 35 tests suggest longer; a compromise',
    true,
  ),
  clearanceSdDays: p(2.5, 1, 4, 'days', 'assumption', true),
  asymptomaticClearanceFactor: p(
    0.8,
    0.6,
    1,
    '× clearance',
    '[Kissler] faster clearance without symptoms; value assumed',
    true,
  ),
  ctMeasurementSd: p(1.5, 0.5, 3, 'Ct', 'assumption: run-to-run and swab variability', true),
  pcrDetectionCt: p(
    40,
    35,
    40,
    'Ct',
    "kits' cut-off Ct 40 [Kissler]; some kits 37–38; discharge needs Ct ≥ 35 (DOMAIN.md)",
  ),
  pcrSpecificity: p(
    1,
    0.9999,
    1,
    'probability',
    'assumption: false positives left to the loop (confirmation re-tests)',
    true,
  ),
  poolCtShiftPerDoubling: p(
    1,
    0,
    1,
    'Ct per doubling of pool size',
    '[Pooling] ≈ log2(k) for liquid dilution; swab pooling ≈ 0',
  ),
  antigenMaxSensitivity: p(0.95, 0.85, 0.98, 'probability', '[Dinnes] ≈ 95 % at Ct ≤ 25'),
  antigenCt50: p(
    28,
    26,
    30,
    'Ct',
    '[Dinnes] ≈ 41 % at Ct > 25: a logistic falling through 50 % near Ct 28',
    true,
  ),
  antigenCtScale: p(1.5, 1, 2.5, 'Ct', 'assumption: steepness of that logistic', true),
  antigenSpecificity: p(0.996, 0.99, 0.999, 'probability', '[Dinnes] ≈ 99.6 %'),
} as const satisfies Record<string, Param<number> | Param<readonly number[]>>;

type Catalogue = typeof PARAMETERS;
/** The values the model runs on: the catalogue's values, any of them overridable. */
export type ModelParams = {
  -readonly [K in keyof Catalogue]: Catalogue[K]['value'] extends number ? number : readonly number[];
};

export function defaultParams(): ModelParams {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(PARAMETERS)) out[k] = v.value;
  return out as ModelParams;
}

/** Default values with overrides, checked: by-age tables have 9 entries, by-setting tables 9, all finite. */
export function makeParams(overrides: Partial<ModelParams> = {}): ModelParams {
  const params = { ...defaultParams(), ...overrides };
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) {
      const want = k.endsWith('ByAge') ? AGE_BANDS : SETTINGS.length;
      if (v.length !== want) throw new RangeError(`${k} needs ${want} entries, got ${v.length}`);
      if (!v.every((x) => Number.isFinite(x) && x >= 0)) throw new RangeError(`${k} has a bad entry`);
    } else if (!Number.isFinite(v as number) || (v as number) < 0) {
      throw new RangeError(`${k} must be a finite number ≥ 0, got ${v}`);
    }
  }
  return params;
}
