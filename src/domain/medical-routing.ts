/**
 * Routing a request for care (就医) to a hospital: pure, no I/O.
 *
 * Rules (docs/MEDICAL.md; DOMAIN.md 红码/黄码/绿码医院, seeds 001 "科学设置红码、黄码、绿码医院", 002 and 004
 * "禁止/决不允许以任何借口推诿拒收患者"):
 * - the patient's health-code colour decides the hospitals that may take them: a red-code patient goes to a red-code
 *   hospital, a yellow-code patient to a yellow-code hospital, a green-code patient to a green-code hospital (the
 *   point of the colours is that patients of one colour never share a hospital with patients of another);
 * - the hospital offers the service and has free capacity for it that day (its daily capacity less the requests
 *   already routed to it for that service and day, refused ones not counting);
 * - a hospital that has refused this request already is not chosen again;
 * - among adequate hospitals the nearest by the platform's schematic distance (placement.ts `schematicKm`), then
 *   the one with the most free places, then the lowest id.
 * Every choice and every failure comes with a reason: a code and its parameters, rendered in words by the web app.
 */
import { schematicKm } from './placement.ts';

export const CODE_COLOURS = ['red', 'yellow', 'green'] as const;
export type CodeColour = (typeof CODE_COLOURS)[number];
export const MEDICAL_SERVICES = [
  'dialysis',
  'delivery',
  'chemotherapy',
  'emergency',
  'chronic_medicine',
] as const;
export type MedicalService = (typeof MEDICAL_SERVICES)[number];

export interface HospitalOption {
  id: number;
  area_code: string;
  code_colour: CodeColour;
  active: boolean;
  /** Daily capacity for the service asked for; undefined when the hospital does not offer it. */
  capacity: number | undefined;
  /** Requests already routed to it for that service and day (refused ones not counted). */
  used: number;
}

export interface RouteAsk {
  area_code: string;
  code_colour: CodeColour;
  service: MedicalService;
  /** Hospitals that refused this request before. */
  refused_by: readonly number[];
}

export type Verdict = 'adequate' | 'inactive' | 'wrong_colour' | 'no_service' | 'full' | 'refused_before';

export interface Reason {
  code: string;
  params: Record<string, string | number>;
}

export type RouteResult =
  | { ok: true; hospital_id: number; km: number; free: number; reason: Reason }
  | { ok: false; reason: Reason; verdicts: { hospital_id: number; verdict: Verdict }[] };

/** What a hospital is for this request: adequate, or the first rule it fails. */
export function judgeHospital(ask: RouteAsk, h: HospitalOption): Verdict {
  if (!h.active) return 'inactive';
  if (h.code_colour !== ask.code_colour) return 'wrong_colour';
  if (h.capacity === undefined) return 'no_service';
  if (h.used >= h.capacity) return 'full';
  if (ask.refused_by.includes(h.id)) return 'refused_before';
  return 'adequate';
}

/** The hospital a request goes to, or why none can take it (the rule that ruled out the most promising ones). */
export function chooseHospital(ask: RouteAsk, hospitals: readonly HospitalOption[]): RouteResult {
  const verdicts = hospitals.map((h) => ({ hospital_id: h.id, verdict: judgeHospital(ask, h) }));
  const adequate = hospitals
    .filter((_, i) => verdicts[i]?.verdict === 'adequate')
    .map((h) => ({ h, km: schematicKm(ask.area_code, h.area_code), free: (h.capacity ?? 0) - h.used }))
    .sort((a, b) => a.km - b.km || b.free - a.free || a.h.id - b.h.id);
  const best = adequate[0];
  if (best)
    return {
      ok: true,
      hospital_id: best.h.id,
      km: best.km,
      free: best.free,
      reason: {
        code: 'nearest_adequate',
        params: {
          hospital: best.h.id,
          colour: ask.code_colour,
          service: ask.service,
          km: best.km,
          free: best.free,
          adequate: adequate.length,
        },
      },
    };
  // None: say how far the search got (colour → service → capacity → refusals).
  const active = verdicts.filter((v) => v.verdict !== 'inactive');
  const ofColour = active.filter((v) => v.verdict !== 'wrong_colour');
  const withService = ofColour.filter((v) => v.verdict !== 'no_service');
  const withRoom = withService.filter((v) => v.verdict !== 'full');
  const params = { colour: ask.code_colour, service: ask.service };
  const code =
    ofColour.length === 0
      ? 'no_hospital_of_colour'
      : withService.length === 0
        ? 'no_hospital_with_service'
        : withRoom.length === 0
          ? 'no_free_capacity'
          : 'all_refused';
  return { ok: false, reason: { code, params }, verdicts };
}

