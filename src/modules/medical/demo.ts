/**
 * The demo city's medical needs (就医), after the demo outbreak and day (command/demo-day.ts): the designated
 * hospitals of the isolation module become red-code hospitals, two general hospitals per district of the first three
 * become yellow- and green-code hospitals, with capacities per service; and three days of requests for people in
 * quarantine — most treated, one refused and rerouted, a routine one waiting, and an emergency asked 40 minutes ago
 * still without a vehicle (a red item on the responsibility list). Everything goes through the module's own
 * services on a stepped clock. Never used in production mode.
 */
import type { Db } from '../../db/types.ts';
import { ManualClock } from '../../domain/clock.ts';
import type { MedicalService } from '../../domain/medical-routing.ts';
import { UNSCOPED } from '../access/scope.ts';
import { checkStalledEmergencies } from './emergency-clock.ts';
import { createHospital } from './hospitals.ts';
import { refuseRequest } from './refusal.ts';
import { createRequest, type Urgency } from './requests.ts';
import { routeRequest } from './routing.ts';
import { recordStep } from './steps.ts';
import { assignVehicle, fleet } from './transport.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
/** Who records the demo's steps: the city's medical dispatcher, by name as an account shows it (not a user name). */
const BY = '市医疗救治组调度员 刘敏';

export interface DemoMedical {
  hospitals: number;
  requests: number;
  treated: number;
  refused: number;
  openEmergencies: number;
}

const PLAN: { service: MedicalService; urgency: Urgency; note: string }[] = [
  { service: 'dialysis', urgency: 'urgent', note: '规律透析，每周三次' },
  { service: 'chronic_medicine', urgency: 'routine', note: '降压药快用完了' },
  { service: 'delivery', urgency: 'urgent', note: '孕39周，见红' },
  { service: 'chemotherapy', urgency: 'urgent', note: '按疗程化疗第三周期' },
  { service: 'emergency', urgency: 'emergency', note: '突发胸痛' },
  { service: 'chronic_medicine', urgency: 'routine', note: '胰岛素' },
];

