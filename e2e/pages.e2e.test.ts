/**
 * The command centre's work pages end to end: the real server (PGlite in a temporary directory, a seeded city of
 * 2,000 people), real data made through the HTTP API (a testing round with scans, boxes and results, one of them
 * positive; tracing turns it into a case with household contacts; placement; trip planning; a zone; a leader),
 * then Debian's Chromium checks that every page shows those rows: testing (rounds, coverage with the stage clocks,
 * the door-knocking list, sampling points, an Excel export), tracing (cases, contacts with provenance, the
 * chains graph), isolation (board, stock, forecast, stays), transfer (trips for a dispatcher, clocks),
 * command (zones, leaders, responsibility list, tasks, daily report and its downloads). Then the actions, each
 * checked through the API afterwards: placing a new backlog, a stay's arrival, planning trips, a zone lift refused
 * with its reasons, completing a task. Screenshots go to e2e/screenshots/.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearerClient,
  cli,
  FULL_ID,
  launchBrowser,
  PASSWORD,
  prepare,
  SHOTS,
  shutdown,
  startServer,
} from './harness.ts';

let dataDir: string;
let server: ChildProcess | undefined;
let browser: Browser | undefined;
let baseUrl: string;
let commanderToken: string;

/** What the set-up made through the API, for the checks to look for. */
const made = {
  roundId: 0,
  roundName: 'E2E 全员核酸第1轮',
  street: '',
  community: '',
  communityName: '',
  district: '',
  districtName: '',
  grid: '',
  gridName: '',
  caseNo: '',
  secondCaseNo: '',
  householdId: 0,
  pointId: 0,
  spare: [] as number[],
  sampled: 0,
  placed: 0,
  trips: 0,
  arrivedStay: 0,
};

const client = (token: string) => bearerClient(() => baseUrl, token);

async function login(page: Page, username: string): Promise<void> {
  await page.goto(baseUrl);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByText('指挥中心大屏').waitFor();
}

/** Opens a page from the menu (the menu may fold items into its overflow on narrow screens: then by address). */
async function open(page: Page, label: string, path: string): Promise<void> {
  const item = page.getByRole('menuitem', { name: label, exact: true });
  if ((await item.count()) > 0 && (await item.first().isVisible())) await item.first().click();
  else await page.goto(`${baseUrl}${path}`);
  await page.waitForURL((u) => u.pathname === path);
}

const rows = (page: Page, scope = 'body') => page.locator(`${scope} .ant-table-tbody tr.ant-table-row`);

/** Answers the open confirmation (a Popconfirm) with its OK button. */
async function confirm(page: Page): Promise<void> {
  await page
    .locator('.ant-popover:not(.ant-popover-hidden)')
    .getByRole('button', { name: '确定', exact: true })
    .click();
}

