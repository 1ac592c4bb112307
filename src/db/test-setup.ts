/**
 * Vitest's global setup (vitest.config.ts): the migrated templates every test database of the run is copied from
 * (./template.ts), made once per run instead of once per suite. The PostgreSQL template is dropped at the end.
 */
import type { TestProject } from 'vitest/node';
import { ensurePgliteTemplate, ensurePostgresTemplate } from './template.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  project.provide('pgliteTemplate', await ensurePgliteTemplate());
  const url = process.env.DATABASE_URL;
  const pgTemplate = url ? await ensurePostgresTemplate(url) : undefined;
  project.provide('postgresTemplate', pgTemplate?.name);
  return async () => {
    await pgTemplate?.drop();
  };
}
