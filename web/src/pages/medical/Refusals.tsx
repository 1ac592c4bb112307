/** The refusals recorded (keyset pages). */
import { Card, Empty } from 'antd';
import { useTranslation } from 'react-i18next';
import type { MedicalRefusal as Refusal } from '../../contract.ts';
import { useCursorList } from '../filters.tsx';
import { byString, type Column, DataTable, personColumn, useFormat } from '../shared.tsx';
import { PAGE } from './common.ts';

export function Refusals({ version }: { version: number }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const paged = useCursorList<Refusal>('/api/medical/refusals', {}, version, PAGE);
  const columns: Column<Refusal>[] = [
    {
      key: 'at',
      title: t('medical.refusals.at'),
      render: (_, r) => fmt.dateTime(r.refused_at),
      sorter: byString((r) => r.refused_at),
    },
    personColumn({ key: 'person', title: t('medical.list.person'), get: (r) => r.person_id, t }),
    { key: 'hospital', title: t('medical.refusals.hospital'), dataIndex: 'hospital_name' },
    {
      key: 'step',
      title: t('medical.refusals.step'),
      render: (_, r) => t(`medical.status.${r.step}`),
    },
    { key: 'reason', title: t('medical.refusals.reason'), dataIndex: 'reason' },
    { key: 'by', title: t('medical.refusals.by'), dataIndex: 'refused_by_name' },
  ];
  return (
    <Card size="small" title={t('medical.refusals.title')}>
      {paged.total === 0 && paged.keys.page === 0 && !paged.list.error ? (
        <Empty description={t('medical.refusals.none')} />
      ) : (
        <DataTable<Refusal>
          {...paged.table}
          columns={columns}
          rowKey="id"
          exportName={t('medical.refusals.title')}
        />
      )}
    </Card>
  );
}
