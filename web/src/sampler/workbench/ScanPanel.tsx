/** Scanning a tube and the people into it, by the scanner, the camera or by hand. */
import { Alert, Button, Card, Input, type InputRef, Popconfirm, Progress, Space, Typography } from 'antd';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../error-text.ts';
import { CameraScan } from '../CameraScan.tsx';
import { fingerprint, newKey, normaliseBarcode, parsePersonCode } from '../codes.ts';
import { enqueue, type Op } from '../outbox.ts';
import { deriveTubes } from '../tubes.ts';
import { big, type Task } from './common.ts';

type CameraTarget = 'tube' | 'person' | 'box' | null;

export function ScanPanel({
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
  const tubes = useMemo(() => deriveTubes(ops), [ops]);
  const storageKey = `qingcang.sampler.tube:${user}:${task.roundId}`;
  const [current, setCurrentState] = useState<string | null>(() => localStorage.getItem(storageKey));
  const [tubeText, setTubeText] = useState('');
  const [personText, setPersonText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [camera, setCamera] = useState<CameraTarget>(null);
  const [busy, setBusy] = useState(false);
  const [lastScan, setLastScan] = useState<string | null>(null);
  const personInput = useRef<InputRef>(null);
  const tubeInput = useRef<InputRef>(null);

  const setCurrent = useCallback(
    (tube: string | null) => {
      if (tube) localStorage.setItem(storageKey, tube);
      else localStorage.removeItem(storageKey);
      setCurrentState(tube);
    },
    [storageKey],
  );

  const tube = current ? tubes.get(current) : undefined;
  const poolSize = tube?.poolSize ?? task.poolSize;
  const count = tube?.count ?? 0;

  // A tube that is closed (full, by hand, or by the server) is put away.
  useEffect(() => {
    if (current && tube?.closed) {
      setCurrent(null);
      setNotice(
        tube.count >= tube.poolSize
          ? t('sampler.tube.full', { tube: current, size: tube.poolSize })
          : t('sampler.tube.closed', { tube: current }),
      );
    }
  }, [current, tube, setCurrent, t]);

  const chooseTube = (raw: string) => {
    setError(null);
    const barcode = normaliseBarcode(raw);
    if (!barcode) return setError(t('sampler.tube.badBarcode'));
    const known = tubes.get(barcode);
    if (known?.closed) return setError(t('sampler.tube.alreadyClosed', { tube: barcode }));
    if (known && known.poolSize !== task.poolSize)
      setNotice(t('sampler.tube.otherPool', { tube: barcode, size: known.poolSize }));
    else setNotice(null);
    setCurrent(barcode);
    setTubeText('');
    setTimeout(() => personInput.current?.focus(), 0);
  };

  const addPerson = async (raw: string) => {
    setError(null);
    if (!current) return setError(t('sampler.person.needTube'));
    if (tube?.closed) return setError(t('sampler.tube.alreadyClosed', { tube: current }));
    const code = parsePersonCode(raw);
    if (!code.ok)
      return setError(
        code.reason === 'invalid'
          ? t('sampler.person.invalid', { message: code.message })
          : t('sampler.person.unreadable'),
      );
    const who = 'personId' in code ? `p:${code.personId}` : `n:${fingerprint(code.idNumber)}`;
    if (tube?.people.has(who)) return setError(t('sampler.person.twiceInTube', { tube: current }));
    setBusy(true);
    try {
      await enqueue({
        kind: 'scan',
        user,
        roundId: task.roundId,
        key: newKey(),
        tube: current,
        pointId: task.pointId,
        poolSize,
        ...('personId' in code ? { personId: code.personId } : { idNumber: code.idNumber }),
        label: code.label,
        who,
        scannedAt: new Date().toISOString(),
      });
      setPersonText('');
      setNotice(null);
      setLastScan(t('sampler.scanned', { who: code.label, tube: current }));
      onQueued();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
      personInput.current?.focus();
    }
  };

  const closeByHand = async () => {
    if (!current) return;
    await enqueue({ kind: 'close', user, roundId: task.roundId, tube: current });
    setNotice(t('sampler.tube.closed', { tube: current }));
    setCurrent(null);
    onQueued();
    setTimeout(() => tubeInput.current?.focus(), 0);
  };

  const percent = Math.round((count / poolSize) * 100);
  return (
    <Card size="small" title={current ? t('sampler.tube.current') : t('sampler.tube.scan')}>
      <Space direction="vertical" style={{ width: '100%' }} size="middle">
        {notice && <Alert type="info" showIcon message={notice} data-testid="tube-notice" />}
        {!current ? (
          <>
            <Input
              ref={tubeInput}
              aria-label={t('sampler.tube.placeholder')}
              placeholder={t('sampler.tube.placeholder')}
              value={tubeText}
              onChange={(e) => setTubeText(e.target.value)}
              onPressEnter={() => chooseTube(tubeText)}
              autoCapitalize="characters"
              autoComplete="off"
              style={big}
            />
            <div style={{ display: 'flex', gap: 8 }}>
              <Button style={{ flex: 1 }} onClick={() => setCamera('tube')}>
                {t('sampler.camera.open')}
              </Button>
              <Button style={{ flex: 1 }} type="primary" onClick={() => chooseTube(tubeText)}>
                {t('sampler.tube.use')}
              </Button>
            </div>
          </>
        ) : (
          <>
            <div style={{ display: 'flex', alignItems: 'center', gap: 12 }}>
              <Progress
                type="circle"
                size={96}
                percent={percent}
                format={() => (
                  <span style={{ fontSize: 22, fontWeight: 700 }} data-testid="tube-fill">
                    {t('sampler.tube.fill', { n: count, size: poolSize })}
                  </span>
                )}
              />
              <div style={{ minWidth: 0 }}>
                <div style={{ ...big, wordBreak: 'break-all' }} data-testid="tube-barcode">
                  {current}
                </div>
                <div>
                  {poolSize === 1 ? t('sampler.setup.single') : t('sampler.setup.poolN', { n: poolSize })}
                </div>
                {tube?.serverMembers != null && (
                  <Typography.Text type="secondary" data-testid="tube-server">
                    {t('sampler.tube.server', { n: tube.serverMembers })}
                  </Typography.Text>
                )}
              </div>
            </div>
            <Typography.Text strong style={{ fontSize: 17 }}>
              {t('sampler.person.scan')}
            </Typography.Text>
            <Input
              ref={personInput}
              aria-label={t('sampler.person.placeholder')}
              placeholder={t('sampler.person.placeholder')}
              value={personText}
              onChange={(e) => setPersonText(e.target.value)}
              onPressEnter={() => void addPerson(personText)}
              inputMode="text"
              autoComplete="off"
              style={big}
              autoFocus
            />
            <div style={{ display: 'flex', gap: 8 }}>
              <Button style={{ flex: 1 }} onClick={() => setCamera('person')}>
                {t('sampler.camera.open')}
              </Button>
              <Button
                style={{ flex: 1 }}
                type="primary"
                loading={busy}
                onClick={() => void addPerson(personText)}
              >
                {t('sampler.person.add')}
              </Button>
            </div>
            <div style={{ display: 'flex', gap: 8 }}>
              <Popconfirm
                title={t('sampler.tube.closeConfirm', { tube: current, n: count, size: poolSize })}
                onConfirm={() => void closeByHand()}
                disabled={count === 0}
              >
                <Button danger style={{ flex: 1 }} disabled={count === 0}>
                  {t('sampler.tube.close')}
                </Button>
              </Popconfirm>
              <Button
                style={{ flex: 1 }}
                onClick={() => {
                  setCurrent(null);
                  setNotice(null);
                }}
              >
                {t('sampler.tube.release')}
              </Button>
            </div>
          </>
        )}
        {error && <Alert type="error" showIcon message={error} data-testid="scan-error" />}
        {lastScan && !error && (
          <Typography.Text type="success" style={{ fontSize: 16 }} data-testid="last-scan">
            ✓ {lastScan}
          </Typography.Text>
        )}
      </Space>
      <CameraScan
        open={camera === 'tube' || camera === 'person'}
        onClose={() => setCamera(null)}
        onResult={(text) => {
          const target = camera;
          setCamera(null);
          if (target === 'tube') chooseTube(text);
          else void addPerson(text);
        }}
      />
    </Card>
  );
}
