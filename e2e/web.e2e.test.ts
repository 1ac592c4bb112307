/**
 * The web app end to end: the real server (PGlite in a temporary directory, a seeded city of 2,000 people)
 * driven through Debian's Chromium by playwright-core; one resident made positive through the API, traced and
 * placed, so the dashboard has something to show. Log in, the dashboard's KPIs, funnel, trend, map and area
 * table exactly as the dashboard API gives them, its refresh, antd's own texts in Chinese, the language switch,
 * the people page (masked, filtered, keyset pages, an API error shown), logout, and a one-time password that
 * must be changed before anything else. Screenshots go to e2e/screenshots/.
 */
import type { ChildProcess } from 'node:child_process';
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

const MASKED_ID = /\d{6}\*{8}\d{3}[\dX]/;

let dataDir: string;
let server: ChildProcess | undefined;
let browser: Browser | undefined;
let baseUrl: string;
let viewerPassword: string;
/** What the API set-up made: the case's household contacts, placed people. */
const made = { contacts: 0, placed: 0 };

const client = (token: string) => bearerClient(() => baseUrl, token);

/** A resident of a household of at least two tests positive (single tube), is traced and everyone is placed. */
async function makeOneCase(tokens: { testing: string; commander: string }): Promise<void> {
  const testing = client(tokens.testing);
  const cmd = client(tokens.commander);
  interface P {
    id: number;
    area_code: string;
    household: { id: number }[];
  }
  const people = await testing<{ items: { id: number }[] }>('GET', '/api/persons?limit=100');
  let index: P | undefined;
  for (const p of people.items) {
    const one = await testing<P>('GET', `/api/persons/${p.id}`);
    if (one.household.length >= 2) {
      index = one;
      break;
    }
  }
  if (!index) throw new Error('no household of two in the seeded city');
  const round = await testing<{ id: number }>('POST', '/api/testing/rounds', {
    name: 'E2E 大屏',
    areas: [index.area_code.slice(0, 9)],
  });
  const points = await testing<{ items: { id: number }[] }>('GET', `/api/testing/rounds/${round.id}/points`);
  const now = new Date().toISOString();
  await testing('POST', `/api/testing/rounds/${round.id}/scans`, {
    items: [
      {
        key: `e2e-dashboard-${index.id}`,
        tube: 'E2EDASH01',
        person_id: index.id,
        point_id: points.items[0]?.id,
        scanned_at: now,
        pool_size: 1,
      },
    ],
  });
  await testing('POST', '/api/testing/boxes', { round_id: round.id, box: 'E2EDBOX1', tubes: ['E2EDASH01'] });
  await testing('POST', '/api/testing/boxes/E2EDBOX1/ship');
  await testing('POST', '/api/testing/boxes/E2EDBOX1/receive', { lab_id: 1 });
  await testing('POST', '/api/testing/results', {
    items: [{ tube: 'E2EDASH01', result: 'positive', ct: { ORF1ab: 27.5, N: 26.1 }, tested_at: now }],
  });
  await cmd('POST', '/api/tracing/run');
  const cases = await cmd<{ items: { close_contacts: number }[] }>('GET', '/api/tracing/cases');
  made.contacts = cases.items[0]?.close_contacts ?? 0;
  expect(made.contacts).toBeGreaterThan(0);
  made.placed = (await cmd<{ placed: number }>('POST', '/api/isolation/place', { edition: '8th' })).placed;
  expect(made.placed).toBeGreaterThan(0);
}

async function login(page: Page, username: string, password: string): Promise<void> {
  await page.goto(baseUrl);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
}

beforeAll(async () => {
  let env: NodeJS.ProcessEnv;
  ({ dataDir, env } = prepare('web', {
    // The dashboard's snapshot every 2 s, so the screen's 15 s refresh sees a newer one each time.
    QINGCANG_DASHBOARD_REFRESH_MS: '2000',
  }));
  cli(['seed', '--people', '2000'], env);
  cli(
    ['user', 'create', '--username', 'e2e.commander', '--role', 'commander', '--jurisdiction', '2202'],
    env,
    `${PASSWORD}\n`,
  );
  const viewer = cli(
    [
      'user',
      'create',
      '--username',
      'e2e.viewer',
      '--role',
      'viewer',
      '--jurisdiction',
      '2202',
      '--generate-password',
    ],
    env,
  );
  viewerPassword = /one-time password: (\S+)/.exec(viewer)?.[1] ?? '';
  expect(viewerPassword).not.toBe('');
  const token = (role: string) =>
    cli(['token', 'create', '--name', `e2e ${role}`, '--role', role, '--jurisdiction', '2202'], env).trim();
  const tokens = { testing: token('testing'), commander: token('commander') };
  ({ url: baseUrl, child: server } = await startServer(env));
  await makeOneCase(tokens);
  // Playwright gives every launch a fresh, empty profile directory of its own.
  browser = await launchBrowser();
});

