// Runs Biome (lint + format) from its platform package. The @biomejs/biome wrapper is not used because its
// optional packages for other platforms are missing from the registry these machines reach, which breaks
// `npm ci`; the Linux packages are declared directly instead (x64 and arm64, glibc).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const pkg = `@biomejs/cli-${process.platform}-${process.arch}`;
let bin: string | undefined;
try {
  bin = join(
    dirname(require.resolve(`${pkg}/package.json`)),
    process.platform === 'win32' ? 'biome.exe' : 'biome',
  );
} catch {
  bin = undefined;
}
if (!bin || !existsSync(bin)) {
  console.error(
    `Biome is not installed for ${process.platform}-${process.arch} (${pkg}); lint runs on Linux x64 and arm64.`,
  );
  process.exit(2);
}
const r = spawnSync(bin, process.argv.slice(2), { stdio: 'inherit' });
process.exit(r.status ?? 1);