/** A hospital chosen by hand: the same rules, the reason naming the choice. */
export function checkChosenHospital(
  ask: RouteAsk,
  h: HospitalOption,
):
  | { ok: true; km: number; free: number; reason: Reason }
  | { ok: false; verdict: Exclude<Verdict, 'adequate'> } {
  const verdict = judgeHospital(ask, h);
  if (verdict !== 'adequate') return { ok: false, verdict };
  const km = schematicKm(ask.area_code, h.area_code);
  const free = (h.capacity ?? 0) - h.used;
  return {
    ok: true,
    km,
    free,
    reason: {
      code: 'chosen_by_hand',
      params: { hospital: h.id, colour: ask.code_colour, service: ask.service, km, free },
    },
  };
}

/** The order of colours by strength: a person is the strongest colour any rule gives them. */
export const COLOUR_RANK: Record<CodeColour, number> = { green: 0, yellow: 1, red: 2 };
export const strongest = (a: CodeColour, b: CodeColour): CodeColour =>
  COLOUR_RANK[a] >= COLOUR_RANK[b] ? a : b;

export type Basis = 'quarantine' | 'home_stay' | 'lockdown_zone' | 'control_zone';

export interface PersonState {
  risk_status: string;
  /** The health-code colour the registry holds for the person (a colour from outside may only make it stronger). */
  health_code: CodeColour;
  /** Rank of the strongest active zone containing the person's home: 3 lockdown/high, 2 control/medium, 1, or 0. */
  zone_rank: number;
  /** The category of the person's open quarantine stay (placed or arrived), if any. */
  stay_category: 'case' | 'close' | 'secondary' | null;
  /** The person has an active stay at home (home isolation or monitoring). */
  at_home_stay: boolean;
}

const RED_STATUSES = ['case', 'suspected'];
const YELLOW_STATUSES = ['close_contact', 'secondary_contact', 'pool_held'];

/**
 * Who may ask and with which colour. Under control: a person in quarantine (an open stay), at home under an active
 * home stay, or living in a lockdown or control zone (or a high- or medium-risk area); anyone else asks through the
 * ordinary channels (null). Colour: red for a case or suspected case, a case's stay, or a home in a lockdown zone;
 * yellow for a close or secondary contact, a held pool member, anyone in quarantine, or a home in a control zone;
 * green otherwise — and never weaker than the colour the registry holds.
 */
export function underControl(p: PersonState): { basis: Basis; colour: CodeColour; reason: Reason } | null {
  const basis: Basis | null =
    p.stay_category !== null
      ? 'quarantine'
      : p.at_home_stay
        ? 'home_stay'
        : p.zone_rank >= 3
          ? 'lockdown_zone'
          : p.zone_rank === 2
            ? 'control_zone'
            : null;
  if (basis === null) return null;
  let colour: CodeColour = 'green';
  let why = 'none';
  if (RED_STATUSES.includes(p.risk_status) || p.stay_category === 'case') {
    colour = 'red';
    why = RED_STATUSES.includes(p.risk_status) ? `status_${p.risk_status}` : 'case_stay';
  } else if (p.zone_rank >= 3) {
    colour = 'red';
    why = 'lockdown_zone';
  } else if (YELLOW_STATUSES.includes(p.risk_status)) {
    colour = 'yellow';
    why = `status_${p.risk_status}`;
  } else if (p.stay_category !== null || p.at_home_stay) {
    colour = 'yellow';
    why = p.stay_category !== null ? 'in_quarantine' : 'home_stay';
  } else if (p.zone_rank === 2) {
    colour = 'yellow';
    why = 'control_zone';
  }
  if (COLOUR_RANK[p.health_code] > COLOUR_RANK[colour]) {
    colour = p.health_code;
    why = 'registry_code';
  }
  return { basis, colour, reason: { code: why, params: { basis, colour } } };
}
