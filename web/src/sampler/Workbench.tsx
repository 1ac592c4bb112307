/**
 * The sampler's working screen: task, tube, person, boxing and the upload queue.
 *
 * Where: workbench/TaskPanel.tsx (choosing the round, point and pool size), workbench/ScanPanel.tsx (tube
 * and person), workbench/BoxPanel.tsx (boxing), workbench/Queue.tsx (the counts, the upload panel, the recent
 * scans), workbench/common.ts (the task and where it is kept). This file holds the screen, being online and
 * the upload loop.
 */
import { App as AntApp, Button, Tag } from 'antd';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, type Me, setCsrfToken } from '../api.ts';
import { areaName } from '../area-names.ts';
import { errorText } from '../error-text.ts';
import { LanguageSwitch } from '../LanguageSwitch.tsx';
import { flush, type Op, onOutboxChange, opsOfRound } from './outbox.ts';
import { countOps } from './tubes.ts';
import { BoxPanel } from './workbench/BoxPanel.tsx';
import { loadTask, saveTask, type Task } from './workbench/common.ts';
import { Counts, RecentList, SyncPanel } from './workbench/Queue.tsx';
import { ScanPanel } from './workbench/ScanPanel.tsx';
import { TaskPanel } from './workbench/TaskPanel.tsx';

/** How often the queue is retried while something is waiting (also on `online` and by the button). */
export const RETRY_MS = 10_000;

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
        setLastError({ message: network ? t('sampler.sync.network') : errorText(r.error), at: new Date() });
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
