/** Boxing: the closed tubes not yet in a box, put into the box scanned for transport. */
import { Alert, App as AntApp, Button, Card, Checkbox, Input, Space, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CameraScan } from '../CameraScan.tsx';
import { normaliseBarcode } from '../codes.ts';
import { enqueue, type Op } from '../outbox.ts';
import { tubesToBox } from '../tubes.ts';
import { big, type Task } from './common.ts';

export function BoxPanel({
  task,
  user,
  ops,
  onQueued,
}: {
  task: Task;
  user: string;
  ops: Op[];
  onQueued: () => void;
}) {
  const { t } = useTranslation();
  const { message } = AntApp.useApp();
  const { waiting, elsewhere } = useMemo(() => tubesToBox(ops, user), [ops, user]);
  const [unchecked, setUnchecked] = useState<Set<string>>(new Set());
  const [boxText, setBoxText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [camera, setCamera] = useState(false);
  const chosen = waiting.filter((x) => !unchecked.has(x.barcode)).map((x) => x.barcode);

  const pack = async (raw: string) => {
    setError(null);
    const box = normaliseBarcode(raw);
    if (!box) return setError(t('sampler.tube.badBarcode'));
    if (chosen.length === 0) return;
    await enqueue({ kind: 'box', user, roundId: task.roundId, box, tubes: chosen });
    message.success(t('sampler.box.queued', { box, n: chosen.length }));
    setBoxText('');
    setUnchecked(new Set());
    onQueued();
  };

  return (
    <Card size="small" title={t('sampler.box.title')}>
      {elsewhere.length > 0 && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 8 }}
          message={t('sampler.box.otherUser', { n: elsewhere.length, tubes: elsewhere.join('、') })}
        />
      )}
      {waiting.length === 0 ? (
        <Typography.Text type="secondary">{t('sampler.box.none')}</Typography.Text>
      ) : (
        <Space direction="vertical" style={{ width: '100%' }} size="middle">
          <Typography.Text type="secondary">{t('sampler.box.hint')}</Typography.Text>
          <div style={{ display: 'grid', gap: 6 }} data-testid="box-tubes">
            {waiting.map((x) => (
              <Checkbox
                key={x.barcode}
                checked={!unchecked.has(x.barcode)}
                onChange={(e) => {
                  const next = new Set(unchecked);
                  if (e.target.checked) next.delete(x.barcode);
                  else next.add(x.barcode);
                  setUnchecked(next);
                }}
                style={{ fontSize: 17 }}
              >
                {x.barcode} · {x.count}/{x.poolSize}
              </Checkbox>
            ))}
          </div>
          <Input
            aria-label={t('sampler.box.placeholder')}
            placeholder={t('sampler.box.placeholder')}
            value={boxText}
            onChange={(e) => setBoxText(e.target.value)}
            onPressEnter={() => void pack(boxText)}
            autoComplete="off"
            style={big}
          />
          <div style={{ display: 'flex', gap: 8 }}>
            <Button style={{ flex: 1 }} onClick={() => setCamera(true)}>
              {t('sampler.camera.open')}
            </Button>
            <Button
              style={{ flex: 1 }}
              type="primary"
              disabled={chosen.length === 0}
              onClick={() => void pack(boxText)}
            >
              {t('sampler.box.pack')}
            </Button>
          </div>
          {error && <Alert type="error" showIcon message={error} />}
        </Space>
      )}
      <CameraScan
        open={camera}
        onClose={() => setCamera(false)}
        onResult={(text) => {
          setCamera(false);
          setBoxText(text);
          void pack(text);
        }}
      />
    </Card>
  );
}
