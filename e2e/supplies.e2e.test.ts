/**
 * 生活物资保供 end to end: the real server (PGlite in a temporary directory, a seeded city), a commander made with the
 * CLI, Debian's Chromium. A street is locked down and a district depot set up through the API; in the browser the
 * commander files a request for a resident found by name (a resident outside every zone is refused, in words),
 * confirms the planner's proposal, records the delivery dispatched and at the gate, and the last metre by a named
 * volunteer; the figures say so. Through the API, a delivery to a compound with no request is refused. No raw code
 * or English word on the Chinese page. Screenshot: e2e/screenshots/supplies.png.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearerClient,
  cli,
  launchBrowser,
  loginPage,
  PASSWORD,
  prepare,
  SHOTS,
  shutdown,
  startServer,
} from './harness.ts';

const CITY = '2202';
const COMMANDER = 'e2e.commander';
const RAW =
  /\b(open|planned|dispatched|at_gate|handed|groceries|medicine|infant|elderly|lockdown|control|door|gate|urgent|normal|volunteer|community_worker)\b/;

let dataDir: string;
let server: ChildProcess | undefined;
let browser: Browser | undefined;
let baseUrl: string;
let token: string;
const resident = { id: 0, name: '', street: '' };
const outsider = { id: 0, name: '' };
let emptyCompound = '';

beforeAll(async () => {
  let env: NodeJS.ProcessEnv;
  ({ dataDir, env } = prepare('supplies'));
  cli(['seed', '--people', '1000'], env);
  cli(
    ['user', 'create', '--username', COMMANDER, '--role', 'commander', '--jurisdiction', CITY],
    env,
    `${PASSWORD}\n`,
  );
  token = cli(
    ['token', 'create', '--name', 'e2e supplies', '--role', 'commander', '--jurisdiction', CITY],
    env,
  ).trim();
  ({ url: baseUrl, child: server } = await startServer(env));
  const api = bearerClient(() => baseUrl, token);
  const people = await api<{ items: { id: number; name: string; area_code: string }[] }>(
    'GET',
    '/api/persons?limit=100',
  );
  // Residents whose names are unique among those listed, so the search finds them first.
  const counts = new Map<string, number>();
  for (const p of people.items) counts.set(p.name, (counts.get(p.name) ?? 0) + 1);
  const unique = people.items.filter((x) => counts.get(x.name) === 1);
  const p = unique[0];
  if (!p) throw new Error('no people');
  Object.assign(resident, { id: p.id, name: p.name, street: p.area_code.slice(0, 9) });
  const o =
    unique.find(
      (x) => x.area_code.startsWith(resident.street.slice(0, 6)) && !x.area_code.startsWith(resident.street),
    ) ?? unique.find((x) => !x.area_code.startsWith(resident.street));
  if (!o) throw new Error('no one outside the street');
  Object.assign(outsider, { id: o.id, name: o.name });
  emptyCompound = o.area_code.slice(0, 12);
  await api('POST', '/api/zones', {
    area_code: resident.street,
    level: 'lockdown',
    reason: '出现病例，封控管理',
  });
  await api('POST', '/api/supplies/depots', {
    name: '区保供物资仓库',
    area_code: resident.street.slice(0, 6),
    stock: { groceries: 20, medicine: 5 },
  });
  browser = await launchBrowser();
});

afterAll(() => shutdown({ browser, server, dataDir }));

async function pickOption(page: Page, text: string | RegExp): Promise<void> {
  await page
    .locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option', {
      hasText: text,
    })
    .first()
    .click();
}

/** Answers the confirmation of one step (a Popconfirm naming it). */
async function confirmStep(page: Page, step: string): Promise<void> {
  await page
    .locator('.ant-popover:not(.ant-popover-hidden)', { hasText: `确认登记“${step}”` })
    .getByRole('button', { name: /确\s*定/ })
    .click();
}

