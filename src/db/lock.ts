import { mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import lockfile from 'proper-lockfile';

export class DataDirLockedError extends Error {
  readonly code = 'data_dir_locked';
  readonly dir: string;
  constructor(dir: string) {
    super(
      `the data directory ${dir} is in use by another qingcang process. ` +
        'Stop that process first, talk to it over its HTTP API, or give this one another directory with QINGCANG_DATA_DIR.',
    );
    this.dir = dir;
  }
}

/** The lock is a directory (proper-lockfile); the holder's pid and host are written inside it. */
const lockPath = (dir: string) => `${dir}/.qingcang.lock`;
const ownerPath = (dir: string) => `${lockPath(dir)}/owner.json`;

/** True when the lock's holder is a process of this host that no longer runs (killed, crashed). */
function holderIsDead(dir: string): boolean {
  let owner: { pid?: unknown; host?: unknown };
  try {
    owner = JSON.parse(readFileSync(ownerPath(dir), 'utf8')) as typeof owner;
  } catch {
    return false; // no owner yet (being taken right now) or unreadable: wait for staleness instead
  }
  if (typeof owner.pid !== 'number' || owner.host !== hostname() || owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return false; // alive (or another process that reused the pid: the lock then goes stale as before)
  } catch (err) {
    return (err as { code?: string }).code === 'ESRCH';
  }
}

function take(dir: string) {
  return lockfile.lock(dir, {
    lockfilePath: lockPath(dir),
    stale: 10_000,
    update: 2_000,
    realpath: false,
    onCompromised: (err) => {
      // Another process took our lock away: continuing would risk the directory. Stop hard.
      console.error(`qingcang: lost the lock on ${dir}: ${err.message}. Exiting to protect the data.`);
      process.exit(75);
    },
  });
}

/**
 * Takes an exclusive lock on a PGlite data directory (PGlite has no cross-process lock of its own).
 * proper-lockfile keeps the lock fresh while we live; a lock left by a crashed process goes stale after 10 s and is
 * taken over. A lock whose holder (pid and host written in the lock) is known dead is taken over at once, so a
 * supervisor restarting a killed server does not wait. Returns the release function.
 */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  mkdirSync(dir, { recursive: true });
  let release: () => Promise<void>;
  try {
    release = await take(dir);
  } catch (err) {
    const code = (err as { code?: string }).code;
    // ENOTEMPTY: proper-lockfile found the lock stale but cannot rmdir it, as it holds the owner file.
    if (!((code === 'ELOCKED' && holderIsDead(dir)) || code === 'ENOTEMPTY')) {
      if (code === 'ELOCKED') throw new DataDirLockedError(dir);
      throw err;
    }
    rmSync(lockPath(dir), { recursive: true, force: true });
    try {
      release = await take(dir);
    } catch (again) {
      if ((again as { code?: string }).code === 'ELOCKED') throw new DataDirLockedError(dir);
      throw again;
    }
  }
  // proper-lockfile watches the lock directory's mtime to detect a takeover: writing the owner file inside changes it,
  // so the mtime it recorded is put back (synchronously: its refresh timer cannot run in between).
  const { mtime } = statSync(lockPath(dir));
  writeFileSync(ownerPath(dir), JSON.stringify({ pid: process.pid, host: hostname() }));
  utimesSync(lockPath(dir), mtime, mtime);
  return async () => {
    const { mtime: now } = statSync(lockPath(dir));
    rmSync(ownerPath(dir), { force: true });
    utimesSync(lockPath(dir), now, now);
    await release();
  };
}
