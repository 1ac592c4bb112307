/** The requests with their steps, urgency, colour and the reasons in words. */
import { Card, Checkbox, Space, Steps, Tag, Tooltip } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Hospital as HospitalItem, MedicalRequest as RequestItem } from '../../contract.ts';
import { CodeSelect, useCursorList } from '../filters.tsx';
import { ACTIONS, areaColumn, byString, type Column, DataTable, useFormat } from '../shared.tsx';
import { COLOUR_TAG, PAGE, URGENCIES } from './common.ts';
import { RequestActions } from './RequestActions.tsx';

const STEP_ORDER = ['requested', 'routed', 'vehicle_assigned', 'at_hospital', 'treated'] as const;

const URGENCY_TAG: Record<string, string> = { emergency: 'red', urgent: 'orange', routine: 'default' };

/** A routing or colour reason: a code and its parameters. */
type Reason = RequestItem['colour_reason'];

/** A reason (code + parameters) in words: colours and services in words too. */
function useReasonText() {
  const { t } = useTranslation();
  return (r: Reason | null | undefined) => {
    if (!r) return '—';
    const p = { ...r.params };
    if (typeof p.colour === 'string') p.colour = t(`medical.colour.${p.colour}`);
    if (typeof p.service === 'string') p.service = t(`medical.service.${p.service}`);
    return t(`medical.reason.${r.code}`, { ...p, defaultValue: t('medical.list.why') });
  };
}

function StepsOf({ r }: { r: RequestItem }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const at: Record<string, string | null> = {
    requested: r.requested_at,
    routed: r.routed_at,
    vehicle_assigned: r.vehicle_assigned_at,
    at_hospital: r.at_hospital_at,
    treated: r.treated_at,
  };
  const current = r.status === 'refused' ? 1 : STEP_ORDER.indexOf(r.status as (typeof STEP_ORDER)[number]);
  return (
    <Steps
      size="small"
      current={current}
      status={r.status === 'refused' ? 'error' : r.status === 'treated' ? 'finish' : 'process'}
      items={STEP_ORDER.map((s) => ({
        title: t(`medical.steps.${s}`),
        description: at[s] ? fmt.dateTime(at[s]) : undefined,
      }))}
    />
  );
}

export function RequestList({
  version,
  bump,
  hospitals,
  mayDispatch,
}: {
  version: number;
  bump: () => void;
  hospitals: HospitalItem[];
  mayDispatch: boolean;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const reasonText = useReasonText();
  const [status, setStatus] = useState<string | undefined>();
  const [urgency, setUrgency] = useState<string | undefined>();
  const [open, setOpen] = useState(false);
  const filters = { status, urgency, open: open ? 'true' : undefined };
  const paged = useCursorList<RequestItem>('/api/medical/requests', filters, version, PAGE);
  const { total, refilter } = paged;
  const columns: Column<RequestItem>[] = [
    {
      key: 'person',
      title: t('medical.list.person'),
      render: (_, r) => (
        <Tooltip title={r.id_number}>{r.person_name ?? t('medical.personNo', { id: r.person_id })}</Tooltip>
      ),
      sorter: byString((r) => r.person_name),
    },
    areaColumn({ key: 'area', title: t('medical.list.area'), get: (r) => r.area_code }),
    {
      key: 'service',
      title: t('medical.list.service'),
      render: (_, r) => t(`medical.service.${r.service}`),
    },
    {
      key: 'urgency',
      title: t('medical.list.urgency'),
      render: (_, r) => <Tag color={URGENCY_TAG[r.urgency]}>{t(`medical.urgency.${r.urgency}`)}</Tag>,
    },
    {
      key: 'colour',
      title: t('medical.list.colour'),
      render: (_, r) => <Tag color={COLOUR_TAG[r.code_colour]}>{t(`medical.colour.${r.code_colour}`)}</Tag>,
    },
    {
      key: 'status',
      title: t('medical.list.status'),
      render: (_, r) => (
        <Tag color={r.status === 'refused' ? 'red' : r.status === 'treated' ? 'green' : 'blue'}>
          {t(`medical.status.${r.status}`)}
        </Tag>
      ),
    },
    { key: 'hospital', title: t('medical.list.hospital'), render: (_, r) => r.hospital_name ?? '—' },
    { key: 'vehicle', title: t('medical.list.vehicle'), render: (_, r) => r.plate ?? '—' },
    { key: 'phone', title: t('medical.list.phone'), dataIndex: 'contact_phone' },
    {
      key: 'requested_at',
      title: t('medical.list.requestedAt'),
      render: (_, r) => fmt.dateTime(r.requested_at),
      sorter: byString((r) => r.requested_at),
    },
    ...(mayDispatch
      ? [
          {
            key: ACTIONS,
            title: '',
            render: (_: unknown, r: RequestItem) => (
              <RequestActions r={r} hospitals={hospitals} after={bump} />
            ),
          },
        ]
      : []),
  ];
  return (
    <Card
      size="small"
      title={`${t('medical.list.title')}（${fmt.number(total ?? 0)}）`}
      style={{ marginBottom: 16 }}
    >
      <DataTable<RequestItem>
        {...paged.table}
        columns={columns}
        rowKey="id"
        exportName={t('medical.list.title')}
        toolbar={
          <>
            <CodeSelect
              ns="medical.status"
              size="small"
              allowClear
              style={{ width: 120 }}
              placeholder={t('medical.list.status')}
              value={status}
              onChange={refilter(setStatus)}
            />
            <CodeSelect
              ns="medical.urgency"
              codes={URGENCIES}
              size="small"
              allowClear
              style={{ width: 110 }}
              placeholder={t('medical.list.urgency')}
              value={urgency}
              onChange={refilter(setUrgency)}
            />
            <Checkbox checked={open} onChange={(e) => refilter(setOpen)(e.target.checked)}>
              {t('medical.list.openOnly')}
            </Checkbox>
          </>
        }
        expandable={{
          expandedRowRender: (r) => (
            <Space direction="vertical" size={4} style={{ width: '100%' }}>
              <StepsOf r={r} />
              <span>
                {t('medical.list.colourWhy')}：{t(`medical.colourReason.${r.colour_reason.code}`)}（
                {t(`medical.basis.${r.basis}`)}）
              </span>
              {r.route_reason && (
                <span>
                  {t('medical.list.why')}：{reasonText(r.route_reason)}
                </span>
              )}
              {r.note && (
                <span>
                  {t('medical.list.note')}：{r.note}
                </span>
              )}
            </Space>
          ),
        }}
      />
    </Card>
  );
}
