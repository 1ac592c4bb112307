/** 清仓 placing: everyone waiting in the jurisdiction placed under the 8th or 9th edition, and who still waits and why. */
import { Alert, Card, Radio, Space, Table, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import type { AutoPlacementState, PlacementRunRow, PlaceRun } from '../../contract.ts';
import { reasonText } from '../../reason-text.ts';
import { AreaName, ConfirmButton, PersonName, useAction, useApi, useFormat } from '../shared.tsx';

/** 自动安置: the switch of this jurisdiction, what covers it, and the latest runs (by hand and automatic). */
function AutoPlacement({
  edition,
  version,
  onDone,
}: {
  edition: '8th' | '9th';
  version: number;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const act = useAction();
  // The job works while the page is open: asked again every minute.
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), 60_000);
    return () => clearInterval(timer);
  }, []);
  const state = useApi<AutoPlacementState>('/api/isolation/auto-placement', version + tick);
  const runs = useApi<{ items: PlacementRunRow[] }>('/api/isolation/placement-runs?limit=10', version + tick);
  const s = state.data;
  const switchTo = (enabled: boolean) =>
    act(
      () =>
        api<AutoPlacementState>('/api/isolation/auto-placement', {
          method: 'PUT',
          body: { enabled, edition },
        }),
      () => t(enabled ? 'isolation.auto.switchedOn' : 'isolation.auto.switchedOff'),
      onDone,
    );
  const editionName = (e: string | null | undefined) => (e ? t(`isolation.edition.${e}`) : '');
  return (
    <div className="auto-placement" style={{ marginTop: 12 }}>
      {s && (
        <Space wrap>
          <Typography.Text strong>{t('isolation.auto.title')}</Typography.Text>
          <Tag color={s.enabled ? 'green' : 'default'}>
            {s.enabled ? `${t('isolation.auto.on')} · ${editionName(s.edition)}` : t('isolation.auto.off')}
          </Tag>
          {s.enabled ? (
            <ConfirmButton title={t('isolation.auto.confirmOff')} onConfirm={() => switchTo(false)}>
              {t('isolation.auto.turnOff')}
            </ConfirmButton>
          ) : (
            <ConfirmButton
              title={t('isolation.auto.confirmOn', { edition: editionName(edition) })}
              onConfirm={() => switchTo(true)}
            >
              {t('isolation.auto.turnOn')}
            </ConfirmButton>
          )}
          {s.enabled && (
            <Typography.Text type="secondary">
              {s.last_run_at
                ? t('isolation.auto.lastRun', { at: f.dateTime(s.last_run_at), waiting: s.last_waiting ?? 0 })
                : t('isolation.auto.neverRun')}
            </Typography.Text>
          )}
        </Space>
      )}
      {s && (
        <div>
          <Typography.Text type="secondary">
            {t('isolation.auto.note', {
              every:
                s.every_seconds >= 60
                  ? t('isolation.auto.everyMinutes', { n: Math.round(s.every_seconds / 6) / 10 })
                  : t('isolation.auto.everySeconds', { n: s.every_seconds }),
              edition: editionName(s.enabled ? s.edition : edition),
            })}
          </Typography.Text>
        </div>
      )}
      {s?.covered_by && (
        <Alert
          style={{ marginTop: 8 }}
          type="info"
          showIcon
          message={
            <span>
              {t('isolation.auto.covered', { edition: editionName(s.covered_by.edition) })}{' '}
              {s.covered_by.scope_prefix ? (
                <AreaName code={s.covered_by.scope_prefix} />
              ) : (
                t('isolation.auto.everywhere')
              )}
            </span>
          }
        />
      )}
      {runs.data && runs.data.items.length > 0 && (
        <Table<PlacementRunRow>
          className="placement-runs"
          size="small"
          rowKey="id"
          style={{ marginTop: 8 }}
          title={() => t('isolation.auto.runs')}
          dataSource={runs.data.items}
          pagination={false}
          columns={[
            {
              key: 'started_at',
              title: t('isolation.auto.startedAt'),
              dataIndex: 'started_at',
              render: f.dateTime,
            },
            {
              key: 'trigger',
              title: t('isolation.auto.by'),
              render: (_: unknown, r) =>
                r.trigger === 'auto'
                  ? t('isolation.auto.system')
                  : r.actor
                    ? r.actor.replace(/^[a-z]+:/, '')
                    : t('isolation.auto.wider'),
            },
            {
              key: 'scope',
              title: t('isolation.auto.scope'),
              render: (_: unknown, r) =>
                r.scope_prefix ? <AreaName code={r.scope_prefix} /> : t('isolation.auto.everywhere'),
            },
            {
              key: 'edition',
              title: t('isolation.editionCol'),
              render: (_: unknown, r) => editionName(r.edition),
            },
            { key: 'placed', title: t('isolation.auto.placed'), dataIndex: 'placed', align: 'right' },
            { key: 'waiting', title: t('isolation.auto.waiting'), dataIndex: 'waiting', align: 'right' },
            {
              key: 'home_isolated',
              title: t('isolation.auto.homeIsolated'),
              dataIndex: 'home_isolated',
              align: 'right',
            },
            {
              key: 'seconds',
              title: t('isolation.auto.seconds'),
              dataIndex: 'seconds',
              align: 'right',
              render: (v: number) => f.number(Number(v.toFixed(1))),
            },
          ]}
        />
      )}
    </div>
  );
}

