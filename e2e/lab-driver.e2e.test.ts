/**
 * Two daily actions end to end, as their users do them: the real server (PGlite in a temporary directory, a seeded
 * city), Debian's Chromium. The lab (实验室): a lab worker chooses the lab, receives one box by scanning its
 * barcode and the other from the in-transit list, sends a results file with a bad row (refused whole, the row named
 * in words), sends it again corrected (the positive starts its follow-up), enters the last tube by hand; the tubes
 * waiting for a result empty. The driver (转运): after tracing, placement and planning through the API, a driver
 * picks the vehicle by plate and runs its trip: departs, marks each passenger picked up, delivers, and disinfects
 * the vehicle after a case. Each step is checked through the API. No raw code or English word on either Chinese
 * page. Screenshots: e2e/screenshots/lab.png, e2e/screenshots/driver.png.
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
const RAW =
  /\b(in_transit|received|negative|positive|invalid|recorded|duplicate|rejected|planned|departed|delivered|assigned|picked_up|no_show|case_ambulance|contact|undefined|null|NaN)\b/;

let dataDir: string;
let server: ChildProcess | undefined;
let browser: Browser | undefined;
let baseUrl: string;
let testing: ReturnType<typeof bearerClient>;
let cmd: ReturnType<typeof bearerClient>;
/** The positive resident, a neighbour with a negative tube, the positive's household. */
const made = { index: 0, neighbour: 0, family: [] as number[], street: '' };

interface P {
  id: number;
  area_code: string;
}

beforeAll(async () => {
  let env: NodeJS.ProcessEnv;
  ({ dataDir, env } = prepare('lab-driver'));
  cli(['seed', '--people', '2000'], env);
  for (const [username, role] of [
    ['e2e.lab', 'lab'],
    ['e2e.driver', 'driver'],
  ] as const)
    cli(
      ['user', 'create', '--username', username, '--role', role, '--jurisdiction', CITY],
      env,
      `${PASSWORD}\n`,
    );
  const token = (role: string) =>
    cli(['token', 'create', '--name', `e2e ${role}`, '--role', role, '--jurisdiction', CITY], env).trim();
  const tokens = { testing: token('testing'), commander: token('commander') };
  ({ url: baseUrl, child: server } = await startServer(env));
  testing = bearerClient(() => baseUrl, tokens.testing);
  cmd = bearerClient(() => baseUrl, tokens.commander);

  // A resident with a household: sampled alone, with a neighbour's tube beside it, each tube in its own box.
  const people = await testing<{ items: P[] }>('GET', '/api/persons?limit=200');
  for (const p of people.items) {
    const one = await testing<P & { household: P[] }>('GET', `/api/persons/${p.id}`);
    if (one.household.length >= 2) {
      made.index = p.id;
      made.family = one.household.filter((m) => m.id !== p.id).map((m) => m.id);
      made.street = p.area_code.slice(0, 9);
      break;
    }
  }
  if (!made.index) throw new Error('no household of two in the seeded city');
  const neighbour = (
    await testing<{ items: P[] }>('GET', `/api/persons?area=${made.street}&limit=50`)
  ).items.find((p) => p.id !== made.index && !made.family.includes(p.id));
  made.neighbour = neighbour?.id ?? 0;
  const round = await testing<{ id: number }>('POST', '/api/testing/rounds', {
    name: 'E2E 实验室轮次',
    areas: [made.street],
  });
  const points = await testing<{ items: { id: number }[] }>('GET', `/api/testing/rounds/${round.id}/points`);
  const point = points.items[0]?.id as number;
  const at = new Date(Date.now() - 30 * 60_000).toISOString();
  await testing('POST', `/api/testing/rounds/${round.id}/scans`, {
    items: [
      {
        key: `e2e-lab-${made.index}`,
        tube: 'LAB00001',
        person_id: made.index,
        point_id: point,
        scanned_at: at,
        pool_size: 1,
      },
      {
        key: `e2e-lab-${made.neighbour}`,
        tube: 'LAB00002',
        person_id: made.neighbour,
        point_id: point,
        scanned_at: at,
        pool_size: 1,
      },
    ],
  });
  for (const [box, tube] of [
    ['LABBOX01', 'LAB00001'],
    ['LABBOX02', 'LAB00002'],
  ]) {
    await testing('POST', '/api/testing/boxes', { round_id: round.id, box, tubes: [tube] });
    await testing('POST', `/api/testing/boxes/${box}/ship`);
  }
  browser = await launchBrowser();
});

