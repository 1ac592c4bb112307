/** 系统管理 · 审计日志: the log filtered, in the API's keyset pages, with its export; the chain check above it. */
import { Button, Card, Form, Input, InputNumber, Select, Space, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  AUDIT_ACTIONS,
  AUDIT_SUBJECTS,
  auditDetailsText,
} from '../../../../src/modules/access/audit-words.ts';
import { query } from '../../api.ts';
import { areaFullName, prefetchAreaNames, useAreaNamesVersion } from '../../area-names.ts';
import type { AuditPage, AuditRow, User } from '../../contract.ts';
import {
  areaColumn,
  BeijingDatePicker,
  type Column,
  cursorPaging,
  DataTable,
  useApi,
  useKeyset,
} from '../shared.tsx';
import { useBeijingTime } from './common.tsx';
import { VerifyChain } from './VerifyChain.tsx';

const PAGE_SIZES = [20, 50, 100, 200];

/** The audit actions and subject types with words (shared with the server's export of the log). */
const SUBJECT_TYPES = AUDIT_SUBJECTS;

/** A Beijing day (YYYY-MM-DD) as the instant it starts. */
const beijingMidnight = (day: string) => `${day}T00:00:00+08:00`;

/** Kinds of actor the log names (the server's AuditFilterQuery.actor_kind). */
const ACTOR_KINDS = ['user', 'token', 'cli', 'system'] as const;
type ActorKind = (typeof ACTOR_KINDS)[number];

interface AuditFilterValues {
  action?: string;
  actor_kind?: ActorKind | null;
  actor_id?: number | null;
  subject_type?: string;
  subject_id?: string;
  period?: [Dayjs, Dayjs] | null;
  limit: number;
}

interface AuditQuery {
  action?: string;
  actor_kind?: ActorKind;
  actor_id?: number;
  subject_type?: string;
  subject_id?: string;
  from?: string;
  to?: string;
  limit: number;
}