/** Places everyone waiting in the jurisdiction under the chosen edition; shows who still waits and why. */
export function PlaceBacklog({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const act = useAction();
  const [edition, setEdition] = useState<'8th' | '9th'>('8th');
  const [run, setRun] = useState<PlaceRun | null>(null);
  // Asks the switch and the runs again after a run or a switch.
  const [version, setVersion] = useState(0);
  const done = () => {
    setVersion((v) => v + 1);
    onDone();
  };
  const placedMessage = (r: PlaceRun) =>
    `${t('isolation.placedMessage', { placed: r.placed, waiting: r.waiting.length })}${
      r.home_isolated ? t('isolation.homeIsolated', { count: r.home_isolated }) : ''
    }`;
  return (
    <Card size="small">
      <Space wrap>
        <Typography.Text strong>{t('isolation.placeTitle')}</Typography.Text>
        <Radio.Group
          size="small"
          value={edition}
          onChange={(e) => setEdition(e.target.value)}
          options={[
            { value: '8th', label: t('isolation.edition.8th') },
            { value: '9th', label: t('isolation.edition.9th') },
          ]}
          optionType="button"
        />
        <ConfirmButton
          type="primary"
          title={t('isolation.confirmPlace', { edition: t(`isolation.edition.${edition}`) })}
          onConfirm={async () => {
            const out = await act(
              () => api<PlaceRun>('/api/isolation/place', { method: 'POST', body: { edition } }),
              (r) => placedMessage(r),
              done,
            );
            if (out) setRun(out);
          }}
        >
          {t('isolation.place')}
        </ConfirmButton>
        <Typography.Text type="secondary">{t('isolation.placeNote')}</Typography.Text>
      </Space>
      <AutoPlacement edition={edition} version={version} onDone={done} />
      {run && (
        <div className="place-result" style={{ marginTop: 12 }}>
          <Alert
            type={run.waiting.length > 0 ? 'warning' : 'success'}
            showIcon
            closable
            onClose={() => setRun(null)}
            message={placedMessage(run)}
          />
          {run.waiting.length > 0 && (
            <Table<PlaceRun['waiting'][number]>
              size="small"
              rowKey="personId"
              style={{ marginTop: 8 }}
              dataSource={run.waiting}
              pagination={{ pageSize: 10, hideOnSinglePage: true }}
              columns={[
                {
                  key: 'personId',
                  title: t('tracing.person'),
                  render: (_: unknown, w) => <PersonName id={w.personId} />,
                },
                {
                  key: 'reason',
                  title: t('isolation.waitingReason'),
                  render: (_: unknown, w) => reasonText(w.phrase, w.reason),
                },
                {
                  key: 'waitingSince',
                  title: t('isolation.waitingSince'),
                  dataIndex: 'waitingSince',
                  render: f.dateTime,
                },
              ]}
            />
          )}
        </div>
      )}
    </Card>
  );
}
