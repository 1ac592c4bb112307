/** 一般接触者: people linked to cases only at the general level, one row per person. */
import { Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { query } from '../../api.ts';
import type { GeneralContact, GeneralContactsAnswer } from '../../contract.ts';
import {
  areaColumn,
  byString,
  type Column,
  cursorPaging,
  DataTable,
  personColumn,
  useApi,
  useFirstPageTotal,
  useFormat,
  useKeyset,
} from '../shared.tsx';
import { AreaFilter, PAGE } from './common.tsx';

/**
 * 一般接触者: people linked to cases only at the general level — health monitoring, no isolation — one row per person
 * with their cases and how they were found; paged by the server, the whole list exported by it.
 */
export function GeneralContactsTable({ version }: { version: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const [area, setArea] = useState<string | undefined>();
  const keys = useKeyset();
  const res = useApi<GeneralContactsAnswer>(
    `/api/tracing/general-contacts${query({ area, limit: PAGE, after: keys.after })}`,
    version,
  );
  const rows = res.data?.items ?? [];
  const total = useFirstPageTotal(res.data);
  const words = (codes: string[], ns: string) =>
    codes.map((c) => t(`${ns}.${c}`, { defaultValue: c })).join('、');
  const columns: Column<GeneralContact>[] = [
    personColumn({ title: t('tracing.person'), get: (r) => r.person_id, t }),
    areaColumn({ title: t('common.areaName'), get: (r) => r.area_code }),
    {
      key: 'risk_status',
      title: t('people.risk'),
      dataIndex: 'risk_status',
      render: (v: string) => t(`risk.${v}`, { defaultValue: v }),
      exportValue: (r) => t(`risk.${r.risk_status}`, { defaultValue: r.risk_status }),
    },
    {
      key: 'cases',
      title: t('tracing.linkedCases'),
      dataIndex: 'cases',
      render: (v: string[]) => v.join('、'),
      exportValue: (r) => r.cases.join('、'),
    },
    {
      key: 'sources',
      title: t('tracing.source'),
      dataIndex: 'sources',
      render: (v: string[]) => words(v, 'source'),
      exportValue: (r) => words(r.sources, 'source'),
    },
    {
      key: 'first_exposure_at',
      title: t('tracing.exposure'),
      dataIndex: 'first_exposure_at',
      render: f.dateTime,
      sorter: byString((r) => r.first_exposure_at),
    },
    {
      key: 'found_at',
      title: t('tracing.foundAt'),
      dataIndex: 'found_at',
      render: f.dateTime,
      sorter: byString((r) => r.found_at),
    },
  ];
  return (
    <DataTable<GeneralContact>
      rows={rows}
      columns={columns}
      rowKey="person_id"
      loading={res.loading}
      error={res.error}
      exportName={t('tracing.general')}
      total={total}
      serverExport={`/api/tracing/general-contacts/export${query({ area })}`}
      serverPaging={cursorPaging(keys, res.data?.next_after)}
      toolbar={
        <Space wrap>
          <AreaFilter
            onArea={(a) => {
              setArea(a);
              keys.reset();
            }}
          />
          <Typography.Text type="secondary">{t('tracing.generalNote')}</Typography.Text>
        </Space>
      }
    />
  );
}