async function seedThroughApi(tokens: { testing: string; commander: string }): Promise<void> {
  const testing = client(tokens.testing);
  const cmd = client(tokens.commander);
  interface P {
    id: number;
    area_code: string;
  }
  // A resident with a household of at least two: the positive one, whose family become close contacts.
  const people = await testing<{ items: P[] }>('GET', '/api/persons?limit=200');
  let index: P | undefined;
  let family: P[] = [];
  for (const p of people.items) {
    const one = await testing<P & { household: P[] }>('GET', `/api/persons/${p.id}`);
    if (one.household.length >= 2) {
      index = one;
      family = one.household.filter((m) => m.id !== p.id);
      break;
    }
  }
  if (!index) throw new Error('no household of two in the seeded city');
  made.grid = index.area_code;
  made.householdId = (index as P & { household_id: number }).household_id;
  made.community = index.area_code.slice(0, 12);
  made.street = index.area_code.slice(0, 9);
  made.district = index.area_code.slice(0, 6);
  // Screens show areas by name (the code on hover).
  const names = await testing<{ items: { code: string; name: string }[] }>(
    'GET',
    `/api/areas/names?codes=${made.grid},${made.community},${made.district}`,
  );
  made.districtName = names.items.find((a) => a.code === made.district)?.name ?? '';
  made.gridName = names.items.find((a) => a.code === made.grid)?.name ?? '';
  made.communityName = names.items.find((a) => a.code === made.community)?.name ?? '';
  expect(made.gridName && made.communityName).toBeTruthy();

  const round = await testing<{ id: number; sampling_points: number }>('POST', '/api/testing/rounds', {
    name: made.roundName,
    areas: [made.street],
  });
  made.roundId = round.id;
  const points = await testing<{ items: { id: number }[] }>('GET', `/api/testing/rounds/${round.id}/points`);
  const pointId = points.items[0]?.id;
  if (!pointId) throw new Error('the round has no sampling point');
  // Others of the same street, outside the family, into one pooled tube.
  const neighbours = (await testing<{ items: P[] }>('GET', `/api/persons?area=${made.street}&limit=50`)).items
    .filter((p) => p.id !== index.id && !family.some((f) => f.id === p.id))
    .slice(0, 4);
  made.pointId = pointId;
  made.spare = (await testing<{ items: P[] }>('GET', `/api/persons?area=${made.street}&limit=50`)).items
    .filter(
      (p) =>
        p.id !== index.id && !family.some((f) => f.id === p.id) && !neighbours.some((n) => n.id === p.id),
    )
    .slice(0, 2)
    .map((p) => p.id);
  const now = new Date().toISOString();
  const scans = await testing<{ items: { status: string }[] }>(
    'POST',
    `/api/testing/rounds/${round.id}/scans`,
    {
      items: [
        {
          key: `e2e-single-${index.id}`,
          tube: 'E2E00001',
          person_id: index.id,
          point_id: pointId,
          scanned_at: now,
          pool_size: 1,
        },
        ...neighbours.map((p) => ({
          key: `e2e-pool-${p.id}`,
          tube: 'E2E00002',
          person_id: p.id,
          point_id: pointId,
          scanned_at: now,
          pool_size: neighbours.length,
        })),
      ],
    },
  );
  expect(scans.items.map((s) => s.status)).toEqual(Array(1 + neighbours.length).fill('accepted'));
  made.sampled = 1 + neighbours.length;
  await testing('POST', '/api/testing/boxes', {
    round_id: round.id,
    box: 'E2EBOX01',
    tubes: ['E2E00001', 'E2E00002'],
  });
  await testing('POST', '/api/testing/boxes/E2EBOX01/ship');
  await testing('POST', '/api/testing/boxes/E2EBOX01/receive', { lab_id: 1 });
  const results = await testing<{ follow_up: { positivePersons: number } }>('POST', '/api/testing/results', {
    items: [
      { tube: 'E2E00001', result: 'positive', ct: { ORF1ab: 27.5, N: 26.1 }, tested_at: now },
      { tube: 'E2E00002', result: 'negative', tested_at: now },
    ],
  });
  expect(results.follow_up.positivePersons).toBe(1);

  // The positive becomes a case and is traced (the server's worker would do it within seconds too).
  await cmd('POST', '/api/tracing/run');
  const cases = await cmd<{ items: { case_no: string; close_contacts: number }[] }>(
    'GET',
    '/api/tracing/cases',
  );
  made.caseNo = cases.items[0]?.case_no ?? '';
  expect(made.caseNo).not.toBe('');
  expect(cases.items[0]?.close_contacts).toBe(family.length);

  // A close contact from the household tests positive too: a second case, infected through the first.
  const contact = family[0] as P;
  await testing('POST', `/api/testing/rounds/${round.id}/scans`, {
    items: [
      {
        key: `e2e-contact-${contact.id}`,
        tube: 'E2E00003',
        person_id: contact.id,
        point_id: pointId,
        scanned_at: new Date().toISOString(),
        pool_size: 1,
      },
    ],
  });
  await testing('POST', '/api/testing/boxes', { round_id: round.id, box: 'E2EBOX02', tubes: ['E2E00003'] });
  await testing('POST', '/api/testing/boxes/E2EBOX02/ship');
  await testing('POST', '/api/testing/boxes/E2EBOX02/receive', { lab_id: 1 });
  await testing('POST', '/api/testing/results', {
    items: [
      { tube: 'E2E00003', result: 'positive', ct: { ORF1ab: 30.1 }, tested_at: new Date().toISOString() },
    ],
  });
  await cmd('POST', '/api/tracing/run');
  const both = await cmd<{ items: { case_no: string }[] }>('GET', '/api/tracing/cases');
  expect(both.items.map((c) => c.case_no)).toHaveLength(2);
  made.secondCaseNo = both.items[0]?.case_no ?? '';
  made.sampled += 1;

  const placed = await cmd<{ placed: number }>('POST', '/api/isolation/place', { edition: '8th' });
  made.placed = placed.placed;
  expect(made.placed).toBeGreaterThan(0);
  // A 24-hour shift from 06:00: the default (06:00-22:00 Beijing) has no room left for a trip late in the evening
  const plan = await cmd<{ trips: unknown[] }>('POST', '/api/transfer/plan', { window_hours: 24 });
  made.trips = plan.trips.length;
  expect(made.trips).toBeGreaterThan(0);
  await cmd('POST', '/api/zones', {
    area_code: made.community,
    level: 'lockdown',
    reason: 'E2E 病例所在社区封控',
  });
  await cmd('POST', '/api/leaders', {
    name: '王包保',
    title: '区委副书记',
    area_code: made.district,
    function: 'all',
  });
}

