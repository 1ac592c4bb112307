/**
 * The sites and reserve tiers view (场所梯次, a tab of 隔离管控) end to end: the real server (PGlite in a temporary
 * directory, a seeded city), a commander and a viewer made with the CLI, then Debian's Chromium: every site by tier
 * and status in words (status, kind, area by name, rooms free/total), a refusal worded by errorText (the site was
 * inspected meanwhile through the API), then a reserve site accepted from the page — its rooms count as free in the
 * view, on the board and in the forecast; a viewer sees the tiers without the buttons. Screenshots go to
 * e2e/screenshots/.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearerClient,
  cli,
  confirmPopover,
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

interface Site {
  id: number;
  name: string;
  kind: string;
  status: string;
  tier: number;
  area_code: string;
  rooms_total: number;
  rooms_free: number;
  beds_total: number;
  takes_people: boolean;
}

let dataDir: string;
let server: ChildProcess | undefined;
let browser: Browser | undefined;
let baseUrl: string;
let cmd: ReturnType<typeof bearerClient>;

beforeAll(async () => {
  let env: NodeJS.ProcessEnv;
  ({ dataDir, env } = prepare('sites'));
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
  const token = cli(
    ['token', 'create', '--name', 'e2e commander', '--role', 'commander', '--jurisdiction', CITY],
    env,
  ).trim();
  ({ url: baseUrl, child: server } = await startServer(env));
  cmd = bearerClient(() => baseUrl, token);
  browser = await launchBrowser();
});

afterAll(() => shutdown({ browser, server, dataDir }));

const open = (page: Page, label: string, path: string) => openFromMenu(page, baseUrl, label, path);
const confirm = confirmPopover;

const pane = (page: Page) => page.locator('.ant-tabs-tabpane-active');
const siteRow = (page: Page, id: number, status?: string) =>
  pane(page).locator(
    `${status ? `.site-status-group[data-status="${status}"] ` : ''}tr.ant-table-row[data-row-key="${id}"]`,
  );

const withPage = (username: string, run: (page: Page) => Promise<void>) =>
  withBrowserPage(browser, baseUrl, username, 'sites', run);

const sites = async () => (await cmd<{ items: Site[] }>('GET', '/api/isolation/sites')).items;
const forecastFree = async () =>
  (await cmd<{ rooms: { free: number } }>('GET', '/api/isolation/forecast')).rooms.free;

describe('sites and reserve tiers', () => {
  it('the commander sees every site by tier in words, is refused a stale step, and accepts a reserve site', async () => {
    const all = await sites();
    const reserve = all.find((s) => s.status === 'reserve' && s.rooms_total > 0);
    if (!reserve) throw new Error('the seeded city has no reserve site with rooms');
    const areaName = (await cmd<{ name: string }>('GET', `/api/areas/${reserve.area_code}`)).name;
    const freeBefore = await forecastFree();
    const tierFreeBefore = all.filter((s) => s.tier === reserve.tier).reduce((n, s) => n + s.rooms_free, 0);
    const n = reserve.rooms_total;

    await withPage(COMMANDER, async (page) => {
      await open(page, '隔离管控', '/isolation');
      await page.getByRole('tab', { name: '场所梯次' }).click();
      // Every site, each in its tier's card and its status's group.
      for (const s of all) await siteRow(page, s.id, s.status).waitFor();
      expect(await pane(page).locator('tr.ant-table-row').count()).toBe(all.length);
      const tiers = [...new Set(all.map((s) => s.tier))].sort((a, b) => a - b);
      expect(
        await pane(page)
          .locator('.site-tier')
          .evaluateAll((els) => els.map((e) => e.dataset.tier)),
      ).toEqual(tiers.map(String));
      await pane(page).locator('.site-tier').first().getByText(`第 ${tiers[0]} 梯次`).waitFor();
      // In words: status tags, the kind, the area by name, the rooms not yet counted as free.
      const tags = await pane(page).locator('.ant-tag').allTextContents();
      expect(tags).toEqual(expect.arrayContaining(['储备', '启用']));
      for (const tag of tags) expect(tag).not.toMatch(/[A-Za-z]/);
      const row = siteRow(page, reserve.id, 'reserve');
      await expect.poll(() => row.textContent()).toContain(areaName);
      const text = (await row.textContent()) ?? '';
      expect(text).toContain(reserve.name);
      expect(text).toMatch(/培训中心|党校|公租房|隔离酒店|板房隔离点/);
      expect(text).toContain(`— / ${n}`);
      expect(text).not.toMatch(/[A-Za-z]/);
      await page.screenshot({ path: join(SHOTS, 'sites-tiers.png'), fullPage: true });

      // Someone else starts the inspection meanwhile: the page's step is refused, in Chinese words.
      await cmd('POST', `/api/isolation/sites/${reserve.id}/inspect`);
      await row.getByRole('button', { name: '开始验收' }).click();
      await confirm(page);
      const refusal = page.locator('.ant-notification-notice', { hasText: '操作未成功' });
      await refusal.waitFor();
      expect(await refusal.locator('.action-error').textContent()).toContain('当前状态不允许此操作');
      await page.screenshot({ path: join(SHOTS, 'sites-refused.png') });
      await refusal.locator('.ant-notification-notice-close').click();

      // The view asked again: the site is being inspected; accepting it puts its rooms in service.
      const inspecting = siteRow(page, reserve.id, 'inspecting');
      await inspecting.getByRole('button', { name: '验收通过启用' }).click();
      await confirm(page);
      await page.getByText(`「${reserve.name}」验收通过，已启用`).waitFor();
      const active = siteRow(page, reserve.id, 'active');
      await active.waitFor();
      await expect.poll(() => active.textContent()).toContain(`${n} / ${n}`);
      expect(await active.getByRole('button', { name: '关闭', exact: true }).count()).toBe(1);
      await expect
        .poll(() => pane(page).locator(`.site-tier[data-tier="${reserve.tier}"] .tier-summary`).textContent())
        .toContain(`房间 空闲 ${tierFreeBefore + n} /`);
      await page.screenshot({ path: join(SHOTS, 'sites-accepted.png'), fullPage: true });

      // The board and the forecast count it.
      await page.getByRole('tab', { name: '清仓看板' }).click();
      const occ = pane(page).locator('tr.ant-table-row', { hasText: reserve.name });
      await occ.waitFor();
      expect(await occ.locator('.ant-tag').allTextContents()).toContain('启用');
    });
    expect(await forecastFree()).toBe(freeBefore + n);
    expect((await sites()).find((s) => s.id === reserve.id)).toMatchObject({
      status: 'active',
      rooms_free: n,
      takes_people: true,
    });
  });

  it('a viewer sees the tiers without the buttons', async () => {
    const all = await sites();
    await withPage(VIEWER, async (page) => {
      await open(page, '隔离管控', '/isolation');
      await page.getByRole('tab', { name: '场所梯次' }).click();
      for (const s of all) await siteRow(page, s.id, s.status).waitFor();
      expect(await pane(page).getByRole('button', { name: '开始验收' }).count()).toBe(0);
      expect(await pane(page).getByRole('button', { name: '关闭', exact: true }).count()).toBe(0);
    });
  });
});
