/** The sampler's task: the round, the sampling point and the pool size. */
import { Alert, Button, Card, Segmented, Select, Space } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import type { SamplingPoint, TestingRound } from '../../contract.ts';
import { errorText } from '../../error-text.ts';
import type { Task } from './common.ts';

function poolChoices(round: TestingRound | undefined): number[] {
  const p = round?.policy;
  const sizes = new Set([p?.other ?? 20, p?.prevention ?? 20, p?.control ?? 10, 1]);
  return [...sizes].sort((a, b) => b - a);
}

export function TaskPanel({ task, onChange }: { task: Task | null; onChange: (task: Task | null) => void }) {
  const { t } = useTranslation();
  const [editing, setEditing] = useState(task === null);
  const [rounds, setRounds] = useState<TestingRound[] | null>(null);
  const [points, setPoints] = useState<SamplingPoint[] | null>(null);
  const [roundId, setRoundId] = useState<number | undefined>(task?.roundId);
  const [pointId, setPointId] = useState<number | undefined>(task?.pointId);
  const [poolSize, setPoolSize] = useState<number | undefined>(task?.poolSize);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!editing) return;
    api<{ items: TestingRound[] }>('/api/testing/rounds')
      .then((r) => setRounds(r.items.filter((x) => x.status !== 'closed')))
      .catch((err: unknown) => setError(t('sampler.setup.loadFailed', { message: errorText(err) })));
  }, [editing, t]);

  useEffect(() => {
    if (!editing || roundId === undefined) return;
    setPoints(null);
    api<{ items: SamplingPoint[] }>(`/api/testing/rounds/${roundId}/points`)
      .then((r) => {
        setPoints(r.items);
        // One point: chosen for the sampler, with its zone's pool size as when it is picked by hand (the size
        // shown selected must be the one that starts).
        const only = r.items.length === 1 ? r.items[0] : undefined;
        if (only) {
          setPointId(only.id);
          setPoolSize(only.pool_size);
        }
      })
      .catch((err: unknown) => setError(t('sampler.setup.loadFailed', { message: errorText(err) })));
  }, [editing, roundId, t]);

  const round = rounds?.find((r) => r.id === roundId);
  const choices = [...new Set([...poolChoices(round), ...(poolSize ? [poolSize] : [])])].sort(
    (a, b) => b - a,
  );

  if (!editing && task)
    return (
      <Card
        size="small"
        title={t('sampler.setup.title')}
        extra={
          <Button size="middle" onClick={() => setEditing(true)}>
            {t('sampler.setup.change')}
          </Button>
        }
      >
        <div style={{ fontSize: 16 }} data-testid="task">
          <div>
            <b>{task.roundName}</b>
          </div>
          <div>{task.pointName}</div>
          <div>
            {task.poolSize === 1 ? t('sampler.setup.single') : t('sampler.setup.poolN', { n: task.poolSize })}
          </div>
        </div>
      </Card>
    );

  const ready = round !== undefined && pointId !== undefined && poolSize !== undefined;
  const pool = poolSize ?? (round ? round.policy.other : undefined);
  return (
    <Card size="small" title={t('sampler.setup.title')}>
      <Space direction="vertical" style={{ width: '100%' }}>
        {error && <Alert type="error" showIcon message={error} />}
        {rounds?.length === 0 && <Alert type="info" showIcon message={t('sampler.setup.noRounds')} />}
        <label htmlFor="sampler-round">{t('sampler.setup.round')}</label>
        <Select
          id="sampler-round"
          style={{ width: '100%' }}
          placeholder={t('sampler.setup.roundPlaceholder')}
          loading={rounds === null && !error}
          value={roundId}
          onChange={(v: number) => {
            setRoundId(v);
            setPointId(undefined);
            const r = rounds?.find((x) => x.id === v);
            setPoolSize(r?.policy.other ?? 20);
          }}
          options={(rounds ?? []).map((r) => ({ value: r.id, label: `${r.name} (#${r.id})` }))}
        />
        <label htmlFor="sampler-point">{t('sampler.setup.point')}</label>
        <Select
          id="sampler-point"
          style={{ width: '100%' }}
          showSearch
          optionFilterProp="label"
          placeholder={t('sampler.setup.pointPlaceholder')}
          disabled={roundId === undefined}
          loading={roundId !== undefined && points === null && !error}
          value={pointId}
          onChange={(v: number) => {
            setPointId(v);
            // The point samples as its zone says (a control zone 10-in-1, a lockdown one tube a person).
            const p = points?.find((x) => x.id === v);
            if (p) setPoolSize(p.pool_size);
          }}
          options={(points ?? []).map((p) => ({
            value: p.id,
            label: p.risk_level ? `${p.name} · ${t(`zoneLevel.${p.risk_level}`)}` : p.name,
          }))}
        />
        {round && (
          <>
            <span>{t('sampler.setup.pool')}</span>
            <Segmented<number>
              block
              value={pool}
              onChange={(v) => setPoolSize(v)}
              options={choices.map((n) => ({
                value: n,
                label: n === 1 ? t('sampler.setup.single') : t('sampler.setup.poolN', { n }),
              }))}
            />
          </>
        )}
        <Button
          type="primary"
          block
          disabled={!ready}
          onClick={() => {
            const point = points?.find((p) => p.id === pointId);
            if (!round || !point || poolSize === undefined) return;
            onChange({
              roundId: round.id,
              roundName: round.name,
              pointId: point.id,
              pointName: point.name,
              poolSize,
            });
            setEditing(false);
          }}
        >
          {t('sampler.setup.start')}
        </Button>
      </Space>
    </Card>
  );
}
