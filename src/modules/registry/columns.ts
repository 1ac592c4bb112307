/** Column lists of the registry tables, in the order the generator and the seeder write them. */
import type { BulkColumn } from '../../db/types.ts';

const cols = (spec: string): BulkColumn[] =>
  spec
    .trim()
    .split(/\s*,\s*/)
    .map((p) => {
      const [name, type] = p.split(':') as [string, string];
      return { name, type };
    });

export const AREA_COLUMNS = cols('code:text, parent_code:text, level:int2, name:text, kind:text');
export const BUILDING_COLUMNS = cols(
  'id:int8, area_code:text, name:text, address:text, kind:text, floors:int2, units:int2',
);
export const HOUSEHOLD_COLUMNS = cols(
  'id:int8, area_code:text, building_id:int8, unit:int2, floor:int2, room:text, address:text, household_key:text',
);
export const PERSON_COLUMNS = cols(
  'id:int8, id_number:text, name:text, sex:bpchar, birth_date:date, phone:text, household_id:int8, area_code:text, address:text, pregnant:bool, disabled:bool, chronic_illness:bool',
);
export const VENUE_COLUMNS = cols(
  'area_code:text, kind:text, name:text, address:text, venue_code:text, capacity:int4',
);
export const SITE_COLUMNS = cols(
  'id:int8, kind:text, name:text, area_code:text, address:text, status:text, tier:int2',
);
export const ROOM_COLUMNS = cols('site_id:int8, code:text, floor:int2, capacity:int2');
export const BED_COLUMNS = cols('site_id:int8, ward:text, code:text');
export const LAB_COLUMNS = cols('name:text, area_code:text, daily_capacity_tubes:int4, mobile:bool');
export const VEHICLE_COLUMNS = cols('plate:text, kind:text, seats:int2, depot_area_code:text');
