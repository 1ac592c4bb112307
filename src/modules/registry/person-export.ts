/**
 * The people list as a file (人员名单): every person of the scope matching the list's filters, masked exactly as the
 * list shows them (ID number and phone), areas by name, codes in words, keyset-paged on id so memory stays flat.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import type { ExportSpec } from '../../server/list-export.ts';
import type { Scope } from '../access/scope.ts';
import { presentPerson } from './presenters.ts';
import { listPersons, type PersonRow } from './queries.ts';

export function personExport(
  db: Queryable,
  clock: Clock,
  scope: Scope,
  f: { riskStatus?: string; q?: string },
): ExportSpec<PersonRow> {
  const today = clock.now();
  const shown = new WeakMap<PersonRow, ReturnType<typeof presentPerson>>();
  const p = (r: PersonRow) => {
    let v = shown.get(r);
    if (!v) {
      v = presentPerson(r, today);
      shown.set(r, v);
    }
    return v;
  };
  return {
    name: ['人员名单', 'people'],
    areasOf: (r) => [r.area_code],
    page: (last) =>
      listPersons(db, scope, { ...f, after: last?.id ?? 0, afterArea: last?.area_code, limit: 2000 }),
    columns: [
      { header: ['姓名', 'Name'], value: (r) => r.name },
      { header: ['性别', 'Sex'], value: (r, c) => c.word('sex', r.sex) },
      { header: ['年龄', 'Age'], value: (r) => p(r).age },
      { header: ['身份证号（脱敏）', 'ID number (masked)'], value: (r) => p(r).id_number },
      { header: ['电话（脱敏）', 'Phone (masked)'], value: (r) => p(r).phone },
      { header: ['住址', 'Address'], value: (r) => r.address },
      { header: ['区域', 'Area'], value: (r, c) => c.area(r.area_code) },
      {
        header: ['特殊人群', 'Special groups'],
        value: (r, c) =>
          p(r)
            .special_groups.map((g) => c.word('specialGroup', g))
            .join(c.lang === 'en' ? ', ' : '、'),
      },
      { header: ['健康码', 'Health code'], value: (r, c) => c.word('healthCode', r.health_code) },
      { header: ['风险状态', 'Risk status'], value: (r, c) => c.word('riskStatus', r.risk_status) },
    ],
  };
}
