/** The sampler's working screen: task, tube, person, boxing and the upload queue. */
import {
  Alert,
  App as AntApp,
  Button,
  Card,
  Checkbox,
  Input,
  type InputRef,
  Popconfirm,
  Progress,
  Segmented,
  Select,
  Space,
  Tag,
  Typography,
} from 'antd';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, type Me, setCsrfToken } from '../api.ts';
import { areaName } from '../area-names.ts';
import { beijingClock } from '../beijing-time.ts';
import { errorText } from '../error-text.ts';
import { LanguageSwitch } from '../LanguageSwitch.tsx';
import { CameraScan } from './CameraScan.tsx';
import { fingerprint, newKey, normaliseBarcode, parsePersonCode } from './codes.ts';
import { enqueue, flush, type Op, onOutboxChange, opsOfRound } from './outbox.ts';
import { countOps, deriveTubes } from './tubes.ts';

interface RoundItem {
  id: number;
  name: string;
  status: string;
  policy: { control?: number; prevention?: number; other?: number } | null;
}

interface PointItem {
  id: number;
  area_code: string;
  name: string;
}

interface Task {
  roundId: number;
  roundName: string;
  pointId: number;
  pointName: string;
  poolSize: number;
}

/** How often the queue is retried while something is waiting (also on `online` and by the button). */
export const RETRY_MS = 10_000;

function taskStorageKey(user: string): string {
  return `qingcang.sampler.task:${user}`;
}

function loadTask(user: string): Task | null {
  try {
    const raw = localStorage.getItem(taskStorageKey(user));
    return raw ? (JSON.parse(raw) as Task) : null;
  } catch {
    return null;
  }
}

function saveTask(user: string, task: Task | null): void {
  try {
    if (task) localStorage.setItem(taskStorageKey(user), JSON.stringify(task));
    else localStorage.removeItem(taskStorageKey(user));
  } catch {
    // private mode: the task lasts for this page only
  }
}

function poolChoices(round: RoundItem | undefined): number[] {
  const p = round?.policy ?? {};
  const sizes = new Set([p.other ?? 20, p.prevention ?? 20, p.control ?? 10, 1]);
  return [...sizes].sort((a, b) => b - a);
}

function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
    };
  }, []);
  return online;
}

const big = { fontSize: 20, fontWeight: 600 } as const;

export function Workbench({ me, onLoggedOut }: { me: Me; onLoggedOut: () => void }) {
  const { t } = useTranslation();
  const { message } = AntApp.useApp();
  const user = `${me.kind}:${me.name}`;
  const online = useOnline();
  const [task, setTaskState] = useState<Task | null>(() => loadTask(user));
  const [ops, setOps] = useState<Op[]>([]);
  const [syncing, setSyncing] = useState(false);
  const [lastOk, setLastOk] = useState<Date | null>(null);
  const [lastError, setLastError] = useState<{ message: string; at: Date } | null>(null);

  const setTask = (next: Task | null) => {
    saveTask(user, next);
    setTaskState(next);
  };

  const reload = useCallback(async () => {
    if (!task) return setOps([]);
    setOps(await opsOfRound(task.roundId));
  }, [task]);

  useEffect(() => {
    void reload();
    return onOutboxChange(() => void reload());
  }, [reload]);

  // Several uploads may be asked for at once (timer, `online`, button): the panel shows one while any runs.
  const inFlight = useRef(0);
  const sync = useCallback(async () => {
    inFlight.current++;
    setSyncing(true);
    try {
      let r = await flush(user);
      if (r.error instanceof ApiError && r.error.code === 'csrf_invalid') {
        // The session's token changed (another tab logged in again): take the current one and go on.
        const m = await api<Me>('/api/auth/me').catch(() => null);
        if (m) {
          setCsrfToken(m.csrf_token);
          r = await flush(user);
        }
      }
      if (r.error) {
        const network = 'status' in r.error && r.error.status === 0;
        setLastError({ message: network ? t('sampler.sync.network') : r.error.message, at: new Date() });
      } else {
        setLastError(null);
        setLastOk(new Date());
      }
    } finally {
      inFlight.current--;
      if (inFlight.current === 0) setSyncing(false);
    }
  }, [user, t]);

  // Upload what waits: at once, when the network comes back, and on a timer.
  useEffect(() => {
    void sync();
    const onOnline = () => void sync();
    window.addEventListener('online', onOnline);
    const timer = window.setInterval(() => void sync(), RETRY_MS);
    return () => {
      window.removeEventListener('online', onOnline);
      window.clearInterval(timer);
    };
  }, [sync]);

  const logout = async () => {
    try {
      await api('/api/auth/logout', { method: 'POST' });
    } catch (err) {
      message.error(errorText(err));
    }
    setCsrfToken(null);
    onLoggedOut();
  };

  const counts = useMemo(() => countOps(ops.filter((o) => o.user === user)), [ops, user]);
  const otherUsers = ops.filter((o) => o.user !== user && o.state === 'queued').length;

  return (
    <div style={{ minHeight: '100vh', background: '#f0f2f5', paddingBottom: 32 }}>
      <header style={{ position: 'sticky', top: 0, zIndex: 10, background: '#1f2a38', color: '#fff' }}>
        <div style={{ padding: '8px 12px 4px', display: 'flex', alignItems: 'center', gap: 8 }}>
          <div style={{ flex: 1, minWidth: 0 }}>
            <div style={{ fontSize: 18, fontWeight: 600 }}>{t('sampler.title')}</div>
            <div
              style={{
                fontSize: 13,
                opacity: 0.8,
                overflow: 'hidden',
                textOverflow: 'ellipsis',
                whiteSpace: 'nowrap',
              }}
            >
              {me.name} · {areaName(me.jurisdiction)}
            </div>
          </div>
          <Tag
            color={online ? 'green' : 'red'}
            style={{ fontSize: 14, padding: '2px 8px', margin: 0 }}
            data-testid="online"
          >
            {online ? t('sampler.online') : t('sampler.offline')}
          </Tag>
          <Button size="middle" onClick={logout}>
            {t('sampler.logout')}
          </Button>
        </div>
        <Counts counts={counts} syncing={syncing} />
      </header>
      <main style={{ maxWidth: 560, margin: '0 auto', padding: 10, display: 'grid', gap: 10 }}>
        {task && (
          <ScanPanel
            key={`${task.roundId}:${task.pointId}`}
            task={task}
            user={user}
            ops={ops}
            onQueued={() => void sync()}
          />
        )}
        <TaskPanel task={task} onChange={setTask} />
        {task && <BoxPanel task={task} user={user} ops={ops} onQueued={() => void sync()} />}
        <SyncPanel lastOk={lastOk} lastError={lastError} otherUsers={otherUsers} onSync={() => void sync()}>
          {task && <RecentList ops={ops} />}
        </SyncPanel>
        <div style={{ textAlign: 'center' }}>
          <LanguageSwitch />
        </div>
      </main>
    </div>
  );
}

