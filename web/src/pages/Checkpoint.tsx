/**
 * 卡口核验: the checkpoint's phone page. Pick the checkpoint, paste or type the pass code (scanned by the phone's
 * own scanner), and the verdict shows at once in big words and colour — judged on the phone with the cached public
 * keys and revocation list (the same rules as the server: src/modules/passes/verdict.ts; Ed25519 with
 * @noble/curves, which needs no secure context and no WebCrypto), so a checkpoint without a network still
 * checks. Online, the check is recorded by the server, whose verdict (and any speed flag) replaces the phone's;
 * offline, it waits in this browser's storage and is sent when the network returns. Keys, the revocation list,
 * the checkpoints and area names are kept in localStorage and refreshed every five minutes while online.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { Alert, Button, Card, Descriptions, Input, Select, Space, Tag, Typography } from 'antd';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { base64urlDecode, type PassClaims, readPassToken } from '../../../src/modules/passes/token-format.ts';
import { judge, type Verdict } from '../../../src/modules/passes/verdict.ts';
import { ApiError, api } from '../api.ts';
import { areaLabel, areaName, useAreaNamesVersion } from '../area-names.ts';
import type {
  AreaNameItem,
  Checkpoint as CheckpointRow,
  CheckpointScan,
  Me,
  PassKey,
  PassKeysAnswer,
  Revocations,
} from '../contract.ts';
import { errorText, useFormat } from './shared.tsx';

const STORE = {
  keys: 'qingcang.checkpoint.keys',
  revoked: 'qingcang.checkpoint.revocations',
  checkpoints: 'qingcang.checkpoint.list',
  selected: 'qingcang.checkpoint.selected',
  outbox: 'qingcang.checkpoint.outbox',
  names: 'qingcang.checkpoint.areaNames',
};
const REFRESH_MS = 5 * 60_000;

/** What this phone keeps of GET /api/passes/keys: each key's id and raw public key, and when it was asked. */
interface KeyCache {
  keys: Pick<PassKey, 'kid' | 'public_key'>[];
  at: Revocations['as_of'] | null;
}
/** What this phone keeps of GET /api/passes/revocations, gathered over its answers. */
interface RevocationCache {
  /** pass id → revoked at (ISO) */
  ids: Record<string, Revocations['items'][number]['revoked_at']>;
  next_since: Revocations['next_since'] | null;
  at: Revocations['as_of'] | null;
}
/** What this phone keeps of a checkpoint. */
type Checkpoint = Pick<CheckpointRow, 'id' | 'name' | 'area_code'>;
interface Queued {
  checkpoint_id: number;
  key: string;
  token: string;
  checked_at: string;
  device_verdict: Verdict;
}
interface Shown {
  verdict: Verdict;
  claims: PassClaims | null;
  source: 'server' | 'local' | 'localOnly';
  flags: CheckpointScan['flags'];
}

function load<T>(key: string, fallback: T): T {
  try {
    const text = localStorage.getItem(key);
    return text ? (JSON.parse(text) as T) : fallback;
  } catch {
    return fallback;
  }
}
function save(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the page still works online.
  }
}

/** A check's idempotency key from the phone's random source (randomUUID needs a secure context; this does not). */
function newKey(): string {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return `cp-${[...b].map((x) => x.toString(16).padStart(2, '0')).join('')}`;
}

/** The verdict on this phone, or null when the text is not a pass code. */
function judgeHere(
  token: string,
  keys: KeyCache,
  revoked: RevocationCache,
  checkpointArea: string | null,
  at: Date,
): { verdict: Verdict; claims: PassClaims } | null {
  const r = readPassToken(token);
  if (!r.ok) return null;
  const key = keys.keys.find((k) => k.kid === r.claims.kid);
  const pub = key ? base64urlDecode(key.public_key) : null;
  let signatureOk = false;
  if (pub && pub.length === 32)
    try {
      signatureOk = ed25519.verify(r.signature, new TextEncoder().encode(r.signingInput), pub, {
        zip215: false,
      });
    } catch {
      signatureOk = false;
    }
  const revokedAt = revoked.ids[String(r.claims.p)];
  return {
    claims: r.claims,
    verdict: judge({
      claims: r.claims,
      keyKnown: pub !== null,
      signatureOk,
      revokedAt: revokedAt ? new Date(revokedAt) : null,
      at,
      // Without a checkpoint the area rule cannot apply: judged as at the pass's first area.
      checkpointArea: checkpointArea ?? (r.claims.a[0] as string),
    }),
  };
}

