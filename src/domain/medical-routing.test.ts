import { describe, expect, it } from 'vitest';
import {
  checkChosenHospital,
  chooseHospital,
  type HospitalOption,
  judgeHospital,
  type PersonState,
  type RouteAsk,
  underControl,
} from './medical-routing.ts';

const HOME = '220202001001001'; // a grid
const SAME_STREET = '220202001002';
const OTHER_STREET = '220202002001';
const OTHER_DISTRICT = '220203001001';

const h = (o: Partial<HospitalOption> & { id: number }): HospitalOption => ({
  area_code: OTHER_STREET,
  code_colour: 'red',
  active: true,
  capacity: 10,
  used: 0,
  ...o,
});
const ask = (o: Partial<RouteAsk> = {}): RouteAsk => ({
  area_code: HOME,
  code_colour: 'red',
  service: 'dialysis',
  refused_by: [],
  ...o,
});

describe('chooseHospital', () => {
  it('takes only hospitals of the patient’s colour, even when another colour is nearer', () => {
    const r = chooseHospital(ask({ code_colour: 'yellow' }), [
      h({ id: 1, code_colour: 'red', area_code: SAME_STREET }),
      h({ id: 2, code_colour: 'green', area_code: SAME_STREET }),
      h({ id: 3, code_colour: 'yellow', area_code: OTHER_DISTRICT }),
    ]);
    expect(r).toMatchObject({ ok: true, hospital_id: 3, km: 25 });
  });

  it('chooses the nearest adequate one by schematic distance, then the most free places, then the lowest id', () => {
    const near = chooseHospital(ask(), [
      h({ id: 1, area_code: OTHER_DISTRICT }),
      h({ id: 2, area_code: OTHER_STREET }),
      h({ id: 3, area_code: SAME_STREET }),
    ]);
    expect(near).toMatchObject({ ok: true, hospital_id: 3, km: 3 });
    if (!near.ok) throw new Error('unreachable');
    expect(near.reason).toEqual({
      code: 'nearest_adequate',
      params: { hospital: 3, colour: 'red', service: 'dialysis', km: 3, free: 10, adequate: 3 },
    });
    const tie = chooseHospital(ask(), [h({ id: 4, used: 5 }), h({ id: 5, used: 2 }), h({ id: 6, used: 2 })]);
    expect(tie).toMatchObject({ ok: true, hospital_id: 5, free: 8 });
  });

  it('skips hospitals without the service, full for the day, inactive or that refused this request', () => {
    const list = [
      h({ id: 1, area_code: SAME_STREET, capacity: undefined }),
      h({ id: 2, area_code: SAME_STREET, capacity: 4, used: 4 }),
      h({ id: 3, area_code: SAME_STREET, active: false }),
      h({ id: 4, area_code: SAME_STREET }),
      h({ id: 5, area_code: OTHER_DISTRICT, capacity: 1, used: 0 }),
    ];
    expect(chooseHospital(ask({ refused_by: [4] }), list)).toMatchObject({ ok: true, hospital_id: 5 });
    const verdicts = list.map((x) => judgeHospital(ask({ refused_by: [4] }), x));
    expect(verdicts).toEqual(['no_service', 'full', 'inactive', 'refused_before', 'adequate']);
  });

  it('says how far the search got when nothing is adequate', () => {
    const code = (a: RouteAsk, list: HospitalOption[]) => {
      const r = chooseHospital(a, list);
      if (r.ok) throw new Error('expected no hospital');
      return r.reason.code;
    };
    expect(code(ask(), [])).toBe('no_hospital_of_colour');
    expect(code(ask({ code_colour: 'green' }), [h({ id: 1 })])).toBe('no_hospital_of_colour');
    expect(code(ask(), [h({ id: 1, capacity: undefined })])).toBe('no_hospital_with_service');
    expect(code(ask(), [h({ id: 1, used: 10 }), h({ id: 2, capacity: undefined })])).toBe('no_free_capacity');
    expect(code(ask({ refused_by: [1] }), [h({ id: 1 }), h({ id: 2, used: 10 })])).toBe('all_refused');
  });

  it('checks a hospital chosen by hand with the same rules', () => {
    expect(checkChosenHospital(ask({ code_colour: 'green' }), h({ id: 1 }))).toEqual({
      ok: false,
      verdict: 'wrong_colour',
    });
    expect(checkChosenHospital(ask(), h({ id: 1, used: 10 }))).toEqual({ ok: false, verdict: 'full' });
    expect(checkChosenHospital(ask(), h({ id: 1, area_code: OTHER_DISTRICT }))).toMatchObject({
      ok: true,
      km: 25,
      reason: { code: 'chosen_by_hand' },
    });
  });
});

describe('underControl', () => {
  const p = (o: Partial<PersonState> = {}): PersonState => ({
    risk_status: 'none',
    health_code: 'green',
    zone_rank: 0,
    stay_category: null,
    at_home_stay: false,
    ...o,
  });

  it('lets only people in quarantine, at a home stay or in lockdown and control zones ask', () => {
    expect(underControl(p())).toBeNull();
    expect(underControl(p({ zone_rank: 1 }))).toBeNull(); // a prevention zone: ordinary channels
    expect(underControl(p({ risk_status: 'close_contact' }))).toBeNull(); // found, not yet under control
    expect(underControl(p({ zone_rank: 3 }))?.basis).toBe('lockdown_zone');
    expect(underControl(p({ zone_rank: 2 }))?.basis).toBe('control_zone');
    expect(underControl(p({ zone_rank: 3, stay_category: 'close' }))?.basis).toBe('quarantine');
    expect(underControl(p({ at_home_stay: true }))?.basis).toBe('home_stay');
  });

  it('derives the colour: cases and lockdown red, contacts, quarantine and control zones yellow', () => {
    const colour = (o: Partial<PersonState>) => underControl(p(o))?.colour;
    expect(colour({ zone_rank: 3 })).toBe('red');
    expect(colour({ zone_rank: 2, risk_status: 'case' })).toBe('red');
    expect(colour({ stay_category: 'case', risk_status: 'case' })).toBe('red');
    expect(colour({ stay_category: 'close', risk_status: 'close_contact' })).toBe('yellow');
    expect(colour({ stay_category: 'secondary', risk_status: 'secondary_contact' })).toBe('yellow');
    expect(colour({ zone_rank: 2 })).toBe('yellow');
    expect(colour({ at_home_stay: true, risk_status: 'home_monitoring' })).toBe('yellow');
    // A close contact living in a lockdown zone is red: the lockdown decides.
    expect(colour({ zone_rank: 3, stay_category: 'close', risk_status: 'close_contact' })).toBe('red');
    // The registry's colour only makes it stronger.
    expect(underControl(p({ zone_rank: 2, health_code: 'red' }))).toMatchObject({
      colour: 'red',
      reason: { code: 'registry_code' },
    });
    expect(colour({ zone_rank: 3, health_code: 'green' })).toBe('red');
  });
});
