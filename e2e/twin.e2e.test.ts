/**
 * 推演 end to end: the real server (PGlite in a temporary directory, its background runner), a commander and a
 * viewer made with the CLI, Debian's Chromium. The commander asks for a small simulation from the page, sees it
 * queued, running and done without reloading, then the summary table with the strategies by their Chinese names
 * and one chart per figure; the run is kept and listed again after a reload. A viewer has no 推演 menu and the API
 * refuses it. Screenshot: e2e/screenshots/twin.png.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli,
  launchBrowser,
  openFromMenu,
  PASSWORD,
  prepare,
  SHOTS,
  shutdown,
  startServer,
  withBrowserPage,
} from './harness.ts';

const CITY = '2202';
const COMMANDER = 'e2e.commander';
const VIEWER = 'e2e.viewer';

let dataDir: string;
let server: ChildProcess | undefined;
let browser: Browser | undefined;
let baseUrl: string;

beforeAll(async () => {
  let env: NodeJS.ProcessEnv;
  ({ dataDir, env } = prepare('twin'));
  cli(['seed', '--people', '500'], env);
  for (const [username, role] of [
    [COMMANDER, 'commander'],
    [VIEWER, 'viewer'],
  ] as const)
    cli(
      ['user', 'create', '--username', username, '--role', role, '--jurisdiction', CITY],
      env,
      `${PASSWORD}\n`,
    );
  ({ url: baseUrl, child: server } = await startServer(env));
  browser = await launchBrowser();
});

afterAll(() => shutdown({ browser, server, dataDir }));

describe('推演', () => {
  it('a commander runs a small simulation from the page and compares the strategies', async () => {
    await withBrowserPage(browser, baseUrl, COMMANDER, 'twin', async (page) => {
      await openFromMenu(page, baseUrl, '推演', '/twin');
      await page.getByRole('heading', { name: '疫情推演' }).waitFor();
      await page.getByText('还没有推演').waitFor();
      await page.getByLabel('模拟天数').fill('4');
      await page.getByLabel('随机种子数').fill('2');
      await page.getByLabel('城市人口').fill('2000');
      // The two strategies checked by default, and a third.
      await page.getByRole('checkbox', { name: '单管单检' }).check();
      await page.getByText(/预计用时约 \d+ (秒|分钟)/).waitFor();
      await page.getByRole('button', { name: '开始推演' }).click();
      await page.getByText(/已加入队列：推演 #1/).waitFor();
      const row = page.locator('tr.ant-table-row[data-row-key="1"]');
      await row.getByText(/排队中|运行中|已完成/).waitFor();
      // Without a reload: the page asks again while a run waits or runs.
      await row.getByText('已完成').waitFor({ timeout: 120_000 });
      await page.getByText('推演 #1：吉林市 2022 年 3 月').waitFor();
      const summary = page.locator('.ant-card', { hasText: '推演 #1：' }).locator('table').first();
      for (const name of ['实际做法', '每日一轮全员核酸', '单管单检'])
        await summary.getByText(name).waitFor();
      await page.getByText('每日校验跨模块不变量：全部通过').waitFor();
      for (const title of [
        '每日新增感染（真实，含未发现）',
        '当日发现病例',
        '所需隔离房间',
        '空闲隔离房间',
        '待安置积压人数',
        '每日核酸检测人次',
      ])
        await page.getByText(title, { exact: true }).waitFor();
      expect(await page.locator('.ant-card canvas').count()).toBeGreaterThanOrEqual(6);
      // No English word or raw code in the Chinese page (strategy codes, statuses).
      const text = (await page.locator('main').textContent()) ?? '';
      expect(text).not.toMatch(/as-it-happened|daily-rounds|single-tube|queued|running|done\b/);
      await page.screenshot({ path: join(SHOTS, 'twin.png'), fullPage: true });
      // Kept: after a reload the run is listed and opens again.
      await page.reload();
      await page.getByText('推演 #1：吉林市 2022 年 3 月').waitFor();
    });
  }, 180_000);

  it('a viewer has no 推演 page and the API refuses it', async () => {
    await withBrowserPage(browser, baseUrl, VIEWER, 'twin-viewer', async (page) => {
      expect(await page.getByRole('menuitem', { name: '推演', exact: true }).count()).toBe(0);
      const status = await page.evaluate(async () => (await fetch('/api/twin/runs')).status);
      expect(status).toBe(403);
    });
  });
});
