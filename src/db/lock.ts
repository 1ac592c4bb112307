import { mkdirSync } from 'node:fs';
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

/**
 * Takes an exclusive lock on a PGlite data directory (PGlite has no cross-process lock of its own).
 * proper-lockfile keeps the lock fresh while we live; a lock left by a crashed process goes stale and is taken over.
 * Returns the release function.
 */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  mkdirSync(dir, { recursive: true });
  try {
    return await lockfile.lock(dir, {
      lockfilePath: `${dir}/.qingcang.lock`,
      stale: 10_000,
      update: 2_000,
      realpath: false,
      onCompromised: (err) => {
        // Another process took our lock away: continuing would risk the directory. Stop hard.
        console.error(`qingcang: lost the lock on ${dir}: ${err.message}. Exiting to protect the data.`);
        process.exit(75);
      },
    });
  } catch (err) {
    if ((err as { code?: string }).code === 'ELOCKED') throw new DataDirLockedError(dir);
    throw err;
  }
}