const COLOURS: Record<Verdict, { fg: string; bg: string; border: string }> = {
  valid: { fg: '#237804', bg: '#f6ffed', border: '#b7eb8f' },
  expired: { fg: '#ad4e00', bg: '#fff7e6', border: '#ffd591' },
  not_yet_valid: { fg: '#ad4e00', bg: '#fff7e6', border: '#ffd591' },
  area_not_allowed: { fg: '#ad4e00', bg: '#fff7e6', border: '#ffd591' },
  revoked: { fg: '#a8071a', bg: '#fff1f0', border: '#ffa39e' },
  forged: { fg: '#a8071a', bg: '#fff1f0', border: '#ffa39e' },
  unknown_key: { fg: '#a8071a', bg: '#fff1f0', border: '#ffa39e' },
};

/** Area names kept on the phone, so a pass's areas read by name offline too (else the shared cache, online). */
function useStoredAreaNames(codes: readonly string[]): (code: string) => string {
  useAreaNamesVersion();
  const [names, setNames] = useState<Record<string, string>>(() => load(STORE.names, {}));
  const wanted = codes.join(',');
  useEffect(() => {
    const missing = wanted.split(',').filter((c) => c && !names[c]);
    if (missing.length === 0 || !navigator.onLine) return;
    api<{ items: AreaNameItem[] }>(`/api/areas/names?codes=${missing.join(',')}`).then(
      (res) =>
        setNames((old) => {
          const next = { ...old };
          for (const a of res.items) next[a.code] = areaLabel(a);
          save(STORE.names, next);
          return next;
        }),
      () => undefined,
    );
  }, [wanted, names]);
  return (code) => names[code] ?? areaName(code);
}

