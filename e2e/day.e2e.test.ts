/**
 * The commander's day on the demo city, in Chinese, in the browser: the server started as a user starts it the
 * first time (`qingcang start`: the demo city, its outbreak and its working day, the demo accounts with one-time
 * passwords), the commander logs in with the printed password and sets a new one, then opens every page the role
 * may open and every tab of each, and none shows an English sentence or a raw code (findRawText in harness.ts). Then
 * the day's actions the other suites do not walk on the demo city: the reserve tier the forecast asks for opened
 * from the sites tab, the waiting people placed into it from the page, the trips behind the transfer page's figure
 * read by the commander, and the daily report in Chinese. Screenshots go to e2e/screenshots/.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  confirmPopover,
  findRawText,
  launchBrowser,
  openFromMenu,
  PASSWORD,
  prepare,
  type RawText,
  SHOTS,
  shutdown,
  startDemo,
} from './harness.ts';

let dataDir: string;
let server: ChildProcess | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let page: Page;
let baseUrl: string;
let firstPassword = '';
const pageErrors: string[] = [];

/** Every page a commander may open, as the menu names it. */
const PAGES: [label: string, path: string][] = [
  ['指挥中心', '/'],
  ['人员', '/people'],
  ['核酸检测', '/testing'],
  ['流调溯源', '/tracing'],
  ['隔离管控', '/isolation'],
  ['转运', '/transfer'],
  ['指挥调度', '/command'],
  ['推演', '/twin'],
  ['通行证', '/passes'],
  ['卡口核验', '/checkpoint'],
  ['就医保障', '/medical'],
  ['环境消杀', '/disinfection'],
  ['生活物资保供', '/supplies'],
  ['力量调配', '/forces'],
];

beforeAll(async () => {
  let env: NodeJS.ProcessEnv;
  ({ dataDir, env } = prepare('day'));
  const started = await startDemo(env);
  server = started.child;
  baseUrl = started.url;
  firstPassword = started.passwords.commander as string;
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, locale: 'zh-CN' });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
}, 600_000);

afterAll(async () => {
  await context?.close();
  await shutdown({ browser, server, dataDir });
});

/** Waits until the page has loaded what it asks for: no spinner turning, no skeleton. */
async function settled(p: Page): Promise<void> {
  await p.waitForLoadState('networkidle').catch(() => undefined);
  await p
    .locator('.ant-spin-spinning, .ant-skeleton-active')
    .first()
    .waitFor({ state: 'detached', timeout: 20_000 })
    .catch(() => undefined);
}

const api = async <T>(path: string): Promise<T> => {
  const res = await page.request.get(`${baseUrl}${path}`);
  expect(res.status(), path).toBe(200);
  return (await res.json()) as T;
};

/** The raw text of the page now, with where it was seen. */
async function check(where: string): Promise<(RawText & { where: string })[]> {
  await settled(page);
  // Names arrive a moment after the rows (the code shows until then): look again for a few seconds.
  let found = (await findRawText(page)).map((r) => ({ ...r, where }));
  for (let i = 0; i < 10 && found.length > 0; i++) {
    await page.waitForTimeout(500);
    found = (await findRawText(page)).map((r) => ({ ...r, where }));
  }
  if (found.length > 0)
    await page.screenshot({
      path: join(SHOTS, `day-raw-${where.replace(/[ /]+/g, '-')}.png`),
      fullPage: true,
    });
  return found;
}

