/**
 * 指挥调度 · 风险区: the zones in force with their lifting readiness, the suggested upgrades, and the zone
 * governing an area.
 */
import { Button, Card, Select, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, query } from '../../api.ts';
import { areaName } from '../../area-names.ts';
import type { ZoneSuggestion as Suggestion, Zone, ZoneLevel, ZoneOnly } from '../../contract.ts';
import { reasonText } from '../../reason-text.ts';
import {
  ACTIONS,
  areaColumn,
  byNumber,
  byString,
  type Column,
  ConfirmButton,
  DataTable,
  StatusTag,
  useAction,
  useApi,
  useFormat,
} from '../shared.tsx';
import { type Acting, JUNE_LEVELS, MARCH_LEVELS, ZONE_COLOURS } from './common.ts';
import { EffectiveZone } from './EffectiveZone.tsx';
import { type ZoneDraft, ZoneForm } from './ZoneForm.tsx';

export function ZonesView({ acting }: { acting: Acting }) {
  const { t } = useTranslation();
  const f = useFormat();
  const act = useAction();
  const { may, version, bump } = acting;
  const [ruleSet, setRuleSet] = useState<'march2022' | 'june2022'>('march2022');
  const [draft, setDraft] = useState<ZoneDraft | null>(null);
  const zones = useApi<{ items: Zone[] }>('/api/zones', version);
  const sugg = useApi<{ items: Suggestion[] }>(
    `/api/zones/suggestions${query({ rule_set: ruleSet })}`,
    version,
  );
  const rows = zones.data?.items ?? [];
  const manage = may('zone.manage');
  const lift = (z: Zone) =>
    act(
      () => api<ZoneOnly>(`/api/zones/${z.id}/lift`, { method: 'POST' }),
      (out) =>
        out.status === 'lifted'
          ? t('command.lifted', { area: areaName(z.area_code) })
          : t('command.steppedDown', { area: areaName(z.area_code), level: t(`zoneLevel.${out.level}`) }),
      bump,
    );
  const columns: Column<Zone>[] = [
    areaColumn({ title: t('common.areaName'), get: (r) => r.area_code }),
    {
      key: 'level',
      title: t('command.level'),
      dataIndex: 'level',
      filters: [...MARCH_LEVELS, ...JUNE_LEVELS].map((v) => ({ text: t(`zoneLevel.${v}`), value: v })),
      onFilter: (v, r) => r.level === v,
      render: (v: string) => <StatusTag ns="zoneLevel" value={v} colors={ZONE_COLOURS} />,
      exportValue: (r) => t(`zoneLevel.${r.level}`),
    },
    { key: 'reason', title: t('command.reason'), dataIndex: 'reason', ellipsis: true },
    {
      key: 'started_at',
      title: t('command.since'),
      dataIndex: 'started_at',
      render: f.dateTime,
      sorter: byString((r) => r.started_at),
    },
    {
      key: 'ready',
      title: t('command.readiness'),
      filters: [
        { text: t('command.ready'), value: 'yes' },
        { text: t('command.notReady'), value: 'no' },
      ],
      onFilter: (v, r) => (v === 'yes') === r.readiness.ready,
      render: (_: unknown, r) => (
        <Space direction="vertical" size={0}>
          <Tag color={r.readiness.ready ? 'green' : 'default'}>
            {r.readiness.ready ? t('command.ready') : t('command.notReady')}
          </Tag>
          {r.readiness.checks.map((c) => (
            <Typography.Text key={c.rule} type={c.ok ? 'success' : 'danger'} style={{ fontSize: 12 }}>
              {c.ok ? '✓' : '✗'} {t(`rule.${c.rule}`, { defaultValue: c.rule })} —{' '}
              {reasonText(c.phrase, c.detail)}
            </Typography.Text>
          ))}
        </Space>
      ),
      exportValue: (r) =>
        `${r.readiness.ready ? t('command.ready') : t('command.notReady')}: ${r.readiness.checks
          .map(
            (c) =>
              `${c.ok ? '✓' : '✗'} ${t(`rule.${c.rule}`, { defaultValue: c.rule })} (${reasonText(c.phrase, c.detail)})`,
          )
          .join('; ')}`,
    },
    ...(manage
      ? [
          {
            key: ACTIONS,
            title: t('action.actions'),
            render: (_: unknown, r: Zone) => {
              const stepDown = r.level === 'high' || r.level === 'medium';
              return (
                <Space wrap>
                  <ConfirmButton
                    danger
                    title={
                      stepDown
                        ? t('command.confirmStepDown', { area: areaName(r.area_code) })
                        : t('command.confirmLift', { area: areaName(r.area_code) })
                    }
                    description={r.readiness.ready ? t('command.allMet') : t('command.notAllMet')}
                    onConfirm={() => lift(r)}
                  >
                    {stepDown ? t('command.stepDown') : t('command.lift')}
                  </ConfirmButton>
                  <Button size="small" onClick={() => setDraft({ area_code: r.area_code })}>
                    {t('command.changeLevel')}
                  </Button>
                </Space>
              );
            },
          } satisfies Column<Zone>,
        ]
      : []),
  ];
  const suggRows = sugg.data?.items ?? [];
  const suggColumns: Column<Suggestion>[] = [
    areaColumn({ title: t('common.areaName'), get: (r) => r.area_code }),
    {
      key: 'current',
      title: t('command.current'),
      dataIndex: 'current',
      render: (v: string | null) =>
        v ? <StatusTag ns="zoneLevel" value={v} colors={ZONE_COLOURS} /> : t('command.noZone'),
      exportValue: (r) => (r.current ? t(`zoneLevel.${r.current}`) : t('command.noZone')),
    },
    {
      key: 'suggested',
      title: t('command.suggested'),
      dataIndex: 'suggested',
      render: (v: string) => <StatusTag ns="zoneLevel" value={v} colors={ZONE_COLOURS} />,
      exportValue: (r) => t(`zoneLevel.${r.suggested}`),
    },
    { key: 'cases', title: t('command.cases24h'), dataIndex: 'cases', sorter: byNumber((r) => r.cases) },
    {
      key: 'reason',
      title: t('command.reason'),
      render: (_: unknown, r) => reasonText(r.reason_phrase, r.reason),
      exportValue: (r) => reasonText(r.reason_phrase, r.reason),
    },
    ...(manage
      ? [
          {
            key: ACTIONS,
            title: t('action.actions'),
            render: (_: unknown, r: Suggestion) => (
              <Button
                size="small"
                onClick={() =>
                  setDraft({
                    area_code: r.area_code,
                    level: r.suggested as ZoneLevel,
                    reason: reasonText(r.reason_phrase, r.reason).slice(0, 500),
                  })
                }
              >
                {t('command.adopt')}
              </Button>
            ),
          } satisfies Column<Suggestion>,
        ]
      : []),
  ];
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Card size="small" title={t('command.activeZones')}>
        <DataTable<Zone>
          rows={rows}
          columns={columns}
          rowKey="id"
          loading={zones.loading}
          error={zones.error}
          exportName={t('command.zones')}
          toolbar={
            manage && (
              <Button size="small" type="primary" onClick={() => setDraft({})}>
                {t('command.setZone')}
              </Button>
            )
          }
        />
      </Card>
      <Card size="small" title={t('command.suggestions')}>
        <DataTable<Suggestion>
          rows={suggRows}
          columns={suggColumns}
          rowKey="area_code"
          loading={sugg.loading}
          error={sugg.error}
          exportName={t('command.suggestions')}
          toolbar={
            <Select
              size="small"
              style={{ width: 300 }}
              value={ruleSet}
              onChange={setRuleSet}
              options={[
                { value: 'march2022', label: t('command.ruleSet.march2022') },
                { value: 'june2022', label: t('command.ruleSet.june2022') },
              ]}
            />
          }
        />
      </Card>
      <EffectiveZone version={version} />
      {draft && <ZoneForm draft={draft} onClose={() => setDraft(null)} onDone={bump} />}
    </Space>
  );
}
