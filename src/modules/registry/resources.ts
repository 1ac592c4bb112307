/**
 * The response's resources for a generated city, sized like Jilin province's in spring 2022 and scaled to the
 * population. Figures with a source are from ../../../../shared/DOMAIN.md (press releases of March–April 2022);
 * the others are stated assumptions, kept here in one table so they can be argued with and changed.
 */
import { Prng } from '../../domain/prng.ts';

export interface ResourceRatio {
  /** What is counted per million residents. */
  perMillion: number;
  source: string;
}

export const RESOURCE_RATIOS = {
  // Changchun (9 million people), 31 March 2022: 410 hotels with 47,366 rooms.
  hotels: { perMillion: 410 / 9, source: 'Changchun 31 Mar 2022: 410 hotels' },
  hotelRooms: { perMillion: 47_366 / 9, source: 'Changchun 31 Mar 2022: 47,366 hotel rooms' },
  // Changchun, same day: 26 large sites (training centres, party schools, public housing) with 9,229 beds.
  largeSites: { perMillion: 26 / 9, source: 'Changchun 31 Mar 2022: 26 large sites' },
  largeSiteBeds: { perMillion: 9_229 / 9, source: 'Changchun 31 Mar 2022: 9,229 beds in large sites' },
  // Jilin province (24.07 million people), 1 April 2022: 22 shelter hospitals, 31,786 beds.
  shelterHospitals: { perMillion: 22 / 24.07, source: 'Jilin province 1 Apr 2022: 22 shelter hospitals' },
  shelterBeds: { perMillion: 31_786 / 24.07, source: 'Jilin province 1 Apr 2022: 31,786 shelter beds' },
  // Assumption: moderate and severe cases were under 1 % of cases (21 Mar: 10 moderate + 1 severe of 1,902).
  designatedHospitals: {
    perMillion: 0.5,
    source: 'assumption: one designated hospital per 2 million people',
  },
  designatedBeds: { perMillion: 150, source: 'assumption: 150 beds per million people' },
  // Shanghai, April 2022: labs ran 4–8.5 million tubes a day for 25.67 million people (≥ 0.16 tube/person/day).
  labTubesPerDay: {
    perMillion: 160_000,
    source: 'Shanghai Apr 2022: 4 million tubes/day for 25.67 million people',
  },
  // Assumptions: no published fleet figures; sized so a day of 1,000 new risk persons per million moves same day.
  buses: { perMillion: 50, source: 'assumption: 50 transfer buses per million people' },
  vans: { perMillion: 50, source: 'assumption: 50 vans per million people' },
  ambulances: { perMillion: 30, source: 'assumption: 30 ambulances per million people' },
  negativePressureAmbulances: {
    perMillion: 10,
    source: 'assumption: 10 negative-pressure ambulances per million',
  },
} as const satisfies Record<string, ResourceRatio>;

export interface ResourceRows {
  sites: unknown[][];
  rooms: unknown[][];
  beds: unknown[][];
  labs: unknown[][];
  vehicles: unknown[][];
}

export interface ResourcePlace {
  code: string; // community or grid code
  address: string;
}

const scaled = (people: number, r: ResourceRatio, min: number) =>
  Math.max(min, Math.round((people * r.perMillion) / 1e6));

/**
 * Builds the sites (with their rooms and beds), labs and vehicles for a city of `people`, placed on `places`
 * (communities that have residents). Site IDs are assigned from 1. Deterministic for a seed.
 */