afterAll(() => shutdown({ browser, server, dataDir }));

async function rawWords(page: Page): Promise<string[]> {
  const text = (await page.locator('main, .ant-layout-content').first().textContent()) ?? '';
  return text.match(new RegExp(RAW.source, 'g')) ?? [];
}

describe('实验室与司机', () => {
  it('a lab worker receives boxes, sends results (a bad file refused whole), enters one by hand', async () => {
    await withBrowserPage(browser, baseUrl, 'e2e.lab', 'lab', async (page) => {
      await openFromMenu(page, baseUrl, '实验室', '/lab');
      await page.getByRole('heading', { name: '实验室工作台' }).waitFor();
      // Both boxes wait in transit, oldest first.
      const transit = page.locator('.ant-card', { hasText: '接收转运箱' });
      await expect.poll(() => transit.locator('tr.ant-table-row').count()).toBe(2);
      // The lab is chosen once (remembered in this browser).
      await page.locator('.lab-choice').click();
      await page
        .locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option')
        .first()
        .click();
      // A scanner types the box barcode and Enter.
      await page.locator('.box-barcode').fill('LABBOX01');
      await page.locator('.box-barcode').press('Enter');
      await page.getByText('已接收转运箱 LABBOX01：1 管').waitFor();
      // The other from the list.
      await transit
        .locator('tr.ant-table-row', { hasText: 'LABBOX02' })
        .getByRole('button', { name: '接收' })
        .click();
      await page.getByText('已接收转运箱 LABBOX02：1 管').waitFor();
      await expect.poll(() => transit.locator('tr.ant-table-row').count()).toBe(0);
      const pending = page.locator('.ant-card', { hasText: '待出结果' }).last();
      await expect.poll(() => pending.locator('tr.ant-table-row').count()).toBe(2);

      // A file with an unreadable result: nothing recorded, the row named in words.
      const now = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
      const bad = ['试管条码,检测结果,检测时间,ORF1ab基因Ct值', `LAB00001,阳,${now},28.1`].join('\n');
      const results = page.locator('.ant-card', { hasText: '录入结果' });
      await results
        .locator('input[type=file]')
        .setInputFiles({ name: '结果.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
      await page.getByText('文件未入库', { exact: true }).waitFor();
      await page.getByText('有的行读不懂').waitFor(); // in Chinese, not the API's English sentence
      const refused = results.locator('tr.ant-table-row');
      await expect.poll(() => refused.count()).toBe(1);
      expect(await refused.locator('td').allTextContents()).toEqual(['2', '结果不是阴性、阳性或无效']);
      expect((await testing<{ total: number }>('GET', '/api/testing/tubes/pending')).total).toBe(2);

      // Corrected: recorded, and the positive starts its follow-up.
      const good = ['试管条码,检测结果,检测时间,ORF1ab基因Ct值', `LAB00001,阳性,${now},28.1`].join('\n');
      await results
        .locator('input[type=file]')
        .setInputFiles({ name: '结果-改正.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
      const report = results.locator('.lab-report');
      await report.waitFor();
      expect(await report.textContent()).toMatch(/新入库1/);

      // The last tube by hand.
      const manual = page.locator('.lab-manual');
      await manual.getByLabel('试管条码').fill('LAB00002');
      await manual.locator('.ant-form-item', { hasText: '结果' }).locator('.ant-select').first().click();
      await page
        .locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option', {
          hasText: '阴性',
        })
        .click();
      await manual.getByRole('button', { name: '保存结果' }).click();
      await page.getByText('试管 LAB00002：已入库').waitFor();
      await expect.poll(() => pending.locator('tr.ant-table-row').count()).toBe(0);
      expect(await rawWords(page)).toEqual([]);
      await page.screenshot({ path: join(SHOTS, 'lab.png'), fullPage: true });
    });
    // Through the API: both tubes resulted once, the lab counts them as today's.
    const labs = await testing<{ items: { pending: number; resulted_today: number }[] }>(
      'GET',
      '/api/testing/labs',
    );
    expect(labs.items.reduce((n, l) => n + l.resulted_today, 0)).toBe(2);
    expect(labs.items.reduce((n, l) => n + l.pending, 0)).toBe(0);
  });

  it('a driver picks the vehicle and runs its trip: depart, pick up each passenger, deliver, disinfect', async () => {
    await cmd('POST', '/api/tracing/run');
    const placed = await cmd<{ placed: number }>('POST', '/api/isolation/place', { edition: '8th' });
    expect(placed.placed).toBeGreaterThan(0);
    const plan = await cmd<{ trips: { id: number; plate: string; site_name: string; class: string }[] }>(
      'POST',
      '/api/transfer/plan',
      { window_hours: 24 }, // A 24-hour shift from 06:00: the default (06:00-22:00 Beijing) has no room left for a trip late in the evening
    );
    expect(plan.trips.length).toBeGreaterThan(0);
    // The case's trip (an ambulance, disinfected after), else the first.
    const trip =
      plan.trips.find((t) => t.class !== 'contact') ?? (plan.trips[0] as (typeof plan.trips)[number]);
    expect(trip.plate).not.toBe('');
    expect(trip.site_name).not.toBe('');
    await withBrowserPage(browser, baseUrl, 'e2e.driver', 'driver', async (page) => {
      await openFromMenu(page, baseUrl, '转运', '/transfer');
      await page.getByRole('tab', { name: '车次' }).click();
      await page.locator('.vehicle-choice').click();
      await page.keyboard.type(trip.plate);
      await page
        .locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option', {
          hasText: trip.plate,
        })
        .click();
      const row = page.locator('tr.ant-table-row', { hasText: trip.site_name }).first();
      await row.getByRole('button', { name: '出发' }).click();
      await confirmPopover(page);
      await page.getByText(`车次 ${trip.id} 已出发`).waitFor();
      await row.locator('.ant-table-row-expand-icon').click();
      const passengers = page.locator('.ant-table-expanded-row tr.ant-table-row');
      const n = await passengers.count();
      expect(n).toBeGreaterThan(0);
      for (let i = 0; i < n; i++) {
        await passengers.getByRole('button', { name: '已上车' }).first().click();
        await expect.poll(() => passengers.getByRole('button', { name: '已上车' }).count()).toBe(n - i - 1);
      }
      await row.getByRole('button', { name: '送达' }).click();
      await confirmPopover(page);
      await page.getByText(`已送达 ${n} 人（未到 0 人）`).waitFor();
      const t = (
        await cmd<{ items: { id: number; status: string; needs_disinfection: boolean }[] }>(
          'GET',
          '/api/transfer/trips',
        )
      ).items.find((x) => x.id === trip.id);
      expect(t?.status).toBe('delivered');
      if (t?.needs_disinfection) {
        await row.getByRole('button', { name: '车辆已消毒' }).click();
        await confirmPopover(page);
        await page.getByText(`车次 ${trip.id} 的车辆已消毒`).waitFor();
      }
      expect(await rawWords(page)).toEqual([]);
      await page.screenshot({ path: join(SHOTS, 'driver.png'), fullPage: true });
    });
    const after = (
      await cmd<{
        items: { id: number; status: string; disinfected_at: string | null; needs_disinfection: boolean }[];
      }>('GET', '/api/transfer/trips')
    ).items.find((x) => x.id === trip.id);
    expect(after?.status).toBe('delivered');
    if (after?.needs_disinfection) expect(after.disinfected_at).not.toBeNull();
  });
});