export async function seedDemoMedical(db: Db, now: Date): Promise<DemoMedical> {
  const clock = new ManualClock(new Date(now.getTime() - 3 * 24 * HOUR));
  let hospitals = 0;
  await db.transaction(async (tx) => {
    const designated = await tx.query<{ id: number; name: string; area_code: string; address: string }>(
      `SELECT id, name, area_code, address FROM sites WHERE kind = 'designated_hospital' ORDER BY id`,
    );
    for (const s of designated.rows) {
      await createHospital(
        tx,
        clock,
        {
          name: s.name,
          areaCode: s.area_code,
          address: s.address,
          codeColour: 'red',
          siteId: s.id,
          services: { dialysis: 12, delivery: 4, chemotherapy: 6, emergency: 20, chronic_medicine: 40 },
        },
        BY,
        '',
      );
      hospitals++;
    }
    const districts = await tx.query<{ code: string; name: string }>(
      `SELECT a.code, a.name FROM areas a WHERE a.level = 3
          AND EXISTS (SELECT 1 FROM persons p WHERE starts_with(p.area_code, a.code)) ORDER BY a.code LIMIT 3`,
    );
    for (const d of districts.rows) {
      await createHospital(
        tx,
        clock,
        {
          name: `${d.name}中心医院`,
          areaCode: d.code,
          address: `${d.name}中心医院`,
          codeColour: 'yellow',
          services: { dialysis: 10, delivery: 4, chemotherapy: 6, emergency: 15, chronic_medicine: 60 },
        },
        BY,
        '',
      );
      await createHospital(
        tx,
        clock,
        {
          name: `${d.name}人民医院`,
          areaCode: d.code,
          address: `${d.name}人民医院`,
          codeColour: 'green',
          services: { dialysis: 20, delivery: 8, chemotherapy: 10, emergency: 30, chronic_medicine: 100 },
        },
        BY,
        '',
      );
      hospitals += 2;
    }
  });

  // People in quarantine now, cases (red) and contacts (yellow) alike.
  const patients = (
    await db.query<{ person_id: number }>(
      `SELECT person_id FROM placements WHERE status IN ('placed', 'arrived')
        ORDER BY category = 'case' DESC, person_id LIMIT 16`,
    )
  ).rows.map((r) => r.person_id);
  let requests = 0;
  let treated = 0;
  let refused = 0;
  let openEmergencies = 0;
  const file = async (i: number, plan: (typeof PLAN)[number]) => {
    const personId = patients[i % patients.length] as number;
    const out = await db.transaction((tx) =>
      createRequest(
        tx,
        clock,
        {
          key: `demo-medical-${i}`,
          personId,
          service: plan.service,
          urgency: plan.urgency,
          contactPhone: `1390431${String(1000 + i).padStart(4, '0')}`,
          note: plan.note,
        },
        BY,
        UNSCOPED,
      ),
    );
    requests++;
    return out.request.id;
  };
  /** Routed, carried, at the hospital and treated, minutes apart; false when no hospital could take it. */
  const carry = async (id: number, emergency: boolean, refuseFirst: boolean) => {
    const step = (ms: number) => clock.advance(ms);
    try {
      await db.transaction((tx) => routeRequest(tx, clock, id, undefined, BY, UNSCOPED));
    } catch {
      return false; // no adequate hospital that day: left waiting, as it would be
    }
    if (refuseFirst) {
      step(25 * MIN);
      await db.transaction((tx) =>
        refuseRequest(tx, clock, id, '接诊科室称床位已满，未核实即拒收', BY, UNSCOPED),
      );
      refused++;
      step(10 * MIN);
      try {
        await db.transaction((tx) => routeRequest(tx, clock, id, undefined, BY, UNSCOPED));
      } catch {
        return false; // no other hospital of the colour: the refusal stays open on the responsibility list
      }
    }
    step((emergency ? 3 : 20) * MIN);
    const free = (await fleet(db, emergency)).find((v) => v.busy === null);
    if (free) await db.transaction((tx) => assignVehicle(tx, clock, id, free.id, UNSCOPED));
    step((emergency ? 18 : 45) * MIN);
    await db.transaction((tx) => recordStep(tx, clock, id, 'at_hospital', UNSCOPED));
    step((emergency ? 25 : 90) * MIN);
    await db.transaction((tx) => recordStep(tx, clock, id, 'treated', UNSCOPED));
    treated++;
    return true;
  };
  if (patients.length === 0) return { hospitals, requests, treated, refused, openEmergencies };

  // The last three days: every request met, one after a refusal; each asked two hours after the one before.
  let i = 0;
  for (const day of [3, 2, 1]) {
    for (const [k, plan] of PLAN.entries()) {
      clock.set(new Date(now.getTime() - day * 24 * HOUR + (1 + 2 * k) * HOUR));
      const id = await file(i, plan);
      await carry(id, plan.urgency === 'emergency', i === 2);
      i++;
    }
  }
  // Today: a routine request waiting to be routed, and an emergency asked 40 minutes ago, routed but without a vehicle.
  clock.set(new Date(now.getTime() - 90 * MIN));
  await file(i++, PLAN[1] as (typeof PLAN)[number]);
  clock.set(new Date(now.getTime() - 40 * MIN));
  const emergency = await file(i++, PLAN[4] as (typeof PLAN)[number]);
  clock.advance(4 * MIN);
  try {
    await db.transaction((tx) => routeRequest(tx, clock, emergency, undefined, BY, UNSCOPED));
  } catch {
    // left unrouted: still an open emergency on the clock
  }
  openEmergencies++;
  clock.set(now);
  await checkStalledEmergencies(db, clock);
  return { hospitals, requests, treated, refused, openEmergencies };
}