async function fileFor(page: Page, name: string): Promise<void> {
  const form = page.locator('.supplies-request-form');
  await form.locator('.supplies-person input').fill(name);
  await pickOption(page, name);
  await form.locator('.supplies-qty-groceries input').fill('2');
  await form.locator('.supplies-qty-medicine input').fill('1');
  await form.getByRole('button', { name: '提交需求' }).click();
}

describe('生活物资保供', () => {
  it('files a request, confirms the plan, dispatches, reaches the gate and hands it over; refuses one outside every zone', async () => {
    if (!browser) throw new Error('no browser');
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, locale: 'zh-CN' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await loginPage(page, baseUrl, COMMANDER);
      await page.goto(`${baseUrl}/supplies`);
      await page.getByRole('heading', { name: '生活物资保供' }).waitFor();
      await page.getByText('当前没有可安排的待配送需求').waitFor();

      // A resident outside every zone: refused in words, nothing filed.
      await fileFor(page, outsider.name);
      await page.locator('.action-error', { hasText: '不在封控区或管控区内' }).waitFor();
      await page.locator('.ant-notification-notice-close').first().click();

      // The locked-down resident: medicine makes it urgent, delivered to the door.
      await fileFor(page, resident.name);
      await page.getByText(/需求 #1 已登记：送货到门/).waitFor();
      const row = page.locator('.supplies-requests .ant-table-row').first();
      await row.getByText('待配送').waitFor();
      await row.getByText('加急').waitFor();
      await row.getByText('封控区').waitFor();

      // The planner's proposal, confirmed.
      await page.locator('.supplies-confirm').first().click();
      await page.getByText('配送单 #1 已生成（1条需求）').waitFor();
      await row.getByText('已排车').waitFor();

      // Dispatched (the driver named), at the gate.
      await page.locator('.supplies-driver').fill('保供车司机周建');
      const delivery = page.locator('.supplies-deliveries .ant-table-row').first();
      await delivery.getByRole('button', { name: '出库发车' }).click();
      await confirmStep(page, '出库发车');
      await delivery.getByText('在途').waitFor();
      await delivery.getByRole('button', { name: '到达小区门口' }).click();
      await confirmStep(page, '到达小区门口');
      await delivery.locator('.ant-tag', { hasText: '已到小区门口' }).waitFor();
      const depots = page.locator('.supplies-depots');
      await depots.getByText('生活物资 18/18').waitFor();

      // The last metre: handed by a named volunteer.
      await row.locator('.supplies-hand').click();
      const modal = page.locator('.ant-modal', { hasText: '登记“最后一米”送达' });
      await modal.locator('.supplies-hand-worker').fill('志愿者王磊');
      await modal.getByRole('button', { name: /确\s*定/ }).click();
      await page.getByText('已登记送达').waitFor();
      await row.locator('.ant-tag', { hasText: '已送达' }).waitFor();
      await row.getByText(/志愿者王磊（志愿者）/).waitFor();
      await delivery.getByText('全部送达').waitFor();
      const figures = page.locator('.supplies-figures');
      await figures.locator('.ant-statistic', { hasText: '当日保供已送达' }).getByText('1').waitFor();
      await figures.locator('.ant-statistic', { hasText: '当日保供需求' }).getByText('1').waitFor();

      // A delivery to a compound with no request: refused with its code.
      const api = bearerClient(() => baseUrl, token);
      const depot = (await api<{ items: { id: number }[] }>('GET', '/api/supplies/depots')).items[0];
      await expect(
        api('POST', '/api/supplies/deliveries', {
          key: 'e2e-delivery-empty',
          depot_id: depot?.id,
          area_code: emptyCompound,
        }),
      ).rejects.toThrow(/409.*no_open_request/);

      const text = (await page.locator('main').textContent()) ?? (await page.textContent('body')) ?? '';
      expect(text).not.toMatch(RAW);
      await page.screenshot({ path: join(SHOTS, 'supplies.png'), fullPage: true });
      expect(errors).toEqual([]);
    } catch (err) {
      await page.screenshot({ path: join(SHOTS, 'supplies-failure.png'), fullPage: true });
      throw err;
    } finally {
      await context.close();
    }
  });
});
