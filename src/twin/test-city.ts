/** Small generated cities for the twin's tests and benchmark (dense communities, so every venue kind exists). */
import { generateCity } from '../modules/registry/city-generator.ts';
import {
  allCountyCodes,
  denseCity,
  loadCityDivisions,
  provinceCountyCodes,
} from '../modules/registry/divisions.ts';
import type { ModelParams } from './params.ts';
import { buildPopulation, communitiesFromCity, type Population } from './population.ts';

/**
 * `people` spread over the first `communities` urban communities of Jilin city (2202). The generator makes one
 * school per 5,000 people of a community, so about 5,000 people a community gives every setting.
 */
export async function testCity(
  people: number,
  communities: number,
  options: { seed?: number; params?: Partial<ModelParams> } = {},
): Promise<Population> {
  const sub = denseCity(await loadCityDivisions('2202'), communities);
  const asOf = '2022-03-01';
  const batches = generateCity(sub, {
    people,
    seed: options.seed ?? 42,
    asOf,
    provinceCountyCodes: provinceCountyCodes('22'),
    allCountyCodes: allCountyCodes(),
  });
  return buildPopulation(communitiesFromCity(batches, asOf), options);
}
