import { ageOn, maskIdNumber, maskPhone } from '../../domain/id-number.ts';
import type { PersonRow } from './queries.ts';

/** Special groups that get priority placement (从优安置): elderly 60+, children under 14, and the stored flags. */
export function specialGroups(
  p: Pick<PersonRow, 'birth_date' | 'pregnant' | 'disabled' | 'chronic_illness'>,
  today: Date,
): string[] {
  const age = ageOn(p.birth_date, today);
  const out: string[] = [];
  if (age >= 60) out.push('elderly');
  if (age < 14) out.push('child');
  if (p.pregnant) out.push('pregnant');
  if (p.disabled) out.push('disabled');
  if (p.chronic_illness) out.push('chronic_illness');
  return out;
}

/** A person as the API shows it. ID number and phone are masked (unmasked reads come with the access module). */
export function presentPerson(p: PersonRow, today: Date) {
  return {
    id: p.id,
    id_number: maskIdNumber(p.id_number),
    name: p.name,
    sex: p.sex,
    age: ageOn(p.birth_date, today),
    phone: p.phone ? maskPhone(p.phone) : null,
    household_id: p.household_id,
    area_code: p.area_code,
    address: p.address,
    special_groups: specialGroups(p, today),
    health_code: p.health_code,
    risk_status: p.risk_status,
    risk_status_at: p.risk_status_at ? p.risk_status_at.toISOString() : null,
  };
}
