/**
 * The open stays and their actions: arrive, release, discharge, a health check, the personal self-report link
 * (shown once, with its QR code) and a move to another site.
 */
import { Alert, Button, Modal, QRCode, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import type { SelfReportLink, Stay, StayArrived, StayReleased } from '../../contract.ts';
import { reasonText } from '../../reason-text.ts';
import { AllOrCodeSelect, useCursorList } from '../filters.tsx';
import {
  ACTIONS,
  areaColumn,
  byNumber,
  byString,
  type Column,
  ConfirmButton,
  codedColumn,
  DataTable,
  filtersFrom,
  StatusTag,
  useAction,
  useFormat,
} from '../shared.tsx';
import { stayWho } from './common.ts';
import { DischargeForm, HealthForm, MoveForm } from './StayForms.tsx';

/** Stays a page shows. */
const STAYS_PAGE = 200;

/** The form open on a stay, if any. */
type StayDialog =
  | { kind: 'discharge' | 'health' | 'move'; stay: Stay }
  | { kind: 'link'; stay: Stay; url: string; revokedPrevious: boolean };

export function StaysView({ version, onDone }: { version: number; onDone: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const act = useAction();
  const [status, setStatus] = useState<string | undefined>();
  const [dialog, setDialog] = useState<StayDialog | null>(null);
  // Pages of 200 by the server's cursor: a district holds tens of thousands of stays.
  const paged = useCursorList<Stay>('/api/isolation/stays', { status }, version, STAYS_PAGE);
  const rows = paged.table.rows;
  const unitText = (r: Stay): string =>
    r.room !== null
      ? `${t('unitKind.room')} ${r.room}`
      : r.bed !== null
        ? `${t('unitKind.bed')} ${r.bed}`
        : '';
  const step = (r: Stay, name: 'arrive' | 'release') =>
    name === 'arrive'
      ? act(
          () => api<StayArrived>(`/api/isolation/stays/${r.id}/arrive`, { method: 'POST' }),
          () => t('isolation.arrived', { who: stayWho(r, t) }),
          onDone,
        )
      : act(
          () => api<StayReleased>(`/api/isolation/stays/${r.id}/release`, { method: 'POST' }),
          (out) => t('isolation.released', { who: stayWho(r, t), days: out.homeMonitoringDays }),
          onDone,
        );
  const issueLink = async (r: Stay) => {
    const out = await act(
      () => api<SelfReportLink>(`/api/isolation/stays/${r.id}/self-report-link`, { method: 'POST' }),
      () => t('isolation.linkIssued', { who: stayWho(r, t) }),
    );
    if (out)
      setDialog({
        kind: 'link',
        stay: r,
        url: new URL(out.path, window.location.origin).toString(),
        revokedPrevious: out.revoked_previous,
      });
  };
  const now = Date.now();
  const columns: Column<Stay>[] = [
    { key: 'id', title: t('isolation.stayId'), dataIndex: 'id', sorter: byNumber((r) => r.id) },
    {
      key: 'person',
      title: t('command.person'),
      render: (_: unknown, r) => r.person_name ?? t('command.personNo', { id: r.person_id }),
      exportValue: (r) => r.person_name ?? t('command.personNo', { id: r.person_id }),
    },
    areaColumn({ title: t('common.areaName'), get: (r) => r.area_code }),
    codedColumn({
      key: 'category',
      title: t('isolation.category'),
      field: 'category',
      rows: rows,
      ns: 'category',
      t,
    }),
    {
      key: 'site',
      title: t('isolation.site'),
      dataIndex: 'site',
      sorter: byString((r) => r.site),
      filters: filtersFrom(rows, (r) => r.site),
      onFilter: (v, r) => r.site === v,
    },
    {
      key: 'unit',
      title: t('isolation.unit'),
      render: (_: unknown, r) => unitText(r) || '—',
      exportValue: (r) => unitText(r),
    },
    {
      key: 'status',
      title: t('isolation.stayStatus'),
      dataIndex: 'status',
      render: (v: string) => (
        <StatusTag ns="stayStatus" value={v} colors={{ placed: 'orange', arrived: 'green' }} />
      ),
      exportValue: (r) => t(`stayStatus.${r.status}`, { defaultValue: r.status }),
    },
    {
      key: 'found_at',
      title: t('tracing.foundAt'),
      dataIndex: 'found_at',
      render: f.dateTime,
      sorter: byString((r) => r.found_at),
    },
    {
      key: 'placed_at',
      title: t('isolation.placedAt'),
      dataIndex: 'placed_at',
      render: f.dateTime,
      sorter: byString((r) => r.placed_at),
    },
    {
      key: 'arrived_at',
      title: t('isolation.arrivedAt'),
      dataIndex: 'arrived_at',
      render: f.dateTime,
      sorter: byString((r) => r.arrived_at),
    },
    {
      key: 'due_at',
      title: t('isolation.dueAt'),
      dataIndex: 'due_at',
      sorter: byString((r) => r.due_at),
      render: (v: string | null) =>
        v && new Date(v).getTime() < now ? <Tag color="red">{f.dateTime(v)}</Tag> : f.dateTime(v),
    },
    {
      key: 'reason',
      title: t('isolation.reason'),
      ellipsis: true,
      render: (_: unknown, r) => reasonText(r.reason_phrase, r.reason) || '—',
      exportValue: (r) => reasonText(r.reason_phrase, r.reason),
    },
    {
      key: ACTIONS,
      title: t('action.actions'),
      fixed: 'right',
      render: (_: unknown, r) => (
        <Space wrap size={4}>
          {r.status === 'placed' && (
            <ConfirmButton
              type="primary"
              title={t('isolation.confirmArrive', { who: stayWho(r, t), site: r.site })}
              description={t('isolation.arriveNote')}
              onConfirm={() => step(r, 'arrive')}
            >
              {t('isolation.arrive')}
            </ConfirmButton>
          )}
          {r.status === 'arrived' && r.category !== 'case' && (
            <ConfirmButton
              title={t('isolation.confirmRelease', { who: stayWho(r, t) })}
              description={r.due_at ? t('isolation.termEnds', { at: f.dateTime(r.due_at) }) : undefined}
              onConfirm={() => step(r, 'release')}
            >
              {t('isolation.release')}
            </ConfirmButton>
          )}
          {r.status === 'arrived' && r.category === 'case' && (
            <Button size="small" onClick={() => setDialog({ kind: 'discharge', stay: r })}>
              {t('isolation.discharge')}
            </Button>
          )}
          {r.status === 'arrived' && (
            <Button size="small" onClick={() => setDialog({ kind: 'health', stay: r })}>
              {t('isolation.health')}
            </Button>
          )}
          <ConfirmButton
            title={t('isolation.confirmLink', { who: stayWho(r, t) })}
            description={t('isolation.linkNote')}
            onConfirm={() => issueLink(r)}
          >
            {t('isolation.link')}
          </ConfirmButton>
          <Button size="small" onClick={() => setDialog({ kind: 'move', stay: r })}>
            {t('isolation.move')}
          </Button>
        </Space>
      ),
    },
  ];
  const close = () => setDialog(null);
  return (
    <>
      <DataTable<Stay>
        {...paged.table}
        columns={columns}
        rowKey="id"
        exportName={t('isolation.stays')}
        toolbar={
          <AllOrCodeSelect
            ns="stayStatus"
            codes={['placed', 'arrived']}
            size="small"
            style={{ width: 140 }}
            value={status}
            onChange={paged.refilter(setStatus)}
          />
        }
      />
      {dialog?.kind === 'discharge' && <DischargeForm stay={dialog.stay} onClose={close} onDone={onDone} />}
      {dialog?.kind === 'health' && <HealthForm stay={dialog.stay} onClose={close} onDone={onDone} />}
      {dialog?.kind === 'move' && <MoveForm stay={dialog.stay} onClose={close} onDone={onDone} />}
      {dialog?.kind === 'link' && (
        <Modal
          open
          title={t('isolation.linkTitle', { who: stayWho(dialog.stay, t) })}
          onCancel={close}
          footer={<Button onClick={close}>{t('action.close')}</Button>}
        >
          <Space direction="vertical" align="center" style={{ width: '100%' }}>
            <Alert
              type="warning"
              showIcon
              message={t('isolation.linkOnce')}
              description={dialog.revokedPrevious ? t('isolation.linkRevokedPrevious') : undefined}
            />
            <QRCode value={dialog.url} size={220} />
            <Typography.Text className="self-report-url" copyable={{ text: dialog.url }} code>
              {dialog.url}
            </Typography.Text>
          </Space>
        </Modal>
      )}
    </>
  );
}
