/**
 * The cases (keyset pages, newest first) with their contact counts, and the contacts of the chosen case with
 * their provenance (which source, through whom, when, where).
 */
import { Button, Card, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { query } from '../../api.ts';
import type {
  CaseContactsAnswer,
  TracingCase as CaseRow,
  CaseContact as Contact,
  TracingCasesAnswer,
} from '../../contract.ts';
import { personName } from '../../person-names.ts';
import {
  ACTIONS,
  areaColumn,
  byNumber,
  byString,
  type Column,
  codedColumn,
  DataTable,
  filtersFrom,
  PersonName,
  personColumn,
  StatusTag,
  useApi,
  useFormat,
  useKeyset,
} from '../shared.tsx';
import { AreaFilter, PAGE } from './common.tsx';

const SEVERITY_COLOURS: Record<string, string> = {
  unclassified: 'default',
  asymptomatic: 'blue',
  mild: 'gold',
  moderate: 'orange',
  severe: 'red',
  critical: 'magenta',
};
const LEVEL_COLOURS: Record<string, string> = { close: 'red', secondary: 'orange', general: 'blue' };

export function CasesTable({
  selected,
  onSelect,
  version,
  onClassify,
}: {
  selected: CaseRow | null;
  onSelect: (c: CaseRow) => void;
  version: number;
  onClassify?: (c: CaseRow) => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const [area, setArea] = useState<string | undefined>();
  const keys = useKeyset();
  const res = useApi<TracingCasesAnswer>(
    `/api/tracing/cases${query({ area, limit: PAGE, after: keys.after })}`,
    version,
  );
  const rows = res.data?.items ?? [];
  // The total comes with the first page (counting again on every page would be wasted work).
  const [total, setTotal] = useState<number | undefined>();
  useEffect(() => {
    if (res.data?.total !== undefined) setTotal(res.data.total);
  }, [res.data]);
  const hasNext = rows.length === PAGE;
  useEffect(() => {
    if (!selected) {
      if (rows[0]) onSelect(rows[0]);
      return;
    }
    // After a change the selected case's row is new: show it as it is now.
    const fresh = rows.find((r) => r.id === selected.id);
    if (fresh && fresh !== selected) onSelect(fresh);
  }, [rows, selected, onSelect]);

  const columns: Column<CaseRow>[] = [
    { key: 'case_no', title: t('tracing.caseNo'), dataIndex: 'case_no', sorter: byString((r) => r.case_no) },
    personColumn({ title: t('tracing.person'), get: (r) => r.person_id, t }),
    areaColumn({ title: t('common.areaName'), get: (r) => r.area_code }),
    {
      key: 'severity',
      title: t('tracing.severity'),
      dataIndex: 'severity',
      filters: filtersFrom(
        rows,
        (r) => r.severity,
        (v) => t(`severity.${v}`, { defaultValue: v }),
      ),
      onFilter: (v, r) => r.severity === v,
      render: (v: string) => <StatusTag ns="severity" value={v} colors={SEVERITY_COLOURS} />,
      exportValue: (r) => t(`severity.${r.severity}`, { defaultValue: r.severity }),
    },
    { key: 'onset_date', title: t('tracing.onset'), dataIndex: 'onset_date', render: (v) => v ?? '—' },
    {
      key: 'first_positive_at',
      title: t('tracing.firstPositive'),
      dataIndex: 'first_positive_at',
      render: f.dateTime,
      sorter: byString((r) => r.first_positive_at),
    },
    {
      key: 'found_at',
      title: t('tracing.foundAt'),
      dataIndex: 'found_at',
      render: f.dateTime,
      sorter: byString((r) => r.found_at),
    },
    {
      key: 'traced_at',
      title: t('tracing.tracedAt'),
      dataIndex: 'traced_at',
      render: (v: string | null) => (v ? f.dateTime(v) : <Tag color="orange">{t('tracing.notTraced')}</Tag>),
      filters: [
        { text: t('tracing.traced'), value: 'yes' },
        { text: t('tracing.notTraced'), value: 'no' },
      ],
      onFilter: (v, r) => (v === 'yes') === (r.traced_at !== null),
    },
    {
      key: 'close_contacts',
      title: t('tracing.closeContacts'),
      dataIndex: 'close_contacts',
      sorter: byNumber((r) => r.close_contacts),
    },
    {
      key: 'secondary_contacts',
      title: t('tracing.secondaryContacts'),
      dataIndex: 'secondary_contacts',
      sorter: byNumber((r) => r.secondary_contacts),
    },
    {
      key: 'outcome',
      title: t('tracing.outcome'),
      dataIndex: 'outcome',
      render: (v: string | null) => <StatusTag ns="outcome" value={v} />,
      exportValue: (r) => (r.outcome ? t(`outcome.${r.outcome}`, { defaultValue: r.outcome }) : ''),
    },
    ...(onClassify
      ? [
          {
            key: ACTIONS,
            title: t('action.actions'),
            render: (_: unknown, r: CaseRow) => (
              <Button
                size="small"
                onClick={(e) => {
                  e.stopPropagation();
                  onClassify(r);
                }}
              >
                {t('tracing.classify')}
              </Button>
            ),
          } satisfies Column<CaseRow>,
        ]
      : []),
  ];

  return (
    <DataTable<CaseRow>
      rows={rows}
      columns={columns}
      rowKey="id"
      loading={res.loading}
      error={res.error}
      exportName={t('tracing.cases')}
      total={total}
      serverExport={`/api/tracing/cases/export${query({ area })}`}
      onRowClick={onSelect}
      selectedKey={selected?.id ?? null}
      serverPaging={{
        page: keys.page,
        hasNext,
        onPrev: keys.prev,
        onNext: () => {
          const last = rows.at(-1);
          if (last) keys.next(last.id);
        },
      }}
      toolbar={
        <AreaFilter
          onArea={(a) => {
            setArea(a);
            keys.reset();
          }}
        />
      }
    />
  );
}

export function ContactsCard({ c, version }: { c: CaseRow; version: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const res = useApi<CaseContactsAnswer>(`/api/tracing/cases/${c.id}/contacts`, version);
  const rows = res.data?.items ?? [];
  const columns: Column<Contact>[] = [
    personColumn({ title: t('tracing.person'), get: (r) => r.person_id, t }),
    areaColumn({ title: t('common.areaName'), get: (r) => r.area_code }),
    {
      key: 'level',
      title: t('tracing.level'),
      dataIndex: 'level',
      filters: filtersFrom(
        rows,
        (r) => r.level,
        (v) => t(`level.${v}`, { defaultValue: v }),
      ),
      onFilter: (v, r) => r.level === v,
      render: (v: string) => <StatusTag ns="level" value={v} colors={LEVEL_COLOURS} />,
      exportValue: (r) => t(`level.${r.level}`, { defaultValue: r.level }),
    },
    codedColumn({ key: 'source', title: t('tracing.source'), field: 'source', rows: rows, ns: 'source', t }),
    {
      key: 'via_person_id',
      title: t('tracing.via'),
      dataIndex: 'via_person_id',
      personOf: (r) => r.via_person_id,
      render: (v: number | null) => (v === null ? t('tracing.direct') : <PersonName id={v} />),
      exportValue: (r) =>
        r.via_person_id === null
          ? t('tracing.direct')
          : (personName(r.via_person_id) ?? t('command.personNo', { id: r.via_person_id })),
    },
    {
      key: 'exposure_at',
      title: t('tracing.exposure'),
      dataIndex: 'exposure_at',
      render: f.dateTime,
      sorter: byString((r) => r.exposure_at),
    },
    { key: 'place', title: t('tracing.place'), dataIndex: 'place', render: (v) => v ?? '—' },
    {
      key: 'risk_status',
      title: t('people.risk'),
      dataIndex: 'risk_status',
      filters: filtersFrom(
        rows,
        (r) => r.risk_status,
        (v) => t(`risk.${v}`, { defaultValue: v }),
      ),
      onFilter: (v, r) => r.risk_status === v,
      render: (v: string) => t(`risk.${v}`, { defaultValue: v }),
      exportValue: (r) => t(`risk.${r.risk_status}`, { defaultValue: r.risk_status }),
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
    <Card size="small" title={t('tracing.contactsOf', { no: c.case_no })}>
      <DataTable<Contact>
        rows={rows}
        columns={columns}
        rowKey={(r) => `${r.person_id}-${r.level}-${r.source}-${r.via_person_id ?? ''}`}
        loading={res.loading}
        error={res.error}
        exportName={`${t('tracing.contacts')}-${c.case_no}`}
        toolbar={<Typography.Text type="secondary">{t('tracing.provenance')}</Typography.Text>}
      />
    </Card>
  );
}