export function generateResources(
  people: number,
  places: readonly ResourcePlace[],
  seed: number,
  cityName: string,
  platePrefix: string,
): ResourceRows {
  if (places.length === 0) throw new Error('no places to put resources on: generate people first');
  const rng = new Prng(seed ^ 0x5eed);
  const out: ResourceRows = { sites: [], rooms: [], beds: [], labs: [], vehicles: [] };
  let siteId = 0;
  const place = () => rng.pick(places);

  const addRoomSite = (kind: string, name: string, rooms: number, tier: number, status: string) => {
    const p = place();
    siteId++;
    out.sites.push([siteId, kind, name, p.code, `${p.address}${name}`, status, tier]);
    const perFloor = Math.min(30, Math.max(8, Math.ceil(rooms / 8)));
    for (let i = 0; i < rooms; i++) {
      const floor = Math.floor(i / perFloor) + 2;
      const code = `${floor}${String((i % perFloor) + 1).padStart(2, '0')}`;
      // About one room in seven takes a family (two or three people) together.
      out.rooms.push([siteId, code, floor, rng.bool(0.15) ? rng.int(2, 3) : 1]);
    }
  };

  const addBedSite = (kind: string, name: string, beds: number, status: string) => {
    const p = place();
    siteId++;
    out.sites.push([siteId, kind, name, p.code, `${p.address}${name}`, status, 1]);
    const perWard = kind === 'shelter_hospital' ? 100 : 30;
    for (let i = 0; i < beds; i++) {
      out.beds.push([
        siteId,
        `${String.fromCharCode(65 + (Math.floor(i / perWard / 26) % 26))}${(Math.floor(i / perWard) % 26) + 1}病区`,
        String((i % perWard) + 1).padStart(3, '0'),
      ]);
    }
  };

  // Quarantine hotels: the first third active (tier 1), the rest the reserve list opened tier by tier.
  const hotels = scaled(people, RESOURCE_RATIOS.hotels, 1);
  const hotelRooms = scaled(people, RESOURCE_RATIOS.hotelRooms, 20);
  const sizes = apportion2(hotelRooms, hotels, rng);
  for (let i = 0; i < hotels; i++) {
    const tier = Math.min(3, Math.floor((3 * i) / hotels) + 1);
    addRoomSite(
      'hotel',
      `${cityName}隔离酒店${i + 1}号`,
      sizes[i] as number,
      tier,
      tier === 1 ? 'active' : 'reserve',
    );
  }
  const largeKinds = ['training_centre', 'party_school', 'public_housing'] as const;
  const largeLabel = { training_centre: '培训中心', party_school: '党校', public_housing: '公租房' } as const;
  const large = scaled(people, RESOURCE_RATIOS.largeSites, 1);
  const largeSizes = apportion2(scaled(people, RESOURCE_RATIOS.largeSiteBeds, 20), large, rng);
  for (let i = 0; i < large; i++) {
    const kind = largeKinds[i % largeKinds.length] as (typeof largeKinds)[number];
    addRoomSite(
      kind,
      `${cityName}${largeLabel[kind]}隔离点${i + 1}号`,
      largeSizes[i] as number,
      2,
      'reserve',
    );
  }
  const shelters = scaled(people, RESOURCE_RATIOS.shelterHospitals, 1);
  const shelterSizes = apportion2(scaled(people, RESOURCE_RATIOS.shelterBeds, 50), shelters, rng);
  for (let i = 0; i < shelters; i++)
    addBedSite('shelter_hospital', `${cityName}方舱医院${i + 1}号`, shelterSizes[i] as number, 'active');
  const designated = scaled(people, RESOURCE_RATIOS.designatedHospitals, 1);
  const designatedSizes = apportion2(scaled(people, RESOURCE_RATIOS.designatedBeds, 30), designated, rng);
  for (let i = 0; i < designated; i++) {
    addBedSite(
      'designated_hospital',
      `${cityName}定点医院${i + 1}号`,
      designatedSizes[i] as number,
      'active',
    );
  }

  // Labs: hospital labs of 5–10k tubes a day and third-party labs of 20–40k, up to the needed capacity.
  const needTubes = scaled(people, RESOURCE_RATIOS.labTubesPerDay, 2000);
  let lab = 0;
  for (let have = 0; have < needTubes; ) {
    lab++;
    const thirdParty = lab % 3 === 0;
    const cap = Math.min(
      Math.max(2000, needTubes - have),
      thirdParty ? rng.int(20, 40) * 1000 : rng.int(5, 10) * 1000,
    );
    out.labs.push([`${cityName}核酸检测实验室${lab}号`, place().code, cap, false]);
    have += cap;
  }

  const fleet: [string, ResourceRatio, number, [number, number]][] = [
    ['bus', RESOURCE_RATIOS.buses, 1, [30, 45]],
    ['van', RESOURCE_RATIOS.vans, 1, [7, 14]],
    ['ambulance', RESOURCE_RATIOS.ambulances, 1, [2, 3]],
    ['negative_pressure_ambulance', RESOURCE_RATIOS.negativePressureAmbulances, 1, [1, 2]],
  ];
  let plate = 0;
  for (const [kind, ratio, min, [lo, hi]] of fleet) {
    const n = scaled(people, ratio, min);
    for (let i = 0; i < n; i++) {
      plate++;
      out.vehicles.push([
        `${platePrefix}${String(plate).padStart(5, '0')}`,
        kind,
        rng.int(lo, hi),
        place().code,
      ]);
    }
  }
  return out;
}

/** Splits `total` into `n` parts of varied size (0.6×–1.4× the mean), adding up exactly. */
function apportion2(total: number, n: number, rng: Prng): number[] {
  const w = Array.from({ length: n }, () => 0.6 + 0.8 * rng.next());
  const sum = w.reduce((a, b) => a + b, 0);
  const parts = w.map((x) => Math.max(1, Math.floor((total * x) / sum)));
  let diff = total - parts.reduce((a, b) => a + b, 0);
  for (let i = 0; diff !== 0; i = (i + 1) % n) {
    if (diff > 0) {
      parts[i] = (parts[i] as number) + 1;
      diff--;
    } else if ((parts[i] as number) > 1) {
      parts[i] = (parts[i] as number) - 1;
      diff++;
    }
  }
  return parts;
}