/** Scans by upload state, always in sight at the top of the screen. */
function Counts({ counts, syncing }: { counts: ReturnType<typeof countOps>; syncing: boolean }) {
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

function SyncPanel(props: {
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

function TaskPanel({ task, onChange }: { task: Task | null; onChange: (task: Task | null) => void }) {
  const { t } = useTranslation();
  const [editing, setEditing] = useState(task === null);
  const [rounds, setRounds] = useState<RoundItem[] | null>(null);
  const [points, setPoints] = useState<PointItem[] | null>(null);
  const [roundId, setRoundId] = useState<number | undefined>(task?.roundId);
  const [pointId, setPointId] = useState<number | undefined>(task?.pointId);
  const [poolSize, setPoolSize] = useState<number | undefined>(task?.poolSize);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!editing) return;
    api<{ items: RoundItem[] }>('/api/testing/rounds')
      .then((r) => setRounds(r.items.filter((x) => x.status !== 'closed')))
      .catch((err: unknown) => setError(t('sampler.setup.loadFailed', { message: errorText(err) })));
  }, [editing, t]);

  useEffect(() => {
    if (!editing || roundId === undefined) return;
    setPoints(null);
    api<{ items: PointItem[] }>(`/api/testing/rounds/${roundId}/points`)
      .then((r) => {
        setPoints(r.items);
        if (r.items.length === 1) setPointId(r.items[0]?.id);
      })
      .catch((err: unknown) => setError(t('sampler.setup.loadFailed', { message: errorText(err) })));
  }, [editing, roundId, t]);

  const round = rounds?.find((r) => r.id === roundId);
  const choices = poolChoices(round);

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
  const pool = poolSize ?? (round ? (round.policy?.other ?? 20) : undefined);
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
            setPoolSize(r?.policy?.other ?? 20);
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
          onChange={(v: number) => setPointId(v)}
          options={(points ?? []).map((p) => ({
            value: p.id,
            label: `${p.name} (${p.area_code})`,
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

type CameraTarget = 'tube' | 'person' | 'box' | null;

function ScanPanel({
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

function BoxPanel({
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
  const waiting = useMemo(
    () =>
      [...deriveTubes(ops).values()]
        .filter((x) => x.closed && !x.boxedIn && x.count > 0)
        .sort((a, b) => a.firstSeq - b.firstSeq),
    [ops],
  );
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

const STATE_COLOR: Record<Op['state'], string> = {
  queued: 'gold',
  accepted: 'green',
  duplicate: 'blue',
  done: 'green',
  rejected: 'red',
};

function RecentList({ ops }: { ops: Op[] }) {
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