describe('the commander’s day on the demo city', () => {
  it('logs in with the printed one-time password and sets a new one', async () => {
    expect(firstPassword).toMatch(/^\S{12,}$/);
    await page.goto(baseUrl);
    // A mistyped password is refused in words.
    await page.getByLabel('用户名').fill('commander');
    await page.getByLabel('密码').fill(`${firstPassword}x`);
    await page.getByRole('button', { name: '登录' }).click();
    await page.locator('.ant-alert-error').waitFor();
    expect(await page.locator('.ant-alert-error').textContent()).toMatch(/[\u4e00-\u9fff]/);
    expect(await check('登录（密码错误）')).toEqual([]);
    await page.getByLabel('密码').fill(firstPassword);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByText('首次登录请修改密码').waitFor();
    // The one-time password kept, or a weak one, is refused in words too.
    const change = async (next: string) => {
      await page.getByLabel('当前密码').fill(firstPassword);
      await page.getByLabel('新密码', { exact: true }).fill(next);
      await page.getByLabel('确认新密码').fill(next);
      await page.getByRole('button', { name: '修改密码' }).click();
    };
    await change(firstPassword);
    await page.getByText('新密码不能与当前密码相同').waitFor();
    expect(await check('修改密码（未更换）')).toEqual([]);
    await change('commander123');
    await page.locator('.ant-alert-error', { hasNotText: '不能与当前密码相同' }).waitFor();
    expect(await check('修改密码（太弱）')).toEqual([]);
    await change(PASSWORD);
    await page.getByText('指挥中心大屏').first().waitFor();
    // The header names the role in words, not its code.
    await expect(page.locator('header').textContent()).resolves.toContain('指挥长');
  });

  it('opens every page the commander may open, every tab of each, all in words', async () => {
    const problems: (RawText & { where: string })[] = [];
    for (const [label, path] of PAGES) {
      await openFromMenu(page, baseUrl, label, path);
      problems.push(...(await check(label)));
      const tabs = page.locator('.ant-tabs-top > .ant-tabs-nav .ant-tabs-tab');
      const n = await tabs.count();
      for (let i = 1; i < n; i++) {
        const tab = tabs.nth(i);
        const name = ((await tab.textContent()) ?? '').trim();
        await tab.click();
        problems.push(...(await check(`${label} / ${name}`)));
      }
      await page.screenshot({ path: join(SHOTS, `day-${path.slice(1) || 'dashboard'}.png`) });
    }
    // One line each, to read where the page is not in words.
    expect(problems.map((r) => `${r.where}: ${r.kind} 「${r.text}」 in 「${r.near}」`)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('the checker finds an English sentence, a code, a UTC time and a bare area code, and lets units be', async () => {
    await page.evaluate(() => {
      const box = document.createElement('div');
      box.id = 'raw-text-probe';
      box.innerHTML =
        '<p>site 1 is full</p><p>对象：placement_test 101</p><p>截止 2022-03-14T16:00:00Z</p>' +
        '<p>导出 CSV · XLSX，PCR 复核，Ct 值</p><table><tbody><tr><td>220202</td></tr></tbody></table>';
      document.body.prepend(box);
    });
    const found = await findRawText(page);
    await page.evaluate(() => document.getElementById('raw-text-probe')?.remove());
    expect(found.map((r) => [r.kind, r.text])).toEqual([
      ['english', 'is full'],
      ['code', 'placement_test'],
      ['utc_time', '2022-03-14T16:00:00Z'],
      ['area_code', '220202'],
    ]);
  });

  it('opens the reserve tier the forecast asks for and places the people waiting, all in words', async () => {
    interface Forecast {
      rooms: { free: number; short: number };
      activate_tiers: { tier: number; sites: number; rooms: number }[];
    }
    const before = await api<Forecast>('/api/isolation/forecast');
    const tier = before.activate_tiers[0]?.tier;
    expect(tier, 'the demo day has a reserve tier to open').toBeDefined();
    const waiting = (await api<{ backlog: { people: number } }>('/api/isolation/stock')).backlog.people;
    expect(waiting).toBeGreaterThan(0);

    await openFromMenu(page, baseUrl, '隔离管控', '/isolation');
    await page.getByRole('tab', { name: '场所梯次' }).click();
    const card = page.locator(`.site-tier[data-tier="${tier}"]`);
    await card.getByText('预测建议启用').waitFor();
    await card.getByRole('button', { name: '整梯次验收启用' }).click();
    await confirmPopover(page);
    await page.getByText(`第 ${tier} 梯次已启用`).waitFor();
    const sites = await api<{ items: { tier: number; takes_people: boolean; rooms_free: number }[] }>(
      '/api/isolation/sites',
    );
    const opened = sites.items.filter((x) => x.tier === tier);
    expect(opened.length).toBeGreaterThan(0);
    expect(opened.every((x) => x.takes_people)).toBe(true);
    const after = await api<Forecast>('/api/isolation/forecast');
    expect(after.rooms.free).toBe(before.rooms.free + opened.reduce((n, x) => n + x.rooms_free, 0));
    expect((await check('隔离管控 / 场所梯次（启用后）')).map((r) => r.text)).toEqual([]);

    // The people waiting go into the rooms just opened; those still waiting are listed with why, in words.
    await page.getByRole('button', { name: '开始安置', exact: true }).click();
    await confirmPopover(page);
    const result = page.locator('.place-result');
    await result.waitFor();
    const text = (await result.locator('.ant-alert-message').textContent()) ?? '';
    const [, placed, still] = /已安置 (\d+) 人，仍待安置 (\d+) 人/.exec(text) ?? [];
    expect(Number(placed)).toBeGreaterThan(0);
    expect(Number(placed) + Number(still)).toBeLessThanOrEqual(waiting);
    // Those placed have left the backlog.
    const left = (await api<{ backlog: { people: number } }>('/api/isolation/stock')).backlog.people;
    expect(left).toBeLessThanOrEqual(waiting - Number(placed));
    expect((await check('隔离管控 / 安置结果')).map((r) => `${r.kind} ${r.text} ${r.near}`)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'day-placed-after-tier.png'), fullPage: true });
  });

  it('reads the trips behind the transfer page’s figures: the demo day’s trips, planned and on the road', async () => {
    const trips = await api<{ total: number; items: { id: number; status: string }[] }>(
      '/api/transfer/trips',
    );
    expect(trips.total).toBeGreaterThan(0);
    expect(trips.items.some((x) => x.status === 'departed')).toBe(true);
    await openFromMenu(page, baseUrl, '转运', '/transfer');
    await page.getByRole('tab', { name: '车次' }).click();
    const first = trips.items[0]?.id;
    await page.locator(`.ant-tabs-tabpane-active tr[data-row-key="${first}"]`).waitFor();
    expect((await check('转运 / 车次')).map((r) => r.text)).toEqual([]);
  });
});