afterAll(() => shutdown({ browser, server, dataDir }));

describe('web app', () => {
  it('shows the command centre, switches language, lists masked people and logs out', async () => {
    const context = await browser?.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    if (!context) throw new Error('no browser');
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      // Anonymous: the login page, in Chinese. A wrong password shows the API's own message.
      await login(page, 'e2e.commander', 'wrong password');
      await page.getByRole('alert').waitFor();
      await page.getByLabel('密码').fill(PASSWORD);
      await page.getByRole('button', { name: '登录' }).click();

      // The dashboard: every figure as the dashboard API gives it (the case made above, once the snapshot has it).
      await page.getByText('指挥中心大屏').waitFor();
      await page.getByText('吉林市 (2202)').first().waitFor();
      const kpi = (id: string) => page.getByTestId(`kpi-${id}`).locator('.ant-statistic-content-value');
      await expect.poll(() => kpi('cases-today').textContent(), { timeout: 40_000 }).toBe('1');
      const answer = await page.request.get(`${baseUrl}/api/dashboard/kpis`);
      expect(answer.status()).toBe(200);
      const kpis = (await answer.json()) as { computed_at: string; figures: Record<string, number> };
      const f = (k: string) => kpis.figures[k] ?? 0;
      const sum = (keep: (k: string) => boolean) =>
        Object.entries(kpis.figures)
          .filter(([k]) => keep(k))
          .reduce((n, [, v]) => n + v, 0);
      expect(f('cases_today')).toBe(1);
      expect(f('found_today_close_contact')).toBe(made.contacts);
      expect(sum((k) => k.startsWith('awaiting_transfer_'))).toBe(made.placed);
      const number = (n: number) => n.toLocaleString('zh-CN');
      await expect.poll(() => kpi('close-today').textContent()).toBe(number(made.contacts));
      await expect
        .poll(() => kpi('waiting').textContent())
        .toBe(number(f('waiting') + f('waiting_over_24h')));
      await expect.poll(() => kpi('free-rooms').textContent()).toBe(number(f('rooms_available')));
      await expect.poll(() => kpi('overdue').textContent()).toBe(number(f('tasks_overdue')));
      await expect
        .poll(() => kpi('at-home').textContent())
        .toBe(number(sum((k) => k.startsWith('home_isolation_'))));
      await page
        .getByTestId('kpi-at-home')
        .getByText(`居家健康监测 ${sum((k) => k.startsWith('home_monitoring_'))}`)
        .waitFor();
      await page.getByTestId('kpi-isolated').getByText(`待转运 ${made.placed}`).waitFor();
      await page.getByText('清仓漏斗', { exact: false }).waitFor();
      await page.getByText('近 14 天趋势').waitFor();
      await page.getByText('疫情地图').waitFor();
      await page.getByText('区县按真实边界绘制', { exact: false }).waitFor();
      await page.getByText('每万人病例', { exact: true }).first().waitFor();
      // The funnel's clock: today's placements have a found → placed median.
      await expect
        .poll(() => page.getByTestId('clock-found-to-placed').textContent())
        .toMatch(/^\d+ \/ \d+$/);
      // antd's own texts in Chinese (its locale, not ours): the area table's page size.
      await page.getByText('10 条/页').waitFor();
      // As of the snapshot's time; 15 s later the screen asks again and shows a newer snapshot.
      const asOf = page.getByTestId('as-of');
      await expect.poll(() => asOf.textContent()).toMatch(/^数据截至 \d{2}:\d{2}:\d{2}$/);
      const before = await asOf.textContent();
      await page.waitForResponse((r) => r.url().includes('/api/dashboard/kpis'), { timeout: 25_000 });
      await expect.poll(() => asOf.textContent()).not.toBe(before);
      await expect.poll(() => page.locator('canvas').count()).toBeGreaterThanOrEqual(4);
      await page.waitForTimeout(1500); // chart animations
      await page.screenshot({ path: join(SHOTS, 'dashboard-zh.png') });
      await page.screenshot({ path: join(SHOTS, 'dashboard-zh-full.png'), fullPage: true });

      // English.
      await page.getByText('English', { exact: true }).click();
      await page.getByText('New positives today', { exact: true }).first().waitFor();
      await page.getByText('Command centre', { exact: true }).first().waitFor();
      await page.getByText('10 / page').waitFor();
      await expect.poll(() => page.getByTestId('as-of').textContent()).toMatch(/^As of \d{2}:\d{2}:\d{2}$/);
      await page.waitForTimeout(800);
      await page.screenshot({ path: join(SHOTS, 'dashboard-en.png'), fullPage: true });

      // People: masked ID numbers and phones, as the API gives them.
      await page.getByRole('menuitem', { name: 'People' }).click();
      await page.waitForURL(/\/people$/);
      const rows = page.locator('.ant-table-tbody tr.ant-table-row');
      await rows.first().waitFor();
      expect(await rows.count()).toBe(50);
      const cells = await page.locator('.ant-table-tbody td').allTextContents();
      expect(cells.filter((c) => MASKED_ID.test(c))).toHaveLength(50);
      expect(cells.some((c) => /^1\d\d\*{4}\d{4}$/.test(c))).toBe(true);
      expect(cells.filter((c) => FULL_ID.test(c))).toEqual([]);
      await page.screenshot({ path: join(SHOTS, 'people-en.png'), fullPage: true });

      // Keyset pages: the next page starts after the last row of this one.
      const firstOnPage1 = await rows.first().textContent();
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByText('Page 2').waitFor();
      await expect.poll(() => rows.first().textContent()).not.toBe(firstOnPage1);

      // Filter by an area picked by name (never typed as a code): the rows are the API's for that area.
      const district = await page.evaluate(async () => {
        const res = await fetch('/api/areas/220203');
        return ((await res.json()) as { name: string }).name;
      });
      await page.locator('.ant-form-item', { hasText: 'Area' }).locator('.ant-select').click();
      await page.keyboard.type(district);
      await page
        .locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-tree-title', {
          hasText: district,
        })
        .first()
        .click();
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByText('Page 1').waitFor();
      const expected = await page.evaluate(async () => {
        const res = await fetch('/api/persons?area=220203&limit=50');
        return ((await res.json()) as { items: { name: string }[] }).items.map((p) => p.name);
      });
      expect(expected.length).toBeGreaterThan(0);
      await expect
        .poll(async () => (await rows.locator('td:first-child').allTextContents()).join(','))
        .toBe(expected.join(','));
      // Areas by name, not code.
      const cellTexts = await page.locator('.ant-table-tbody td').allTextContents();
      expect(cellTexts.filter((t) => /^22\d{13}$/.test(t))).toEqual([]);
      // The whole filtered list as a file, from the server.
      expect(await page.getByRole('link', { name: 'Export all (Excel)' }).getAttribute('href')).toContain(
        '/api/persons/export?area=220203',
      );

      // A bad filter: the API's validation message is shown.
      await page.getByLabel('Name').fill('x'.repeat(51));
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('alert').filter({ hasText: 'invalid querystring' }).waitFor();

      // A reload keeps the page (the server's single-page fallback) and the language.
      await page.reload();
      await page.getByText('ID numbers and phones are masked').waitFor();

      // Logout: back to the login page; the API refuses the old session.
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByRole('button', { name: 'Log in' }).waitFor();
      const me = await page.request.get(`${baseUrl}/api/auth/me`);
      expect(me.status()).toBe(401);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('makes a one-time password be changed first, and hides pages the role may not see', async () => {
    const context = await browser?.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    if (!context) throw new Error('no browser');
    const page = await context.newPage();
    try {
      await login(page, 'e2e.viewer', viewerPassword);
      await page.getByText('首次登录请修改密码').waitFor();
      await page.getByLabel('当前密码').fill(viewerPassword);
      await page.getByLabel('新密码', { exact: true }).fill('viewer passphrase 2022');
      await page.getByLabel('确认新密码').fill('viewer passphrase 2022');
      await page.screenshot({ path: join(SHOTS, 'password-change.png') });
      await page.getByRole('button', { name: '修改密码' }).click();
      await page.getByText('指挥中心大屏').waitFor();
      await page.getByTestId('as-of').waitFor();
      await page.getByText('吉林市 (2202)').first().waitFor();
      // A viewer reads aggregates, not people: no People page.
      expect(await page.getByRole('menuitem', { name: '人员' }).count()).toBe(0);
      expect(await page.getByRole('menuitem', { name: '指挥中心' }).count()).toBe(1);
    } finally {
      await context.close();
    }
  });
});