beforeAll(async () => {
  let env: NodeJS.ProcessEnv;
  ({ dataDir, env } = prepare('pages'));
  cli(['seed', '--people', '2000'], env);
  for (const [username, role] of [
    ['e2e.commander', 'commander'],
    ['e2e.dispatcher', 'dispatcher'],
    ['e2e.sampler', 'sampler'],
  ] as const)
    cli(
      ['user', 'create', '--username', username, '--role', role, '--jurisdiction', '2202'],
      env,
      `${PASSWORD}\n`,
    );
  const token = (role: string) =>
    cli(['token', 'create', '--name', `e2e ${role}`, '--role', role, '--jurisdiction', '2202'], env).trim();
  const tokens = { testing: token('testing'), commander: token('commander') };
  commanderToken = tokens.commander;
  ({ url: baseUrl, child: server } = await startServer(env));
  await seedThroughApi(tokens);
  browser = await launchBrowser();
});

afterAll(() => shutdown({ browser, server, dataDir }));

async function withPage(username: string, run: (page: Page) => Promise<void>): Promise<void> {
  const context = await browser?.newContext({
    viewport: { width: 1600, height: 1000 },
    locale: 'zh-CN',
    acceptDownloads: true,
  });
  if (!context) throw new Error('no browser');
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  try {
    await login(page, username);
    try {
      await run(page);
    } catch (err) {
      await page.screenshot({ path: join(SHOTS, 'pages-failure.png'), fullPage: true });
      throw err;
    }
    expect(pageErrors).toEqual([]);
  } finally {
    await context.close();
  }
}

