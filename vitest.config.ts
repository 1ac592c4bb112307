import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'bench/**/*.test.ts', 'web/src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: PGlite instances are heavy; keep parallel workers modest.
    maxWorkers: 2,
    // Migrated template databases, made once per run: each suite's database is a copy (src/db/template.ts).
    globalSetup: ['src/db/test-setup.ts'],
  },
});