export function AuditView({ users, version }: { users: User[] | null; version: number }) {
  const { t, i18n } = useTranslation();
  const time = useBeijingTime();
  const [form] = Form.useForm<AuditFilterValues>();
  const [filter, setFilter] = useState<AuditQuery>({ limit: 50 });
  const keyset = useKeyset();
  const audit = useApi<AuditPage>(`/api/audit${query({ ...filter, after: keyset.after })}`, version);
  const en = i18n.language === 'en';
  const rows = useMemo(() => audit.data?.items ?? [], [audit.data]);

  const apply = (v: AuditFilterValues) => {
    const [from, to] = v.period ?? [];
    setFilter({
      action: v.action || undefined,
      // actor_id names an account or a token alike: a filter by account keeps the entries of accounts.
      actor_kind: v.actor_kind ?? (v.actor_id != null ? 'user' : undefined),
      actor_id: v.actor_id ?? undefined,
      subject_type: v.subject_type || undefined,
      subject_id: v.subject_id?.trim() || undefined,
      from: from ? beijingMidnight(from.format('YYYY-MM-DD')) : undefined,
      to: to ? beijingMidnight(to.add(1, 'day').format('YYYY-MM-DD')) : undefined,
      limit: v.limit,
    });
    keyset.reset();
  };

  const actionWord = (a: string) => t(`admin.audit.actions.${a}`, { defaultValue: a });
  const subjectWord = (s: string) => t(`admin.audit.subjects.${s}`, { defaultValue: s });
  const actorText = (r: AuditRow) =>
    `${t(`admin.audit.actorKind.${r.actor_kind}`, { defaultValue: r.actor_kind })} ${r.actor_name}`;
  const subjectText = (r: AuditRow) =>
    r.subject_type
      ? `${subjectWord(r.subject_type)}${r.subject_id ? (r.subject_name ? ` ${r.subject_name}（${r.subject_id}）` : ` ${r.subject_id}`) : ''}`
      : '—';
  // The same words as the server's export of the log (one definition: src/modules/access/audit-words.ts).
  useAreaNamesVersion(); // names of the areas the details name, once loaded
  const detailText = (r: AuditRow) => auditDetailsText(r.details, r.action, en ? 'en' : 'zh', areaFullName);
  useEffect(() => {
    prefetchAreaNames(rows.flatMap((r) => [r.details?.area, r.details?.areas].flat() as string[]));
  }, [rows]);

  const columns: Column<AuditRow>[] = [
    { key: 'id', title: t('admin.audit.id'), dataIndex: 'id' },
    {
      key: 'at',
      title: t('admin.audit.at'),
      dataIndex: 'at',
      render: (v: string) => time(v),
      exportValue: (r) => time(r.at),
    },
    {
      key: 'actor',
      title: t('admin.audit.actor'),
      render: (_: unknown, r: AuditRow) => actorText(r),
      exportValue: actorText,
    },
    {
      key: 'action',
      title: t('admin.audit.action'),
      dataIndex: 'action',
      render: (v: string) => (
        <Tag color={v.endsWith('failed') || v === 'person.unmask' ? 'orange' : undefined}>
          {actionWord(v)}
        </Tag>
      ),
      exportValue: (r) => actionWord(r.action),
    },
    {
      key: 'subject',
      title: t('admin.audit.subject'),
      render: (_: unknown, r: AuditRow) => subjectText(r),
      exportValue: subjectText,
    },
    areaColumn({ key: 'area_code', title: t('admin.audit.area'), get: (r: AuditRow) => r.area_code }),
    { key: 'reason', title: t('admin.audit.reason'), dataIndex: 'reason', render: (v) => v ?? '—' },
    {
      key: 'details',
      title: t('admin.audit.details'),
      render: (_: unknown, r: AuditRow) => {
        const text = detailText(r);
        return text ? (
          <Typography.Text style={{ maxWidth: 420 }} ellipsis={{ tooltip: text }}>
            {text}
          </Typography.Text>
        ) : (
          '—'
        );
      },
      exportValue: detailText,
    },
  ];

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <VerifyChain />
      <Card size="small" title={t('admin.audit.title')}>
        <Form<AuditFilterValues>
          name="admin-audit"
          form={form}
          layout="inline"
          initialValues={{ limit: 50 }}
          onFinish={apply}
          style={{ rowGap: 8, marginBottom: 12 }}
        >
          <Form.Item name="action" label={t('admin.audit.filters.action')}>
            <Select
              allowClear
              showSearch
              optionFilterProp="label"
              placeholder={t('admin.audit.filters.anyAction')}
              style={{ width: 200 }}
              popupMatchSelectWidth={false}
              options={AUDIT_ACTIONS.map((a) => ({ value: a, label: actionWord(a) }))}
            />
          </Form.Item>
          <Form.Item name="actor_kind" label={t('admin.audit.filters.actorKind')}>
            <Select
              allowClear
              placeholder={t('admin.audit.filters.anyActorKind')}
              style={{ width: 130 }}
              popupMatchSelectWidth={false}
              options={ACTOR_KINDS.map((k) => ({ value: k, label: t(`admin.audit.actorKind.${k}`) }))}
            />
          </Form.Item>
          <Form.Item name="actor_id" label={t('admin.audit.filters.actor')}>
            {users ? (
              <Select
                allowClear
                showSearch
                optionFilterProp="label"
                placeholder={t('admin.audit.filters.anyActor')}
                style={{ width: 200 }}
                popupMatchSelectWidth={false}
                options={users.map((u) => ({ value: u.id, label: `${u.display_name}（${u.username}）` }))}
              />
            ) : (
              <InputNumber
                min={1}
                precision={0}
                placeholder={t('admin.audit.filters.actorId')}
                style={{ width: 160 }}
              />
            )}
          </Form.Item>
          <Form.Item name="subject_type" label={t('admin.audit.filters.subjectType')}>
            <Select
              allowClear
              placeholder={t('admin.audit.filters.anySubject')}
              style={{ width: 150 }}
              popupMatchSelectWidth={false}
              options={SUBJECT_TYPES.map((s) => ({ value: s, label: subjectWord(s) }))}
            />
          </Form.Item>
          <Form.Item name="subject_id" label={t('admin.audit.filters.subjectId')}>
            <Input allowClear maxLength={40} style={{ width: 120 }} />
          </Form.Item>
          <Form.Item name="period" label={t('admin.audit.filters.period')}>
            <BeijingDatePicker.RangePicker />
          </Form.Item>
          <Form.Item name="limit" label={t('admin.audit.filters.pageSize')}>
            <Select
              style={{ width: 110 }}
              options={PAGE_SIZES.map((n) => ({ value: n, label: t('admin.audit.filters.rows', { n }) }))}
            />
          </Form.Item>
          <Form.Item>
            <Space>
              <Button type="primary" htmlType="submit">
                {t('admin.audit.filters.search')}
              </Button>
              <Button
                onClick={() => {
                  form.resetFields();
                  apply({ limit: 50 });
                }}
              >
                {t('admin.audit.filters.reset')}
              </Button>
            </Space>
          </Form.Item>
        </Form>
        <DataTable<AuditRow>
          rows={rows}
          columns={columns}
          rowKey="id"
          loading={audit.loading}
          error={audit.error}
          exportName={t('admin.audit.title')}
          serverExport={`/api/audit/export${query({ ...filter, limit: undefined })}`}
          toolbar={<Typography.Text type="secondary">{t('admin.audit.order')}</Typography.Text>}
          serverPaging={cursorPaging(keyset, audit.data?.next_after)}
        />
      </Card>
    </Space>
  );
}