export default function CheckpointPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [online, setOnline] = useState(navigator.onLine);
  const [keys, setKeys] = useState<KeyCache>(() => load(STORE.keys, { keys: [], at: null }));
  const [revoked, setRevoked] = useState<RevocationCache>(() =>
    load(STORE.revoked, { ids: {}, next_since: null, at: null }),
  );
  const [checkpoints, setCheckpoints] = useState<Checkpoint[]>(() => load(STORE.checkpoints, []));
  const [selected, setSelected] = useState<number | null>(() => load(STORE.selected, null));
  const [outbox, setOutbox] = useState<Queued[]>(() => load(STORE.outbox, []));
  const [token, setToken] = useState('');
  const [shown, setShown] = useState<Shown | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const revokedRef = useRef(revoked);
  revokedRef.current = revoked;
  const outboxRef = useRef(outbox);
  outboxRef.current = outbox;
  void me;

  const checkpoint = checkpoints.find((c) => c.id === selected) ?? null;
  const name = useStoredAreaNames(
    useMemo(
      () => [...(shown?.claims?.a ?? []), ...(checkpoint ? [checkpoint.area_code] : [])],
      [shown, checkpoint],
    ),
  );

  const queue = useCallback((next: Queued[]) => {
    outboxRef.current = next;
    setOutbox(next);
    save(STORE.outbox, next);
  }, []);

  /** Keys, revocations since last time, checkpoints: each kept for offline use. */
  const refresh = useCallback(async (): Promise<boolean> => {
    try {
      const [k, cps] = await Promise.all([
        api<PassKeysAnswer>('/api/passes/keys'),
        api<{ items: CheckpointRow[] }>('/api/checkpoints'),
      ]);
      const since = revokedRef.current.next_since;
      const r = await api<Revocations>(
        `/api/passes/revocations${since ? `?since=${encodeURIComponent(since)}` : ''}`,
      );
      const nextKeys = { keys: k.keys.map((x) => ({ kid: x.kid, public_key: x.public_key })), at: r.as_of };
      const ids = { ...revokedRef.current.ids };
      for (const x of r.items) ids[String(x.id)] = x.revoked_at;
      const nextRevoked = { ids, next_since: r.next_since, at: r.as_of };
      const list = cps.items.map((c) => ({ id: c.id, name: c.name, area_code: c.area_code }));
      setKeys(nextKeys);
      setRevoked(nextRevoked);
      setCheckpoints(list);
      save(STORE.keys, nextKeys);
      save(STORE.revoked, nextRevoked);
      save(STORE.checkpoints, list);
      setOnline(true);
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 0) setOnline(false);
      return false;
    }
  }, []);

  /** Sends the checks waiting on this phone, oldest first; stops at the first network failure. */
  const flush = useCallback(async () => {
    for (const item of [...outboxRef.current]) {
      try {
        await api(`/api/checkpoints/${item.checkpoint_id}/scans`, { method: 'POST', body: item });
      } catch (err) {
        if (err instanceof ApiError && (err.status === 0 || err.status >= 500 || err.status === 401)) {
          if (err.status === 0) setOnline(false);
          return;
        }
        // Refused for good (the checkpoint is gone, a malformed code): nothing more to do with it.
      }
      queue(outboxRef.current.filter((x) => x.key !== item.key));
    }
  }, [queue]);

  useEffect(() => {
    const up = () => {
      setOnline(true);
      void refresh().then(() => flush());
    };
    const down = () => setOnline(false);
    window.addEventListener('online', up);
    window.addEventListener('offline', down);
    if (navigator.onLine) up();
    const timer = setInterval(() => {
      if (navigator.onLine) up();
    }, REFRESH_MS);
    return () => {
      window.removeEventListener('online', up);
      window.removeEventListener('offline', down);
      clearInterval(timer);
    };
  }, [refresh, flush]);

  const pick = (id: number) => {
    setSelected(id);
    save(STORE.selected, id);
  };

  const verify = async () => {
    setProblem(null);
    const at = new Date();
    const local = judgeHere(token, keys, revoked, checkpoint?.area_code ?? null, at);
    if (!local) {
      setShown(null);
      setProblem(t('passes.check.malformed'));
      return;
    }
    setShown({
      verdict: local.verdict,
      claims: local.claims,
      source: checkpoint ? 'local' : 'localOnly',
      flags: [],
    });
    if (!checkpoint) return;
    const item: Queued = {
      checkpoint_id: checkpoint.id,
      key: newKey(),
      token: token.trim(),
      checked_at: at.toISOString(),
      device_verdict: local.verdict,
    };
    setBusy(true);
    try {
      const res = await api<CheckpointScan>(`/api/checkpoints/${checkpoint.id}/scans`, {
        method: 'POST',
        body: item,
      });
      setShown({ verdict: res.verdict, claims: local.claims, source: 'server', flags: res.flags });
      if (res.verdict === 'revoked' && !revokedRef.current.ids[String(local.claims.p)]) {
        // Revoked after this phone's list was fetched: known offline from now on.
        const next = {
          ...revokedRef.current,
          ids: { ...revokedRef.current.ids, [String(local.claims.p)]: item.checked_at },
        };
        setRevoked(next);
        save(STORE.revoked, next);
      }
      setOnline(true);
      void flush();
    } catch (err) {
      if (err instanceof ApiError && (err.status === 0 || err.status >= 500)) {
        if (err.status === 0) setOnline(false);
        queue([...outboxRef.current, item]);
      } else setProblem(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const claims = shown?.claims ?? null;
  const colour = shown ? COLOURS[shown.verdict] : null;
  return (
    <Space
      direction="vertical"
      size="middle"
      style={{ width: '100%', maxWidth: 640 }}
      className="checkpoint-page"
    >
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('passes.check.title')}
      </Typography.Title>
      <Space wrap size={[8, 4]}>
        <Tag color={online ? 'green' : 'orange'} className="checkpoint-online">
          {online ? t('passes.check.online') : t('passes.check.offline')}
        </Tag>
        <Typography.Text type="secondary">
          {t('passes.check.keys', { n: keys.keys.length })} ·{' '}
          {t('passes.check.revocations', { n: Object.keys(revoked.ids).length })} ·{' '}
          {keys.at ? t('passes.check.updatedAt', { at: fmt.dateTime(keys.at) }) : t('passes.check.never')}
        </Typography.Text>
        <Button size="small" onClick={() => void refresh()}>
          {t('passes.check.refresh')}
        </Button>
      </Space>
      {outbox.length > 0 && (
        <Alert
          type="warning"
          showIcon
          message={t('passes.check.queued', { n: outbox.length })}
          action={
            <Button size="small" onClick={() => void flush()}>
              {t('passes.check.upload')}
            </Button>
          }
        />
      )}
      {keys.keys.length === 0 && <Alert type="info" showIcon message={t('passes.check.noKeys')} />}
      <Card size="small">
        <Space direction="vertical" style={{ width: '100%' }}>
          <Typography.Text strong>{t('passes.check.checkpoint')}</Typography.Text>
          {checkpoints.length === 0 ? (
            <Typography.Text type="secondary">{t('passes.check.noCheckpoint')}</Typography.Text>
          ) : (
            <Select
              className="checkpoint-select"
              size="large"
              style={{ width: '100%' }}
              placeholder={t('passes.check.pickCheckpoint')}
              value={selected ?? undefined}
              onChange={pick}
              options={checkpoints.map((c) => ({ value: c.id, label: `${c.name}（${name(c.area_code)}）` }))}
            />
          )}
          <Typography.Text strong>{t('passes.check.token')}</Typography.Text>
          <Input.TextArea
            className="checkpoint-token"
            rows={4}
            value={token}
            onChange={(e) => setToken(e.target.value)}
            placeholder={t('passes.check.tokenPlaceholder')}
            autoComplete="off"
            spellCheck={false}
          />
          <Space style={{ width: '100%' }}>
            <Button type="primary" size="large" onClick={verify} loading={busy} disabled={!token.trim()}>
              {t('passes.check.verify')}
            </Button>
            <Button
              size="large"
              onClick={() => {
                setToken('');
                setShown(null);
                setProblem(null);
              }}
            >
              {t('passes.check.clear')}
            </Button>
          </Space>
        </Space>
      </Card>
      {problem && <Alert type="error" showIcon message={<span style={{ fontSize: 18 }}>{problem}</span>} />}
      {shown && colour && (
        <div
          className="checkpoint-verdict"
          data-verdict={shown.verdict}
          style={{
            background: colour.bg,
            border: `2px solid ${colour.border}`,
            borderRadius: 8,
            padding: 16,
          }}
        >
          <div style={{ color: colour.fg, fontSize: 40, fontWeight: 700, lineHeight: 1.2 }}>
            {t(`passes.verdict.${shown.verdict}`)}
          </div>
          <Typography.Text type="secondary" className="checkpoint-source">
            {t(`passes.check.source.${shown.source}`)}
          </Typography.Text>
          {shown.flags.map((f) => (
            <Alert
              key={`${f.other_checkpoint}-${f.minutes}`}
              type="error"
              showIcon
              style={{ marginTop: 8 }}
              message={t('passes.check.suspect', { other: f.other_checkpoint, km: f.km, minutes: f.minutes })}
            />
          ))}
          {claims && shown.verdict !== 'forged' && shown.verdict !== 'unknown_key' && (
            <Descriptions column={1} size="small" style={{ marginTop: 12 }}>
              <Descriptions.Item label={t('passes.check.kind')}>
                {t(`passes.kind.${claims.k}`)} · {t('passes.check.passNo', { id: claims.p })}
              </Descriptions.Item>
              <Descriptions.Item label={t('passes.check.holder')}>
                <span style={{ fontSize: 20, fontWeight: 600 }}>
                  {claims.h === 'v'
                    ? t('passes.check.holderVehicle', { plate: claims.n })
                    : t('passes.check.holderPerson', { name: claims.n, tail: claims.i ?? '—' })}
                </span>
              </Descriptions.Item>
              <Descriptions.Item label={claims.r ? t('passes.check.route') : t('passes.check.areas')}>
                {claims.a.map((c) => name(c)).join(claims.r ? ' → ' : '、')}
              </Descriptions.Item>
              <Descriptions.Item label={t('passes.check.validity')}>
                {fmt.dateTime(new Date(claims.f * 1000).toISOString())} —{' '}
                {fmt.dateTime(new Date(claims.u * 1000).toISOString())}
              </Descriptions.Item>
            </Descriptions>
          )}
        </div>
      )}
    </Space>
  );
}
