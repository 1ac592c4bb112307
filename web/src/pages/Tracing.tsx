/**
 * 流调溯源: cases (keyset pages, newest first) with their contact counts, a case's contacts with provenance
 * (which source, through whom, when, where), the transmission chains as a graph and a table, and the contact
 * rules in force. With tracing.manage: run tracing now, classify a case (severity, onset date, outcome); with
 * tracing.rules: change the contact rules, with a reason.
 */
import {
  Alert,
  Button,
  Card,
  DatePicker,
  Descriptions,
  Form,
  Input,
  InputNumber,
  Select,
  Space,
  Table,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { GraphChart } from 'echarts/charts';
import { use } from 'echarts/core';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AreaPicker } from '../AreaPicker.tsx';
import { api, query } from '../api.ts';
import { areaName, useAreaNamesVersion } from '../area-names.ts';
import { beijingTodayValue } from '../beijing-time.ts';
import type {
  CaseContactsAnswer,
  TracingCase as CaseRow,
  ChainCase,
  ChainCluster,
  ClassifiedCase,
  CaseContact as Contact,
  GeneralContact,
  GeneralContactsAnswer,
  Me,
  TracingRulesVersion as RulesVersion,
  TracingCasesAnswer,
  TracingRunAnswer,
} from '../contract.ts';
import { EChart } from '../EChart.tsx';
import { personName } from '../person-names.ts';
import { CodeSelect } from './filters.tsx';
import { FormModal } from './forms.tsx';
import {
  ACTIONS,
  areaColumn,
  byNumber,
  byString,
  type Column,
  ConfirmButton,
  codedColumn,
  cursorPaging,
  DataTable,
  filtersFrom,
  PersonName,
  personColumn,
  StatusTag,
  useAction,
  useApi,
  useFirstPageTotal,
  useFormat,
  useKeyset,
  usePermissions,
  useVersion,
} from './shared.tsx';

use([GraphChart]);

const SEVERITIES = ['unclassified', 'asymptomatic', 'mild', 'moderate', 'severe', 'critical'] as const;
const OUTCOMES = ['recovered', 'died', 'transferred_out'] as const;
const VENUE_KINDS = [
  'workplace',
  'school',
  'kindergarten',
  'market',
  'supermarket',
  'hospital',
  'restaurant',
  'other',
] as const;
type VenueKind = (typeof VENUE_KINDS)[number];

type TracingRules = RulesVersion['rules'];
type VenueRule = NonNullable<TracingRules['venueKinds'][VenueKind]>;

const PAGE = 100;
const SEVERITY_COLOURS: Record<string, string> = {
  unclassified: 'default',
  asymptomatic: 'blue',
  mild: 'gold',
  moderate: 'orange',
  severe: 'red',
  critical: 'magenta',
};
const LEVEL_COLOURS: Record<string, string> = { close: 'red', secondary: 'orange', general: 'blue' };

/** `me` as the shell knows it; when not given, the page asks the server who is logged in. */
export default function TracingPage({ me }: { me?: Me }) {
  const asked = useApi<Me>(me ? null : '/api/auth/me');
  const may = usePermissions(me ?? asked.data);
  const { t } = useTranslation();
  const act = useAction();
  const [version, bump] = useVersion();
  const [selected, setSelected] = useState<CaseRow | null>(null);
  const [classifying, setClassifying] = useState<CaseRow | null>(null);
  const runNow = () =>
    act(
      () => api<TracingRunAnswer>('/api/tracing/run', { method: 'POST' }),
      (r) => t('tracing.ran', { created: r.cases_created, traced: r.traced }),
      bump,
    );
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Space wrap style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('tracing.title')}
        </Typography.Title>
        {may('tracing.manage') && (
          <ConfirmButton
            type="primary"
            size="middle"
            title={t('tracing.confirmRun')}
            description={t('tracing.runNote')}
            onConfirm={runNow}
          >
            {t('tracing.run')}
          </ConfirmButton>
        )}
      </Space>
      <Tabs
        items={[
          {
            key: 'cases',
            label: t('tracing.cases'),
            children: (
              <Space direction="vertical" size="middle" style={{ width: '100%' }}>
                <Card size="small">
                  <CasesTable
                    selected={selected}
                    onSelect={setSelected}
                    version={version}
                    onClassify={may('tracing.manage') ? setClassifying : undefined}
                  />
                </Card>
                {selected && <ContactsCard key={selected.id} c={selected} version={version} />}
              </Space>
            ),
          },
          {
            key: 'general',
            label: t('tracing.general'),
            children: (
              <Card size="small">
                <GeneralContactsTable version={version} />
              </Card>
            ),
          },
          { key: 'chains', label: t('tracing.chains'), children: <ChainsView version={version} /> },
          {
            key: 'rules',
            label: t('tracing.rules'),
            children: <RulesView mayEdit={may('tracing.rules')} version={version} onDone={bump} />,
          },
        ]}
      />
      {classifying && <ClassifyForm c={classifying} onClose={() => setClassifying(null)} onDone={bump} />}
    </Space>
  );
}