describe('work pages', () => {
  it('dashboard: the districts on their real boundaries, coloured by zone; a district opens its streets as a schematic', async () => {
    await withPage('e2e.commander', async (page) => {
      const map = page.locator('.area-map');
      await map.getByText('区县按真实边界绘制', { exact: false }).waitFor();
      await map.getByText('吉林市 (2202)').waitFor();
      await map.locator('canvas').first().waitFor();
      await map.locator('.map-ranking canvas').waitFor();
      await map.getByText('风险区', { exact: true }).click();
      await map.getByText('今日新增阳性', { exact: true }).waitFor();
      // The development zones have no boundary of their own: listed under the map with their figure.
      const offMap = await map.locator('.map-off-map').count();
      if (offMap > 0)
        await map.locator('.map-off-map').getByText('开发区', { exact: false }).first().waitFor();
      await page.waitForTimeout(800);
      await page.screenshot({ path: join(SHOTS, 'dashboard-map.png'), fullPage: true });
      // A click inside 桦甸市 (the city's largest district) opens it. The map's height is 88 % of the canvas's
      // smaller side, centred at (50 %, 46 %); east–west is scaled by cos(latitude); the data's extent is
      // 125.6465–127.9229° E, 42.5615–44.6484° N (web/src/maps/2202.json).
      await map.locator('canvas').first().scrollIntoViewIfNeeded();
      const box = await map.locator('canvas').first().boundingBox();
      if (!box) throw new Error('no map canvas');
      const [west, south, east, north] = [125.6465, 42.5615, 127.9229, 44.6484];
      const height = 0.88 * Math.min(box.width, box.height);
      const perDegree = height / (north - south);
      const aspect = Math.cos((43.6 * Math.PI) / 180);
      const x = box.x + box.width * 0.5 + (127.0 - (west + east) / 2) * aspect * perDegree;
      const y = box.y + box.height * 0.46 - (43.0 - (south + north) / 2) * perDegree;
      await page.mouse.click(x, y);
      await map.getByText('桦甸市 (220282)').waitFor();
      await map.getByRole('button', { name: '返回全市' }).click();
      await map.getByText('吉林市 (2202)').waitFor();
      // The picker opens a district too; its streets have no boundaries: a schematic, and it says so.
      await map.locator('.map-open-area').click();
      await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)').getByText('昌邑区').click();
      await map.getByText('昌邑区 (220202)').waitFor();
      await map.getByText('街道层级', { exact: false }).waitFor();
      await map.getByText('示意图（此层级没有边界数据）', { exact: false }).waitFor();
      await map.getByText('街道没有边界数据', { exact: false }).waitFor();
      await page.waitForTimeout(800);
      await page.screenshot({ path: join(SHOTS, 'dashboard-map-streets.png'), fullPage: true });
      await map.getByRole('button', { name: '返回全市' }).click();
      await map.getByText('吉林市 (2202)').waitFor();
    });
  });

  it('testing: rounds, coverage with the four clocks, drill-down, door-knocking list, points, export', async () => {
    await withPage('e2e.commander', async (page) => {
      await open(page, '核酸检测', '/testing');
      await page.getByText(made.roundName).first().waitFor();
      // Coverage of the round's street among its district's streets: sampled and resulted as scanned, and the
      // clocks: every tube received, tested and reported; collection still open.
      const cov = page.locator('.ant-tabs-tabpane-active');
      const streetRow = cov.locator(`tr.ant-table-row[data-row-key="${made.street}"]`); // by name on screen
      await streetRow.waitFor();
      const cells = await streetRow.locator('td').allTextContents();
      expect(cells.filter((c) => c === String(made.sampled))).toHaveLength(2); // sampled, resulted
      expect(cells.filter((c) => c === '3/3完成')).toHaveLength(3); // transport, test, report (3 tubes)
      expect(cells.some((c) => new RegExp(`^${made.sampled}/\\d+(进行中|超时)$`).test(c))).toBe(true);
      for (const stage of ['采', '送', '检', '报'])
        await cov
          .locator('th', { hasText: new RegExp(`^${stage}$`) })
          .first()
          .waitFor();
      await page.screenshot({ path: join(SHOTS, 'testing-coverage.png'), fullPage: true });

      // Excel export of the coverage rows.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        cov.getByRole('button', { name: '导出 Excel' }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/\.xlsx$/);
      const file = await download.path();
      expect(readFileSync(file).subarray(0, 2).toString()).toBe('PK'); // a zip: an xlsx workbook

      // The street's door-knocking list: unsampled residents by household; the index household (all sampled)
      // is not on it.
      await streetRow.getByRole('button', { name: '未采样名单' }).click();
      const knock = page.locator('.ant-tabs-tabpane-active');
      await knock.locator('tr.ant-table-row').first().waitFor();
      expect(await knock.locator('tr.ant-table-row').count()).toBeGreaterThan(0);
      expect(await knock.locator(`tr[data-row-key="${made.householdId}"]`).count()).toBe(0);
      const text = await knock.textContent();
      expect(text).toMatch(/本页未采样 \d+ 人/);
      expect(FULL_ID.test(text ?? '')).toBe(false);
      await knock.locator('tr.ant-table-row').first().locator('.ant-table-row-expand-icon').click();
      await knock.locator('.ant-table-expanded-row tr.ant-table-row').first().waitFor();
      await page.screenshot({ path: join(SHOTS, 'testing-unsampled.png'), fullPage: true });

      // Back to coverage, down the street to its communities and the community to its grids.
      await page.getByRole('tab', { name: '覆盖率与四段时钟' }).click();
      await streetRow.locator('a').first().click();
      await cov.locator(`tr.ant-table-row[data-row-key="${made.community}"]`).locator('a').first().click();
      await cov.locator(`tr.ant-table-row[data-row-key="${made.grid}"]`).waitFor();

      await page.getByRole('tab', { name: '采样点' }).click();
      await page.locator('.ant-tabs-tabpane-active tr.ant-table-row').first().waitFor();
    });
  });

  it('tracing: the case, its household contacts with provenance, the chains graph', async () => {
    await withPage('e2e.commander', async (page) => {
      await open(page, '流调溯源', '/tracing');
      // Newest first: the second case, then the first; clicking a case shows its contacts.
      await page.locator('tr.ant-table-row', { hasText: made.secondCaseNo }).first().waitFor();
      await page.locator('tr.ant-table-row', { hasText: made.caseNo }).first().click();
      const contacts = page.locator('.ant-card', { hasText: `病例 ${made.caseNo} 的接触者` });
      await contacts.locator('tr.ant-table-row').first().waitFor();
      const contactText = await contacts.locator('.ant-table-tbody').textContent();
      expect(contactText).toContain('同户');
      expect(contactText).toContain('密接');
      await page.screenshot({ path: join(SHOTS, 'tracing-cases.png'), fullPage: true });
      // The whole list exported by the server, every case, in words: as many rows as the total says.
      await page.getByText('共 2 条').waitFor();
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: '导出全部（CSV）' }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/^病例-\d{4}-\d{2}-\d{2}\.csv$/);
      const csv = readFileSync(await download.path(), 'utf8')
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\r\n');
      expect(csv[0]).toMatch(/^病例编号,所在区域,临床分型,/);
      expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual([made.secondCaseNo, made.caseNo]);
      expect(csv.join('\n')).not.toMatch(/\d{4}-\d{2}-\d{2}T|unclassified|mild/);
      await page.getByRole('tab', { name: '传播链' }).click();
      await page.getByText('传播关系图').waitFor();
      // The second case was found as the first one's household contact: one cluster, one link.
      await page.getByText('2 例病例，1 个聚集，1 条传播关系', { exact: false }).waitFor();
      const second = page.locator('.ant-tabs-tabpane-active tr.ant-table-row', {
        hasText: made.secondCaseNo,
      });
      expect(await second.textContent()).toContain(made.caseNo);
      expect(await second.textContent()).toContain('同户');
      await page.locator('.ant-tabs-tabpane-active canvas').first().waitFor();
      await page
        .locator('.ant-tabs-tabpane-active tr.ant-table-row', { hasText: made.caseNo })
        .first()
        .waitFor();
      await page.waitForTimeout(1200);
      await page.screenshot({ path: join(SHOTS, 'tracing-chains.png'), fullPage: true });
    });
  });

  it('isolation: board occupancy, stock with the new placements, forecast chart, open stays', async () => {
    await withPage('e2e.commander', async (page) => {
      await open(page, '隔离管控', '/isolation');
      await page.locator('.ant-statistic', { hasText: '今日安置' }).waitFor();
      await expect
        .poll(async () =>
          page
            .locator('.ant-statistic', { hasText: '今日安置' })
            .locator('.ant-statistic-content-value')
            .textContent(),
        )
        .toBe(String(made.placed));
      expect(await rows(page, '.ant-tabs-tabpane-active').count()).toBeGreaterThan(0);
      await page.screenshot({ path: join(SHOTS, 'isolation-board.png'), fullPage: true });

      await page.getByRole('tab', { name: '存量与增量' }).click();
      await page.locator('.ant-tabs-tabpane-active tr.ant-table-row', { hasText: '病例' }).first().waitFor();

      await page.getByRole('tab', { name: '三日预测' }).click();
      await page.locator('.ant-tabs-tabpane-active canvas').first().waitFor();
      await page.waitForTimeout(800);
      await page.screenshot({ path: join(SHOTS, 'isolation-forecast.png'), fullPage: true });

      await page.getByRole('tab', { name: '在管人员' }).click();
      await expect.poll(() => rows(page, '.ant-tabs-tabpane-active').count()).toBe(made.placed);
    });
  });

  it('transfer: the commander sees the clocks; a dispatcher sees the trips with their passengers', async () => {
    await withPage('e2e.commander', async (page) => {
      await open(page, '转运', '/transfer');
      await page.getByText('发现→安置 P50/P90').waitFor();
      await page.getByText('超时名单').waitFor();
      await page.screenshot({ path: join(SHOTS, 'transfer-clocks.png'), fullPage: true });
      // The commander reads the trip list behind 待转运 too (transfer.read), without the driver's steps.
      await page.getByRole('tab', { name: '车次' }).click();
      await expect.poll(() => rows(page, '.ant-tabs-tabpane-active').count()).toBe(made.trips);
    });
    await withPage('e2e.dispatcher', async (page) => {
      // A dispatcher reads no cases: no tracing page.
      expect(await page.getByRole('menuitem', { name: '流调溯源' }).count()).toBe(0);
      await open(page, '转运', '/transfer');
      await page.getByRole('tab', { name: '车次' }).click();
      await expect.poll(() => rows(page, '.ant-tabs-tabpane-active').count()).toBe(made.trips);
      await page
        .locator('.ant-tabs-tabpane-active tr.ant-table-row')
        .first()
        .locator('.ant-table-row-expand-icon')
        .click();
      await page.locator('.ant-table-expanded-row').first().waitFor();
      await page.screenshot({ path: join(SHOTS, 'transfer-trips.png'), fullPage: true });
    });
  });

  it('command: zones with readiness, leaders, responsibility list, tasks, the daily report and its downloads', async () => {
    await withPage('e2e.commander', async (page) => {
      await open(page, '指挥调度', '/command');
      const zone = page.locator('tr.ant-table-row', { hasText: made.communityName });
      await zone.waitFor();
      expect(await zone.textContent()).toContain('封控区');
      expect(await zone.textContent()).toContain('未满足'); // a case inside, found today
      // The zone governing the index case's grid is that lockdown.
      // Picked by name, never typed as a code: the search finds the community's grid by its path of names.
      const effective = page.locator('.ant-card', { hasText: '查询区域适用的风险区' });
      await effective.locator('.ant-select').click();
      await page.keyboard.type(`${made.communityName} ${made.gridName}`);
      await page
        .locator('.ant-select-tree-title', { hasText: `${made.communityName} ${made.gridName}` })
        .first()
        .click();
      await effective.getByRole('button', { name: '查询' }).click();
      await page.locator('.ant-descriptions', { hasText: made.gridName }).getByText('封控区').waitFor();
      await page.screenshot({ path: join(SHOTS, 'command-zones.png'), fullPage: true });

      await page.getByRole('tab', { name: '包保领导' }).click();
      await page.locator('.ant-tabs-tabpane-active tr.ant-table-row', { hasText: '王包保' }).waitFor();

      await page.getByRole('tab', { name: '今日责任清单' }).click();
      await page
        .locator('.ant-tabs-tabpane-active tr.ant-table-row', { hasText: '王包保' })
        .first()
        .waitFor();
      await page.screenshot({ path: join(SHOTS, 'command-responsibility.png'), fullPage: true });

      await page.getByRole('tab', { name: '待办任务' }).click();
      await page.locator('.ant-tabs-tabpane-active .ant-table').waitFor();

      await page.getByRole('tab', { name: '每日通报' }).click();
      await page.getByText('疫情通报', { exact: false }).first().waitFor();
      const newCases = page.locator('.ant-descriptions-row', { hasText: '新增待分型' });
      await newCases.waitFor();
      await page.screenshot({ path: join(SHOTS, 'command-report.png'), fullPage: true });
      // Each download button points at the report in that format and language.
      for (const [label, type] of [
        ['MD · 中文', 'text/markdown'],
        ['HTML · EN', 'text/html'],
        ['XLSX · 中文', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
      ] as const) {
        const href = await page.getByRole('link', { name: label }).getAttribute('href');
        expect(href).toMatch(/^\/api\/reports\/daily\?/);
        const res = await page.request.get(`${baseUrl}${href}`);
        expect(res.status()).toBe(200);
        expect(res.headers()['content-type']).toContain(type);
      }

      // English.
      await page.getByText('English', { exact: true }).click();
      await page.getByRole('tab', { name: 'Daily report' }).waitFor();
      await page.getByRole('tab', { name: 'Zones' }).click();
      await page.locator('tr.ant-table-row', { hasText: 'Lockdown' }).waitFor();
      await page.screenshot({ path: join(SHOTS, 'command-zones-en.png'), fullPage: true });
    });
  });

  it('isolation actions: a new backlog placed from the page, a stay arrives', async () => {
    const cmd = client(commanderToken);
    interface P {
      id: number;
      area_code: string;
      risk_status: string;
      household: { id: number; risk_status: string }[];
    }
    // A new case by hand in a household of two or more nobody has touched yet: its household waits for placement.
    const people = await cmd<{ items: { id: number }[] }>('GET', '/api/persons?risk_status=none&limit=200');
    let index: P | undefined;
    for (const p of people.items) {
      const one = await cmd<P>('GET', `/api/persons/${p.id}`);
      if (one.household.length >= 2 && one.household.every((m) => m.risk_status === 'none')) {
        index = one;
        break;
      }
    }
    if (!index) throw new Error('no untouched household of two');
    await cmd('POST', '/api/tracing/cases', {
      person_id: index.id,
      first_positive_at: new Date().toISOString(),
    });
    const stock = await cmd<{ backlog: { people: number } }>('GET', '/api/isolation/stock');
    expect(stock.backlog.people).toBeGreaterThanOrEqual(index.household.length);
    const before = await cmd<{ items: { id: number }[] }>('GET', '/api/isolation/stays?limit=1000');

    await withPage('e2e.commander', async (page) => {
      await open(page, '隔离管控', '/isolation');
      await page.getByRole('button', { name: '开始安置', exact: true }).click();
      await confirm(page);
      const result = page.locator('.place-result');
      await result.waitFor();
      const text = (await result.locator('.ant-alert-message').textContent()) ?? '';
      const placed = Number(/已安置 (\d+) 人/.exec(text)?.[1]);
      expect(placed).toBeGreaterThanOrEqual(index.household.length);
      // Through the API: that many more open stays, the new case among them.
      const after = await cmd<{ items: { id: number; person_id: number }[] }>(
        'GET',
        '/api/isolation/stays?limit=1000',
      );
      expect(after.items.length).toBe(before.items.length + placed);
      expect(after.items.some((x) => x.person_id === index.id)).toBe(true);
      made.placed = after.items.length;
      await page.screenshot({ path: join(SHOTS, 'isolation-placed.png'), fullPage: true });

      // A close contact's stay arrives: the term and its tests start.
      const placedStays = await cmd<{
        items: { id: number; category: string; person_name?: string | null }[];
      }>('GET', '/api/isolation/stays?status=placed&limit=1000');
      const stay = placedStays.items.find((x) => x.category === 'close');
      if (!stay) throw new Error('no close contact awaiting arrival');
      made.arrivedStay = stay.id;
      await page.getByRole('tab', { name: '在管人员' }).click();
      const row = page.locator(`.ant-tabs-tabpane-active tr[data-row-key="${stay.id}"]`);
      await row.getByRole('button', { name: '到达', exact: true }).click();
      await confirm(page);
      // The message names the person, not the stay's number.
      expect(stay.person_name).toBeTruthy();
      await page.getByText(`${stay.person_name} 已入住`).waitFor();
      await expect.poll(async () => row.textContent()).toContain('已入住');
      const arrived = await cmd<{ items: { id: number; arrived_at: string | null }[] }>(
        'GET',
        '/api/isolation/stays?status=arrived&limit=1000',
      );
      expect(arrived.items.find((x) => x.id === stay.id)?.arrived_at).toBeTruthy();
      await page.screenshot({ path: join(SHOTS, 'isolation-arrived.png'), fullPage: true });

      // Stays at home: the same rows as the API gives.
      const home = await cmd<{ items: { id: number }[] }>('GET', '/api/isolation/home?limit=1000');
      await page.getByRole('tab', { name: '居家隔离与监测' }).click();
      const pane = page.locator('.ant-tabs-tabpane-active');
      await pane.getByRole('button', { name: '结束到期的居家' }).waitFor();
      if (home.items.length === 0) await pane.locator('.ant-table-placeholder').waitFor();
      else await pane.locator(`tr[data-row-key="${home.items[0]?.id}"]`).waitFor();
    });
  });

  it('transfer actions: the commander plans trips for the new placements and sees the summary', async () => {
    const cmd = client(commanderToken);
    const before = await cmd<{ items: { id: number; passengers: unknown[] }[] }>(
      'GET',
      '/api/transfer/trips',
    );
    await withPage('e2e.commander', async (page) => {
      await open(page, '转运', '/transfer');
      // A 24-hour shift from 06:00: the default (06:00-22:00 Beijing) has no room left for a trip late in the evening
      await page.getByLabel('时长（小时）').fill('24');
      await page.getByRole('button', { name: '规划车次', exact: true }).click();
      await confirm(page);
      const summary = page.locator('.plan-summary');
      await summary.waitFor();
      const message = (await summary.locator('.ant-alert-message').textContent()) ?? '';
      const m = /新增车次 (\d+) 个，转运 (\d+) 人，未能安排 (\d+) 人/.exec(message);
      if (!m) throw new Error(`no plan summary: ${message}`);
      const [trips, moved] = [Number(m[1]), Number(m[2])];
      expect(trips).toBeGreaterThan(0);
      // Through the API: the new trips are there with the people the summary says moved.
      const after = await cmd<{ items: { id: number; passengers: unknown[] }[] }>(
        'GET',
        '/api/transfer/trips',
      );
      const known = new Set(before.items.map((x) => x.id));
      const fresh = after.items.filter((x) => !known.has(x.id));
      expect(fresh).toHaveLength(trips);
      expect(fresh.reduce((n, x) => n + x.passengers.length, 0)).toBe(moved);
      await page.screenshot({ path: join(SHOTS, 'transfer-plan.png'), fullPage: true });
    });
  });

  it('command actions: a zone lift refused with what is missing, a task completed', async () => {
    const cmd = client(commanderToken);
    const zones = await cmd<{ items: { id: number; area_code: string; status: string }[] }>(
      'GET',
      '/api/zones',
    );
    const zone = zones.items.find((z) => z.area_code === made.community);
    if (!zone) throw new Error('no zone on the community');
    const tasks = await cmd<{ items: { id: number }[] }>('GET', '/api/tasks?limit=1000');
    const task = tasks.items[0];
    if (!task) throw new Error('no open task');
    await withPage('e2e.commander', async (page) => {
      await open(page, '指挥调度', '/command');
      const row = page
        .locator('.ant-card', { hasText: '现行风险区及解封条件' })
        .locator('tr.ant-table-row', { hasText: made.communityName });
      await row.getByText('✗', { exact: false }).first().waitFor(); // the checks beside the button
      await row.getByRole('button', { name: '解除', exact: true }).click();
      await confirm(page);
      const error = page.locator('.ant-notification-notice', { hasText: '操作未成功' });
      await error.waitFor();
      const text = (await error.locator('.action-error').textContent()) ?? '';
      // In words, not codes: what is refused, then each missing rule on its own line, from the details.
      expect(text).toMatch(/^尚未满足解封条件/);
      expect(text).toContain('· 连续 14 天无新增病例');
      expect(text).not.toMatch(/not_ready|no_new_case_14_days|[a-z]{4,}/);
      await page.screenshot({ path: join(SHOTS, 'command-lift-refused.png'), fullPage: true });
      // Through the API: the zone is still active.
      const still = await cmd<{ items: { id: number; status: string }[] }>('GET', '/api/zones');
      expect(still.items.find((z) => z.id === zone.id)?.status).toBe('active');
      await error.locator('.ant-notification-notice-close').click();

      await page.getByRole('tab', { name: '待办任务' }).click();
      const taskRow = page.locator(`.ant-tabs-tabpane-active tr[data-row-key="${task.id}"]`);
      await taskRow.getByRole('button', { name: '完成', exact: true }).click();
      await confirm(page);
      await page.getByText(`任务 ${task.id} 已完成`).waitFor();
      await expect.poll(() => taskRow.count()).toBe(0); // the open list was asked for again
      const done = await cmd<{ items: { id: number; status: string; done_at: string | null }[] }>(
        'GET',
        '/api/tasks?status=done&limit=1000',
      );
      expect(done.items.find((x) => x.id === task.id)?.done_at).toBeTruthy();
    });
  });
  it('testing actions: a sampler uploads a scan file and sees each row answered', async () => {
    expect(made.spare).toHaveLength(2);
    await withPage('e2e.sampler', async (page) => {
      await open(page, '核酸检测', '/testing');
      await page.getByText(made.roundName).first().click();
      await page.getByRole('tab', { name: '导入采样文件' }).click();
      const at = new Date().toISOString();
      const csv = [
        '试管条码,人员编号,采样点编号,采样时间',
        // One tube each: the point may be in the lockdown zone, where tubes are single.
        ...made.spare.map((id, i) => `E2EFILE${i + 1},${id},${made.pointId},${at}`),
        `E2EFILE3,424242424,${made.pointId},${at}`,
      ].join('\n');
      await page
        .locator('.ant-tabs-tabpane-active input[type=file]')
        .setInputFiles({ name: '采样.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      const report = page.locator('.scan-file-report');
      await report.waitFor();
      const text = (await report.textContent()) ?? '';
      expect(text).toContain('采样.csv');
      expect(text).toMatch(/已登记2/);
      expect(text).toMatch(/退回1/);
      const problem = report.locator('tr.ant-table-row');
      await expect.poll(() => problem.count()).toBe(1);
      // In Chinese the reason in words, without the API's English sentence or its code.
      expect(await problem.locator('td').allTextContents()).toEqual(['4', '人员库中无此人', 'E2EFILE3']);
      await page.screenshot({ path: join(SHOTS, 'testing-scan-file.png'), fullPage: true });
      // Through the API: both scans are in the round, once, however often the file is sent.
      await page
        .locator('.ant-tabs-tabpane-active input[type=file]')
        .setInputFiles({ name: '采样-重传.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await page.locator('.scan-file-report', { hasText: '采样-重传.csv' }).waitFor();
      expect(await page.locator('.scan-file-report').textContent()).toMatch(/已登记0重复（已登记过）2退回1/);
      const cov = await client(commanderToken)<{ items: { code: string; sampled: number }[] }>(
        'GET',
        `/api/testing/rounds/${made.roundId}/coverage?area=${made.district}`,
      );
      expect(cov.items.find((a) => a.code === made.street)?.sampled).toBe(made.sampled + 2);
    });
  });

  it('testing actions: the commander assesses a new round on a district, reads the verdict in words and starts it', async () => {
    const cmd = client(commanderToken);
    const plan = await cmd<{ totals: { population: number; points: number } }>(
      'POST',
      '/api/testing/rounds/plan',
      {
        areas: [made.district],
      },
    );
    await withPage('e2e.commander', async (page) => {
      await open(page, '核酸检测', '/testing');
      const card = page.locator('.ant-card', { hasText: '新建检测轮次' });
      await card.getByLabel('名称').fill('E2E 区县全员核酸');
      await card.locator('.ant-select').click();
      await page
        .locator('.ant-select-tree-node-content-wrapper', { hasText: made.districtName })
        .first()
        .click();
      await card.getByRole('button', { name: '评估' }).click();
      // The planner's verdict, in words: finishes in time or not, with the same figures as the API's plan.
      const verdict = card.locator('.ant-alert', { hasText: /可在时限内完成|无法在时限内完成/ });
      await verdict.waitFor();
      const figures = (await card.locator('.ant-descriptions').textContent()) ?? '';
      expect(figures).toContain(`应检人数${plan.totals.population.toLocaleString('zh-CN')}`);
      expect(figures).toContain(`采样点${plan.totals.points.toLocaleString('zh-CN')}`);
      expect(await card.textContent()).not.toMatch(/lab_capacity|samplers|deadline|pooled|household/);
      await page.screenshot({ path: join(SHOTS, 'testing-new-round.png'), fullPage: true });
      await card.getByRole('button', { name: '开始本轮' }).click();
      await confirm(page);
      const started = page.locator('.ant-message', { hasText: /已开始第 \d+ 轮/ });
      await started.waitFor();
      const id = Number(/已开始第 (\d+) 轮/.exec((await started.textContent()) ?? '')?.[1]);
      // Through the API: the round is there once, on the district, and the page has selected it.
      const rounds = await cmd<{ items: { id: number; name: string; areas: string[] }[] }>(
        'GET',
        '/api/testing/rounds',
      );
      const mine = rounds.items.filter((r) => r.name === 'E2E 区县全员核酸');
      expect(mine.map((r) => [r.id, r.areas])).toEqual([[id, [made.district]]]);
      await page.locator(`tr.ant-table-row-selected[data-row-key="${id}"]`).waitFor();
      // 结束本轮: a reason is needed; once closed the round reads 已结束 with its reason, and the API agrees.
      await page.getByRole('button', { name: '结束本轮' }).click();
      const pop = page.locator('.ant-popover', { hasText: '结束轮次' });
      await pop.getByLabel('结束理由（必填）').fill('区县全员核酸采样完成');
      await pop.getByRole('button', { name: '确定', exact: true }).click();
      await page.locator('.ant-message', { hasText: '已结束' }).waitFor();
      await page.getByText('结束理由：区县全员核酸采样完成').waitFor();
      const after = await cmd<{ items: { id: number; status: string }[] }>('GET', '/api/testing/rounds');
      expect(after.items.find((r) => r.id === id)?.status).toBe('closed');
      expect(await page.getByRole('button', { name: '结束本轮' }).count()).toBe(0);
    });
  });
});
