import cliProgress from 'cli-progress';

/** A progress bar on stderr; on a non-terminal it prints a line every few seconds instead of redrawing. */
export function progressBar(label: string, total: number): { update(n: number): void; stop(): void } {
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} | {rate}/s | eta {eta_formatted}`,
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: 3000,
      hideCursor: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  bar.start(total, 0, { rate: 0 });
  return {
    update(n) {
      bar.update(n, { rate: Math.round(n / Math.max(0.001, (performance.now() - started) / 1000)) });
    },
    stop() {
      bar.stop();
    },
  };
}

/** For work whose total is unknown up front: a line on stderr every few seconds with the count and rate. */
export function progressCounter(
  label: string,
  every = 2000,
): { update(n: number): void; stop(n: number): void } {
  const started = performance.now();
  let last = started;
  const line = (n: number) => {
    const s = (performance.now() - started) / 1000;
    process.stderr.write(
      `${label}: ${n.toLocaleString('en')} rows, ${s.toFixed(1)} s, ${Math.round(n / Math.max(s, 0.001)).toLocaleString('en')} rows/s\n`,
    );
  };
  return {
    update(n) {
      const now = performance.now();
      if (now - last >= every) {
        last = now;
        line(n);
      }
    },
    stop(n) {
      line(n);
    },
  };
}
