import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'bench/**/*.test.ts', 'web/src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: PGlite instances are heavy; keep parallel workers modest.
    maxWorkers: 2,
    // V8's baseline WebAssembly compiler only. Each test file runs in its own process, which would otherwise spend
    // about 1.5 s of CPU optimising the embedded database's WebAssembly; measured on 8 files (the twin's loop among
    // them) 100 → 90 s. The product itself runs with V8's defaults.
    execArgv: ['--liftoff-only'],
    // Migrated template databases, made once per run: each suite's database is a copy (src/db/template.ts).
    globalSetup: ['src/db/test-setup.ts'],
  },
});
