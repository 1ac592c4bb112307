/** The upload queue: the counts by state, the upload panel and the recent scans. */
import { Button, Card, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { beijingClock } from '../../beijing-time.ts';
import type { Op } from '../outbox.ts';
import type { countOps } from '../tubes.ts';

/** Scans by upload state, always in sight at the top of the screen. */
export function Counts({ counts, syncing }: { counts: ReturnType<typeof countOps>; syncing: boolean }) {
  const { t } = useTranslation();
  const cell = (label: string, value: number, color: string, id: string) => (
    <div style={{ textAlign: 'center', flex: 1 }}>
      <div style={{ fontSize: 24, fontWeight: 700, color, lineHeight: 1.15 }} data-testid={`count-${id}`}>
        {value}
      </div>
      <div style={{ fontSize: 13, opacity: 0.85 }}>{label}</div>
    </div>
  );
  return (
    <div
      style={{
        display: 'flex',
        gap: 4,
        padding: '4px 8px 8px',
        borderTop: '1px solid rgba(255,255,255,0.12)',
      }}
      aria-busy={syncing}
    >
      {cell(t('sampler.sync.queued'), counts.queued, counts.queued > 0 ? '#ffc53d' : '#fff', 'queued')}
      {cell(t('sampler.sync.confirmed'), counts.confirmed, '#95de64', 'confirmed')}
      {cell(t('sampler.sync.flagged'), counts.flagged, '#ffa940', 'flagged')}
      {cell(t('sampler.sync.rejected'), counts.rejected, '#ff7875', 'rejected')}
    </div>
  );
}

export function SyncPanel(props: {
  lastOk: Date | null;
  lastError: { message: string; at: Date } | null;
  otherUsers: number;
  onSync: () => void;
  children?: React.ReactNode;
}) {
  const { t, i18n } = useTranslation();
  return (
    <Card size="small" title={t('sampler.sync.title')} styles={{ body: { padding: 12 } }}>
      {/* Never disabled: a press while an upload runs queues one more. */}
      <Button block onClick={props.onSync}>
        {t('sampler.sync.now')}
      </Button>
      <div style={{ marginTop: 8, fontSize: 15 }} data-testid="sync-state">
        {props.lastError ? (
          <Typography.Text type="warning">
            {t('sampler.sync.lastError', {
              message: props.lastError.message,
              time: beijingClock(props.lastError.at, i18n.language),
            })}
          </Typography.Text>
        ) : props.lastOk ? (
          <Typography.Text type="secondary">
            {t('sampler.sync.lastOk', { time: beijingClock(props.lastOk, i18n.language) })}
          </Typography.Text>
        ) : null}
      </div>
      {props.otherUsers > 0 && (
        <Typography.Text type="secondary">
          {t('sampler.sync.otherUser', { count: props.otherUsers })}
        </Typography.Text>
      )}
      {props.children}
    </Card>
  );
}

const STATE_COLOR: Record<Op['state'], string> = {
  queued: 'gold',
  accepted: 'green',
  duplicate: 'blue',
  done: 'green',
  rejected: 'red',
};

export function RecentList({ ops }: { ops: Op[] }) {
  const { t } = useTranslation();
  const recent = ops.slice(-40).reverse();
  return (
    <div style={{ marginTop: 12 }}>
      <Typography.Text strong>{t('sampler.sync.recent')}</Typography.Text>
      {recent.length === 0 ? (
        <Typography.Text type="secondary">{t('sampler.sync.empty')}</Typography.Text>
      ) : (
        <ul style={{ listStyle: 'none', margin: 0, padding: 0 }} data-testid="recent">
          {recent.map((op) => (
            <li
              key={op.seq}
              data-state={op.state}
              data-kind={op.kind}
              style={{ borderBottom: '1px solid #f0f0f0', padding: '8px 0', fontSize: 15 }}
            >
              <div style={{ display: 'flex', flexWrap: 'wrap', gap: 4, alignItems: 'center' }}>
                <Tag color={STATE_COLOR[op.state]} style={{ fontSize: 14 }}>
                  {t(`sampler.status.${op.state}`)}
                </Tag>
                <span>
                  {t(`sampler.kind.${op.kind}`)}{' '}
                  {op.kind === 'scan'
                    ? `${op.label} → ${op.tube}`
                    : op.kind === 'close'
                      ? op.tube
                      : `${op.box} ← ${op.tubes.join(', ')}`}
                </span>
                {op.kind === 'scan' &&
                  (op.flags ?? []).map((f) => (
                    <Tag key={f} color="orange" style={{ fontSize: 14 }}>
                      {t(`sampler.flag.${f}`, { defaultValue: f })}
                    </Tag>
                  ))}
              </div>
              {op.state === 'rejected' && op.message && (
                <Typography.Text type="danger">
                  {op.code}: {op.message}
                </Typography.Text>
              )}
              {op.kind === 'box' && op.state !== 'rejected' && op.message && (
                <Typography.Text type="warning">{op.message}</Typography.Text>
              )}
              {op.state === 'queued' && op.lastError && (
                <Typography.Text type="secondary">
                  {op.lastErrorCode === 'network' ? t('sampler.sync.network') : op.lastError}
                </Typography.Text>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
