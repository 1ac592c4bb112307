/**
 * The README's screenshots from a busy demo city: 200,000 people on the embedded database, two days of an
 * outbreak made by the real modules (positives traced, everyone placed that the rooms allow, arrivals), then the
 * real server and Debian's Chromium on the command centre and two work pages. Needs `npm run build:web` first.
 *
 *   node scripts/demo-screenshots.ts [--people N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, launchBrowser, PASSWORD, ROOT, startServer } from '../e2e/harness.ts';
import { migrate } from '../src/db/migrate.ts';
import { openPglite } from '../src/db/pglite.ts';
import { ManualClock } from '../src/domain/clock.ts';
import { UNSCOPED } from '../src/modules/access/scope.ts';
import { placeBacklog } from '../src/modules/isolation/place-backlog.ts';
import { arrive } from '../src/modules/isolation/stays.ts';
import { seedCity } from '../src/modules/registry/seed-city.ts';
import { runTracing } from '../src/modules/tracing/run-tracing.ts';

const at = process.argv.indexOf('--people');
const people = at > 0 ? Number(process.argv[at + 1]) : 200_000;
const OUT = join(ROOT, 'docs/screenshots');
const dir = mkdtempSync(join(tmpdir(), 'qingcang-demo-'));
const now = new Date();
const dayMs = 86_400_000;

try {
  const db = await openPglite(dir);
  await migrate(db);
  const clock = new ManualClock(new Date(now.getTime() - 2 * dayMs));
  console.log(`seeding ${people.toLocaleString('en')} people…`);
  await seedCity(db, { city: '2202', people, seed: 42, clock });
  // Two days of positives, more on the second, spread over the districts by a hash of the person.
  for (const [day, cases] of [
    [2, 120],
    [1, 260],
  ] as const) {
    clock.set(new Date(now.getTime() - day * dayMs));
    await db.query(
      `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
       SELECT 'testing.person_positive', 'person', id, area_code, $2, '{}'::jsonb
         FROM persons WHERE risk_status = 'none' ORDER BY hashint8extended(id, $3) LIMIT $1`,
      [cases, clock.now(), day],
    );
    for (;;) {
      const r = await runTracing(db, clock);
      if (r.casesCreated === 0 && r.traced.length === 0) break;
    }
    clock.set(new Date(clock.now().getTime() + 3 * 3600_000));
    const placed = await db.transaction((tx) => placeBacklog(tx, clock, UNSCOPED, '8th'));
    const stays = await db.query<{ id: number }>(
      "SELECT id FROM placements WHERE status = 'placed' ORDER BY id LIMIT $1",
      [Math.floor(placed.placed * 0.7)],
    );
    clock.set(new Date(clock.now().getTime() + 4 * 3600_000));
    await db.transaction(async (tx) => {
      for (const s of stays.rows) await arrive(tx, clock, s.id, '');
    });
    console.log(
      `  day −${day}: ${cases} positives traced, ${placed.placed} placed, ${stays.rows.length} arrived`,
    );
  }
  // Today's positives, found this morning and not yet all placed.
  await db.query(
    `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
     SELECT 'testing.person_positive', 'person', id, area_code, $1, '{}'::jsonb
       FROM persons WHERE risk_status = 'none' ORDER BY hashint8extended(id, 7) LIMIT 340`,
    [new Date(now.getTime() - 3 * 3600_000)],
  );
  await db.close();

  const env: NodeJS.ProcessEnv = { ...process.env, QINGCANG_DATA_DIR: dir, LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  cli(
    ['user', 'create', '--username', 'demo.commander', '--role', 'commander', '--jurisdiction', '2202'],
    env,
    `${PASSWORD}\n`,
  );
  const { url, child } = await startServer(env);
  try {
    // The server traces today's positives and refreshes the dashboard on start.
    await new Promise((r) => setTimeout(r, 15_000));
    const browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(url);
    await page.getByLabel('用户名').fill('demo.commander');
    await page.getByLabel('密码').fill(PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByText('指挥中心大屏').waitFor();
    await page.waitForTimeout(3000); // charts animate in
    await page.screenshot({ path: join(OUT, 'dashboard.png'), fullPage: true });
    console.log(`wrote ${join(OUT, 'dashboard.png')}`);
    await browser.close();
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
