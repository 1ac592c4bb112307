/**
 * The README's screenshots (the dashboard and the pages a commander runs the day from) from a busy demo city: 200,000 people on the embedded database with the demo
 * outbreak that a first `npm start` makes (src/modules/command/demo-outbreak.ts), then the real server and
 * Debian's Chromium on the command centre. Needs `npm run build:web` first.
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
import { seedDemoDay } from '../src/modules/command/demo-day.ts';
import { seedDemoOutbreak } from '../src/modules/command/demo-outbreak.ts';
import { seedCity } from '../src/modules/registry/seed-city.ts';

const at = process.argv.indexOf('--people');
const people = at > 0 ? Number(process.argv[at + 1]) : 200_000;
const OUT = join(ROOT, 'docs/screenshots');
const dir = mkdtempSync(join(tmpdir(), 'qingcang-demo-'));
const now = new Date();

try {
  const db = await openPglite(dir);
  await migrate(db);
  const clock = new ManualClock(new Date(now.getTime() - 2 * 86_400_000));
  console.log(`seeding ${people.toLocaleString('en')} people…`);
  await seedCity(db, { city: '2202', people, seed: 42, clock });
  const outbreak = await seedDemoOutbreak(db, now);
  console.log(`demo outbreak: ${JSON.stringify(outbreak)}`);
  // As a first `qingcang start` does: a round in progress, leaders, a reserve tier to open, trips on the road.
  const day = await seedDemoDay(db, now);
  console.log(`demo day: ${JSON.stringify(day)}`);
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
    // The pages of the day, each as the commander first sees it (the first screen, not the whole page).
    for (const [path, file, tab] of [
      ['/isolation', 'isolation.png', undefined],
      ['/testing', 'testing.png', undefined],
      ['/command', 'command.png', undefined],
      ['/transfer', 'transfer.png', undefined],
    ] as const) {
      await page.goto(`${url}${path}`);
      await page.waitForLoadState('networkidle');
      if (tab) {
        await page.getByRole('tab', { name: tab }).click();
        await page.waitForLoadState('networkidle');
      }
      await page.waitForTimeout(2000);
      await page.screenshot({ path: join(OUT, file) });
      console.log(`wrote ${join(OUT, file)}`);
    }
    await browser.close();
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
