/** What the parts of 隔离管控 share: who a stay is, in words. */
import type { Stay } from '../../contract.ts';

/** Who a stay is, for messages: the person's name where the reader may see it, else the room. */
export function stayWho(stay: Stay, t: (key: string, o: { id: number }) => string): string {
  if (stay.person_name) return stay.person_name;
  const place = [stay.site, stay.room ?? stay.bed].filter(Boolean).join(' ');
  return place || t('command.personNo', { id: stay.person_id });
}
