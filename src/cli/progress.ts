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