function CasesTable({
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

function ContactsCard({ c, version }: { c: CaseRow; version: number }) {
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

/** A list's area filter: an area picked by name, applied on 查询 (none: the whole jurisdiction). */
function AreaFilter({ onArea }: { onArea: (area: string | undefined) => void }) {
  const { t } = useTranslation();
  return (
    <Form layout="inline" onFinish={(v: { area?: string }) => onArea(v.area || undefined)}>
      <Form.Item label={t('common.areaName')} name="area">
        <AreaPicker size="small" allowClear style={{ width: 240 }} />
      </Form.Item>
      <Button size="small" type="primary" htmlType="submit">
        {t('people.search')}
      </Button>
    </Form>
  );
}

/**
 * 一般接触者: people linked to cases only at the general level — health monitoring, no isolation — one row per person
 * with their cases and how they were found; paged by the server, the whole list exported by it.
 */
function GeneralContactsTable({ version }: { version: number }) {
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

interface ChainRow extends ChainCase {
  cluster: number;
  infector_case_no: string | null;
}

const CLUSTER_COLOURS = [
  '#c0392b',
  '#2980b9',
  '#27ae60',
  '#8e44ad',
  '#d35400',
  '#16a085',
  '#7f8c8d',
  '#f39c12',
];

function ChainsView({ version }: { version: number }) {
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const res = useApi<{ clusters: ChainCluster[] }>('/api/tracing/chains', version);
  const names = useAreaNamesVersion();
  const clusters = res.data?.clusters ?? [];
  const rows: ChainRow[] = useMemo(() => {
    const no = new Map(clusters.flatMap((c) => c.cases.map((k) => [k.case_id, k.case_no] as const)));
    return clusters.flatMap((c) =>
      c.cases.map((k) => ({
        ...k,
        cluster: c.cluster,
        infector_case_no: k.infector_case_id === null ? null : (no.get(k.infector_case_id) ?? null),
      })),
    );
  }, [clusters]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: area names that arrive (names) redraw the graph
  const option = useMemo(() => {
    const lang = i18n.language;
    const withLinks = new Set(
      rows.filter((r) => r.infector_case_no !== null).flatMap((r) => [r.case_id, r.infector_case_id]),
    );
    return {
      tooltip: {
        formatter: (p: { dataType: string; data: { name?: string; value?: string; source?: string } }) =>
          p.dataType === 'edge' ? (p.data.value ?? '') : `${p.data.name ?? ''} ${p.data.value ?? ''}`,
      },
      series: [
        {
          type: 'graph',
          layout: 'force',
          roam: true,
          draggable: true,
          force: { repulsion: 120, edgeLength: 60, gravity: 0.08 },
          edgeSymbol: ['none', 'arrow'],
          edgeSymbolSize: 8,
          label: { show: rows.length <= 150, position: 'right', fontSize: 11 },
          lineStyle: { color: 'source', width: 1.5, curveness: 0.1 },
          data: rows.map((r) => ({
            id: String(r.case_id),
            name: r.case_no,
            value: areaName(r.area_code),
            symbolSize: withLinks.has(r.case_id) ? 14 : 9,
            itemStyle: { color: CLUSTER_COLOURS[(r.cluster - 1) % CLUSTER_COLOURS.length] },
          })),
          links: rows
            .filter((r) => r.infector_case_id !== null)
            .map((r) => ({
              source: String(r.infector_case_id),
              target: String(r.case_id),
              value: t(`source.${r.via_source}`, { defaultValue: r.via_source ?? '', lng: lang }),
            })),
        },
      ],
    };
  }, [rows, t, i18n.language, names]);

  const columns: Column<ChainRow>[] = [
    {
      key: 'cluster',
      title: t('tracing.cluster'),
      dataIndex: 'cluster',
      sorter: byNumber((r) => r.cluster),
      filters: filtersFrom(rows, (r) => String(r.cluster)),
      onFilter: (v, r) => String(r.cluster) === v,
    },
    { key: 'case_no', title: t('tracing.caseNo'), dataIndex: 'case_no', sorter: byString((r) => r.case_no) },
    areaColumn({ title: t('common.areaName'), get: (r) => r.area_code }),
    {
      key: 'found_at',
      title: t('tracing.foundAt'),
      dataIndex: 'found_at',
      render: f.dateTime,
      sorter: byString((r) => r.found_at),
    },
    {
      key: 'infector_case_no',
      title: t('tracing.infector'),
      dataIndex: 'infector_case_no',
      render: (v: string | null) => v ?? '—',
    },
    {
      key: 'via_source',
      title: t('tracing.source'),
      dataIndex: 'via_source',
      render: (v: string | null) => (v ? t(`source.${v}`, { defaultValue: v }) : '—'),
      exportValue: (r) => (r.via_source ? t(`source.${r.via_source}`, { defaultValue: r.via_source }) : ''),
    },
  ];

  const linked = rows.filter((r) => r.infector_case_id !== null).length;
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Card size="small" title={t('tracing.graph')}>
        {res.error && <Alert type="error" showIcon message={res.error} />}
        {!res.error && !res.loading && rows.length === 0 && (
          <Alert type="info" showIcon message={t('tracing.noCases')} />
        )}
        {rows.length > 0 && (
          <>
            <Typography.Text type="secondary">
              {t('tracing.graphNote', { cases: rows.length, clusters: clusters.length, links: linked })}
            </Typography.Text>
            <EChart option={option} height={480} />
          </>
        )}
      </Card>
      <Card size="small">
        <DataTable<ChainRow>
          rows={rows}
          columns={columns}
          rowKey="case_id"
          loading={res.loading}
          error={res.error}
          exportName={t('tracing.chains')}
        />
      </Card>
    </Space>
  );
}

interface ClassifyValues {
  severity: string;
  onset_date?: Dayjs | null;
  outcome?: string | null;
}

/** Severity, onset date and outcome of a case; a new onset date sends the case back to tracing. */
function ClassifyForm({ c, onClose, onDone }: { c: CaseRow; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const act = useAction();
  const [form] = Form.useForm<ClassifyValues>();
  const submit = async (v: ClassifyValues) => {
    const body = {
      severity: v.severity,
      ...(v.onset_date ? { onset_date: v.onset_date.format('YYYY-MM-DD') } : {}),
      ...(v.outcome ? { outcome: v.outcome } : {}),
    };
    const out = await act(
      () => api<ClassifiedCase>(`/api/tracing/cases/${c.id}/classify`, { method: 'POST', body }),
      (r) =>
        r.reclassified_at && !c.reclassified_at
          ? t('tracing.reclassified', { no: r.case_no })
          : t('tracing.classified', { no: r.case_no, severity: t(`severity.${r.severity}`) }),
      onDone,
    );
    if (out) onClose();
  };
  return (
    <FormModal
      form={form}
      onSubmit={submit}
      title={t('tracing.classifyTitle', { no: c.case_no })}
      okText={t('tracing.classifyOk')}
      onCancel={onClose}
      intro={<Typography.Paragraph type="secondary">{t('tracing.classifyNote')}</Typography.Paragraph>}
      formProps={{
        initialValues: {
          severity: c.severity,
          onset_date: c.onset_date ? dayjs(c.onset_date) : null,
          outcome: c.outcome,
        },
      }}
    >
      <Form.Item label={t('tracing.severity')} name="severity" rules={[{ required: true }]}>
        <CodeSelect ns="severity" codes={SEVERITIES} />
      </Form.Item>
      <Form.Item label={t('tracing.onset')} name="onset_date" extra={t('tracing.onsetNote')}>
        <DatePicker disabledDate={(d) => d.isAfter(beijingTodayValue(), 'day')} />
      </Form.Item>
      <Form.Item label={t('tracing.outcome')} name="outcome">
        <CodeSelect ns="outcome" codes={OUTCOMES} allowClear disabled={c.outcome !== null} />
      </Form.Item>
    </FormModal>
  );
}

/** The contact rules in force, and for tracing.rules a form to change them with a reason. */
function RulesView({ mayEdit, version, onDone }: { mayEdit: boolean; version: number; onDone: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const res = useApi<RulesVersion>('/api/tracing/rules', version);
  const [editing, setEditing] = useState(false);
  const v = res.data;
  const levelLabel = (l: string) => t(`level.${l}`, { defaultValue: l });
  type KindRow = { kind: VenueKind; rule: VenueRule | null };
  const kindRows: KindRow[] = VENUE_KINDS.map((kind) => ({ kind, rule: v?.rules.venueKinds[kind] ?? null }));
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      {res.error && <Alert type="error" showIcon message={res.error} />}
      {res.loading && !v && <Card loading size="small" />}
      {v && (
        <Card
          size="small"
          className="tracing-rules"
          title={t('tracing.rulesInForce')}
          extra={
            mayEdit && (
              <Button size="small" type="primary" onClick={() => setEditing(true)}>
                {t('tracing.editRules')}
              </Button>
            )
          }
        >
          <Space direction="vertical" size="middle" style={{ width: '100%' }}>
            <Typography.Text type="secondary">
              {v.id === null
                ? t('tracing.rulesDefault')
                : t('tracing.rulesVersion', {
                    id: v.id,
                    at: f.dateTime(v.changed_at),
                    by: v.changed_by ?? '—',
                    reason: v.reason ?? '',
                  })}
            </Typography.Text>
            <Descriptions size="small" bordered column={{ xs: 1, md: 2 }}>
              <Descriptions.Item label={t('tracing.rule.lookbackDays')}>
                {t('tracing.days', { count: v.rules.lookbackDays })}
              </Descriptions.Item>
              <Descriptions.Item label={t('tracing.rule.floorsAround')}>
                {v.rules.floorsAround}
              </Descriptions.Item>
              <Descriptions.Item label={t('tracing.rule.venueDefault')}>
                {levelLabel(v.rules.venueLevel)} ·{' '}
                {t('tracing.minutes', { count: v.rules.venueWindowMinutes })}
              </Descriptions.Item>
              <Descriptions.Item label={t('tracing.rule.colocation')}>
                {levelLabel(v.rules.colocationLevel)} ·{' '}
                {t('tracing.overMinutes', { count: v.rules.colocationMinMinutes })}
              </Descriptions.Item>
            </Descriptions>
            <Table<KindRow>
              size="small"
              rowKey="kind"
              pagination={false}
              dataSource={kindRows}
              columns={[
                {
                  key: 'kind',
                  title: t('tracing.rule.venueKind'),
                  dataIndex: 'kind',
                  render: (k: string) => t(`venueKind.${k}`),
                },
                {
                  key: 'level',
                  title: t('tracing.level'),
                  render: (_: unknown, r) =>
                    r.rule
                      ? levelLabel(r.rule.level)
                      : `${levelLabel(v.rules.venueLevel)} (${t('tracing.default')})`,
                },
                {
                  key: 'window',
                  title: t('tracing.rule.window'),
                  render: (_: unknown, r) =>
                    t('tracing.minutes', { count: r.rule?.windowMinutes ?? v.rules.venueWindowMinutes }),
                },
              ]}
            />
          </Space>
        </Card>
      )}
      {editing && v && <RulesForm current={v.rules} onClose={() => setEditing(false)} onDone={onDone} />}
    </Space>
  );
}

interface RulesFormValues {
  lookbackDays: number;
  venueWindowMinutes: number;
  venueLevel: 'close' | 'general';
  colocationMinMinutes: number;
  colocationLevel: 'close' | 'secondary' | 'general';
  floorsAround: number;
  /** Per kind of venue: 'default' (the venue default) or a level with its window. */
  kinds: Record<VenueKind, { level: 'default' | 'close' | 'general'; windowMinutes?: number | null }>;
  reason: string;
}

function RulesForm({
  current,
  onClose,
  onDone,
}: {
  current: TracingRules;
  onClose: () => void;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const act = useAction();
  const [form] = Form.useForm<RulesFormValues>();
  const initial: Omit<RulesFormValues, 'reason'> = {
    lookbackDays: current.lookbackDays,
    venueWindowMinutes: current.venueWindowMinutes,
    venueLevel: current.venueLevel,
    colocationMinMinutes: current.colocationMinMinutes,
    colocationLevel: current.colocationLevel,
    floorsAround: current.floorsAround,
    kinds: Object.fromEntries(
      VENUE_KINDS.map((k) => {
        const r = current.venueKinds[k];
        return [k, r ? { level: r.level, windowMinutes: r.windowMinutes } : { level: 'default' }];
      }),
    ) as RulesFormValues['kinds'],
  };
  const submit = async (v: RulesFormValues) => {
    const venueKinds: Partial<Record<VenueKind, VenueRule>> = {};
    for (const k of VENUE_KINDS) {
      const r = v.kinds[k];
      if (r && r.level !== 'default')
        venueKinds[k] = { level: r.level, windowMinutes: r.windowMinutes ?? v.venueWindowMinutes };
    }
    const rules: TracingRules = {
      lookbackDays: v.lookbackDays,
      venueWindowMinutes: v.venueWindowMinutes,
      venueLevel: v.venueLevel,
      venueKinds,
      colocationMinMinutes: v.colocationMinMinutes,
      colocationLevel: v.colocationLevel,
      floorsAround: v.floorsAround,
    };
    const out = await act(
      () =>
        api<RulesVersion>('/api/tracing/rules', { method: 'PUT', body: { rules, reason: v.reason.trim() } }),
      (r) => t('tracing.rulesSaved', { id: r.id ?? '—' }),
      onDone,
    );
    if (out) onClose();
  };
  const levelOptions = (levels: readonly string[]) =>
    levels.map((l) => ({ value: l, label: t(`level.${l}`) }));
  return (
    <FormModal
      form={form}
      onSubmit={submit}
      width={720}
      title={t('tracing.editRules')}
      okText={t('tracing.saveRules')}
      onCancel={onClose}
      intro={
        <Alert type="warning" showIcon style={{ marginBottom: 12 }} message={t('tracing.rulesWarning')} />
      }
      formProps={{ initialValues: initial }}
    >
      <Space wrap align="start">
        <Form.Item label={t('tracing.rule.lookbackDays')} name="lookbackDays" rules={[{ required: true }]}>
          <InputNumber min={1} max={14} precision={0} />
        </Form.Item>
        <Form.Item label={t('tracing.rule.floorsAround')} name="floorsAround" rules={[{ required: true }]}>
          <InputNumber min={0} max={5} precision={0} />
        </Form.Item>
        <Form.Item label={t('tracing.rule.venueLevel')} name="venueLevel" rules={[{ required: true }]}>
          <Select style={{ width: 120 }} options={levelOptions(['close', 'general'])} />
        </Form.Item>
        <Form.Item
          label={t('tracing.rule.venueWindow')}
          name="venueWindowMinutes"
          rules={[{ required: true }]}
        >
          <InputNumber min={1} max={1440} precision={0} />
        </Form.Item>
        <Form.Item
          label={t('tracing.rule.colocationLevel')}
          name="colocationLevel"
          rules={[{ required: true }]}
        >
          <Select style={{ width: 120 }} options={levelOptions(['close', 'secondary', 'general'])} />
        </Form.Item>
        <Form.Item
          label={t('tracing.rule.colocationMin')}
          name="colocationMinMinutes"
          rules={[{ required: true }]}
        >
          <InputNumber min={1} max={1440} precision={0} />
        </Form.Item>
      </Space>
      <Typography.Text strong>{t('tracing.rule.venueKind')}</Typography.Text>
      {VENUE_KINDS.map((k) => (
        <Space key={k} wrap align="start" style={{ display: 'flex' }}>
          <Typography.Text style={{ display: 'inline-block', width: 90, paddingTop: 5 }}>
            {t(`venueKind.${k}`)}
          </Typography.Text>
          <Form.Item name={['kinds', k, 'level']} style={{ marginBottom: 8 }}>
            <Select
              style={{ width: 160 }}
              options={[
                { value: 'default', label: t('tracing.useDefault') },
                ...levelOptions(['close', 'general']),
              ]}
            />
          </Form.Item>
          <Form.Item name={['kinds', k, 'windowMinutes']} style={{ marginBottom: 8 }}>
            <InputNumber min={1} max={1440} precision={0} addonAfter={t('tracing.minutesUnit')} />
          </Form.Item>
        </Space>
      ))}
      <Form.Item
        label={t('tracing.rulesReason')}
        name="reason"
        rules={[{ required: true, min: 4, max: 500, whitespace: true, message: t('action.reasonRule') }]}
      >
        <Input.TextArea rows={2} />
      </Form.Item>
    </FormModal>
  );
}
