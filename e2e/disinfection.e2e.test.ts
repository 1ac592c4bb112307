/**
 * 环境消杀 end to end: the real server (PGlite in a temporary directory, a seeded city, the disinfection loop every
 * second), a community worker made with the CLI, Debian's Chromium. The worker adds a market in a district picked by
 * name, every 8 hours from now; the loop makes its first disinfection, which appears on the page with its owner; the
 * worker records it done with 过氧乙酸 (the concentration suggested for the agent) and the row says who and when; the
 * figures count it. No raw code or English word on the Chinese page. Screenshot: e2e/screenshots/disinfection.png.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli,
  launchBrowser,
  PASSWORD,
  prepare,
  SHOTS,
  shutdown,
  startServer,
  withBrowserPage,
} from './harness.ts';

const CITY = '2202';
const WORKER = 'e2e.worker';
const RAW =
  /\b(market|supermarket|garbage_point|chlorine|peracetic_acid|schedule|case_building|case_venue|env_disinfection|open|done|late|disinfection_\w+)\b/;

let dataDir: string;
let server: ChildProcess | undefined;
let browser: Browser | undefined;
let baseUrl: string;

beforeAll(async () => {
  let env: NodeJS.ProcessEnv;
  ({ dataDir, env } = prepare('disinfection', { QINGCANG_DISINFECTION_EVERY_MS: '1000' }));
  cli(['seed', '--people', '300'], env);
  cli(
    ['user', 'create', '--username', WORKER, '--role', 'community_worker', '--jurisdiction', CITY],
    env,
    `${PASSWORD}\n`,
  );
  ({ url: baseUrl, child: server } = await startServer(env));
  browser = await launchBrowser();
});

afterAll(() => shutdown({ browser, server, dataDir }));

async function pickTreeNode(page: Page, name: string): Promise<void> {
  await page
    .locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-tree-node-content-wrapper', {
      hasText: name,
    })
    .first()
    .click();
}

describe('环境消杀', () => {
  it('adds a place, sees its disinfection due with the owner, records it done with an agent', async () => {
    await withBrowserPage(browser, baseUrl, WORKER, 'disinfection-failure.png', async (page) => {
      await page.getByRole('menuitem', { name: '环境消杀', exact: true }).click();
      await page.waitForURL((u) => u.pathname === '/disinfection');
      await page.getByRole('heading', { name: '环境消杀' }).waitFor();
      const districts = await page.evaluate(async () => {
        const res = await fetch('/api/areas?parent=2202');
        return ((await res.json()) as { items: { code: string; name: string }[] }).items;
      });
      const district = districts[0] as { code: string; name: string };

      // A market of the district, every 8 hours from now, its area picked by name.
      const form = page.locator('.disinfection-place-form');
      await form.getByLabel('名称', { exact: true }).fill('东关农贸市场');
      await form.locator('.ant-form-item', { hasText: '所在区域' }).locator('.ant-select').click();
      await pickTreeNode(page, district.name);
      await form.getByLabel('负责单位', { exact: true }).fill('东关市场管理处');
      await form.getByLabel('间隔（小时）').fill('8');
      await form.getByRole('button', { name: '新增' }).click();
      await page.getByText('已新增点位').waitFor();
      await page.locator('.disinfection-places tr.ant-table-row', { hasText: '东关农贸市场' }).waitFor();

      // The loop makes its first disinfection (due now); the page shows it with its owner and the record button.
      // Every 8 hours from now: up to three due times fall in today (Beijing), the first is due now.
      const dueRows = page.locator('.disinfection-due tr.ant-table-row', { hasText: '东关农贸市场' });
      const dueRow = dueRows.first();
      await expect
        .poll(
          async () => {
            await page.reload();
            await page.getByRole('heading', { name: '环境消杀' }).waitFor();
            return dueRows.count();
          },
          { timeout: 30_000, interval: 1500 },
        )
        .toBeGreaterThan(0);
      await dueRow.getByText('东关市场管理处').waitFor();
      await dueRow.getByText('按频次').waitFor();
      await dueRow.getByText('农贸市场', { exact: true }).waitFor();
      await dueRow.getByText(district.name).waitFor();

      // Record it: peracetic acid, the suggested 0.2%.
      await dueRow.getByRole('button', { name: '登记完成' }).click();
      const modal = page.locator('.ant-modal', { hasText: '登记消杀完成' });
      await modal.locator('.ant-select').click();
      await page.locator('.ant-select-item-option', { hasText: '过氧乙酸' }).click();
      expect(await modal.getByLabel('浓度').inputValue()).toBe('0.2%');
      await modal.getByLabel('备注（消杀范围等）').fill('摊位、地面、公共卫生间');
      await modal.getByRole('button', { name: '登记' }).click();
      await page.getByText('已登记', { exact: true }).waitFor();
      await dueRow.getByText('已完成').waitFor();
      await dueRow.getByText(`${WORKER} 于`).waitFor();
      await dueRow.getByText('过氧乙酸 0.2%').waitFor();
      expect(await dueRow.getByRole('button', { name: '登记完成' }).count()).toBe(0);
      // The figures count it (the day's done: 1).
      const done = page.locator('.ant-statistic', {
        has: page.locator('[data-figure="disinfections_done"]'),
      });
      await done.locator('.ant-statistic-content-value', { hasText: '1' }).waitFor();
      expect((await page.locator('main').textContent()) ?? '').not.toMatch(RAW);
      await page.screenshot({ path: join(SHOTS, 'disinfection.png'), fullPage: true });
    });
  }, 180_000);
});
