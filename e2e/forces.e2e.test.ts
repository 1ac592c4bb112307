/**
 * 力量调配 end to end: the real server (PGlite in a temporary directory, a seeded city), a commander made with the
 * CLI, Debian's Chromium. Through the API a round is started on a street (its sampling points are the demand) and
 * samplers and site staff are registered, some linked to residents, four of them in a closed loop. In the browser
 * the commander proposes today's roster from that demand, sees the board (assigned against demand, shortfalls in
 * red), confirms it, and records a positive test of a loop worker: a case, the loop's others close contacts, the
 * worker in quarantine and a replacement to confirm. No raw code or English word on the Chinese page.
 * Screenshots: e2e/screenshots/forces*.png.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearerClient,
  cli,
  confirmPopover,
  launchBrowser,
  loginPage,
  PASSWORD,
  pickRadio,
  prepare,
  SHOTS,
  shutdown,
  startServer,
} from './harness.ts';

const CITY = '2202';
const COMMANDER = 'e2e.commander';
const RAW =
  /\b(sampler|site_staff|on_duty|quarantined|draft|confirmed|night|evening|none_with_skill|all_taken|worker_removed)\b/;

let dataDir: string;
let server: ChildProcess | undefined;
let browser: Browser | undefined;
let baseUrl: string;
let api: ReturnType<typeof bearerClient>;
const made = { street: '', loop: 0, loopWorker: 0, loopPerson: 0 };

beforeAll(async () => {
  let env: NodeJS.ProcessEnv;
  ({ dataDir, env } = prepare('forces'));
  cli(['seed', '--people', '1000'], env);
  cli(
    ['user', 'create', '--username', COMMANDER, '--role', 'commander', '--jurisdiction', CITY],
    env,
    `${PASSWORD}\n`,
  );
  const token = cli(
    ['token', 'create', '--name', 'e2e forces', '--role', 'commander', '--jurisdiction', CITY],
    env,
  ).trim();
  ({ url: baseUrl, child: server } = await startServer(env));
  api = bearerClient(() => baseUrl, token);
  const people = await api<{ items: { id: number; area_code: string }[] }>('GET', '/api/persons?limit=200');
  const byStreet = new Map<string, { id: number; area_code: string }[]>();
  for (const p of people.items) {
    const s = p.area_code.slice(0, 9);
    byStreet.set(s, [...(byStreet.get(s) ?? []), p]);
  }
  const [street, residents] = [...byStreet.entries()].sort((a, b) => b[1].length - a[1].length)[0] as [
    string,
    { id: number; area_code: string }[],
  ];
  made.street = street;
  await api('POST', '/api/testing/rounds', { name: 'E2E 全员核酸', areas: [street] });
  const loop = await api<{ id: number }>('POST', '/api/forces/loops', {
    name: '一号采样点闭环',
    area_code: street,
    lodging: '驻地酒店',
    post: '一号采样点',
    transport: '专车接送',
    test_hour: 23,
  });
  made.loop = loop.id;
  const loopIds: number[] = [];
  for (const [i, p] of residents.slice(0, 8).entries()) {
    const w = await api<{ worker: { id: number } }>('POST', '/api/forces/workers', {
      key: `e2e-worker-${i}`,
      name: `${'赵钱孙李周吴郑王'[i]}小明`,
      role: 'sampler',
      area_code: p.area_code,
      person_id: p.id,
    });
    if (i < 4) loopIds.push(w.worker.id);
    if (i === 3) Object.assign(made, { loopWorker: w.worker.id, loopPerson: p.id });
  }
  // They moved into the loop's lodging two hours ago, recorded now (补录): today's 23:00 test is theirs whatever the
  // hour this suite runs (joined now, after 23:00, their first test would be tomorrow's).
  await api('POST', `/api/forces/loops/${loop.id}/workers`, {
    worker_ids: loopIds,
    joined_at: new Date(Date.now() - 2 * 3_600_000).toISOString(),
  });
  browser = await launchBrowser();
});

afterAll(() => shutdown({ browser, server, dataDir }));

describe('力量调配', () => {
  it('proposes today’s roster from the demand, confirms it, and a positive loop worker flows through tracing', async () => {
    if (!browser) throw new Error('no browser');
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, locale: 'zh-CN' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await loginPage(page, baseUrl, COMMANDER);
      await page.goto(`${baseUrl}/forces`);
      await page.getByRole('heading', { name: '力量调配' }).waitFor();
      await page.getByText('当日还没有排班').waitFor();
      await page.locator('.propose-roster').click();
      await page.getByText('已生成排班建议，请核对后确认').waitFor();
      const roster = page.locator('.roster').first();
      await roster.locator('.roster-status', { hasText: '草稿（待确认）' }).waitFor();
      // Eight samplers for two shifts of the round's points: the board shows what is covered and what is short.
      await roster.getByText('白班 8–16时').first().waitFor();
      await roster.locator('.cell-short, .cell-covered').first().waitFor();
      await page.screenshot({ path: join(SHOTS, 'forces-board.png'), fullPage: true });
      await roster.getByRole('button', { name: '确认排班' }).click();
      await confirmPopover(page);
      await page.getByText('排班已确认').waitFor();
      await page.locator('.roster .roster-status', { hasText: '已确认' }).waitFor();
      const board = await api<{ rosters: { status: string; shifts: { status: string }[] }[] }>(
        'GET',
        '/api/forces/board',
      );
      expect(board.rosters.map((r) => r.status)).toEqual(['confirmed']);

      // The closed loop: today's tests pending; a positive one recorded for the fourth worker.
      const loop = page.locator('.closed-loop').first();
      await loop.getByText('一号采样点闭环').waitFor();
      const row = loop.locator('.ant-table-row', { hasText: '李*明' });
      // Due at 23:00 Beijing: pending (待检) until then, a gap (缺漏) if the suite runs in the day's last hour.
      await row.getByText(/^(待检|缺漏)$/).waitFor();
      await row.locator('.record-loop-test').click();
      const modal = page.locator('.ant-modal', { hasText: '登记' });
      await pickRadio(modal, '阳性');
      await modal.getByText('该人员将作为病例流调').waitFor();
      await modal.getByRole('button', { name: '登记检测' }).click();
      await page.getByText(/已登记阳性：已建病例，3 名同闭环人员列为密接/).waitFor();
      await loop.getByText('隔离中 1 人').waitFor();
      await page.screenshot({ path: join(SHOTS, 'forces-loop.png'), fullPage: true });
      const cases = await api<{ items: { person_id: number }[] }>('GET', '/api/tracing/cases?limit=50');
      expect(cases.items.some((c) => c.person_id === made.loopPerson)).toBe(true);
      const workers = await api<{ items: { id: number; status: string }[] }>(
        'GET',
        '/api/forces/workers?status=quarantined',
      );
      expect(workers.items.map((w) => w.id)).toEqual([made.loopWorker]);

      // One more worker into the loop, recorded after the fact: they entered ninety minutes ago.
      await loop.locator('.join-loop').click();
      const joinModal = page.locator('.ant-modal', { hasText: '加入闭环' });
      await joinModal.locator('.loop-join-workers').click();
      await page.keyboard.type('周小明');
      await page.locator('.ant-select-item-option', { hasText: '周*明' }).click();
      await joinModal.locator('.ant-modal-title').click();
      const entered = new Date(Math.floor((Date.now() - 90 * 60_000) / 60_000) * 60_000);
      const wall = new Date(entered.getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
      await joinModal.locator('.ant-picker input').click();
      // The calendar in Chinese: weekdays 一 … 日, not "Su Mo Tu".
      const weekdays = await page
        .locator('.ant-picker-dropdown .ant-picker-content thead th')
        .allTextContents();
      expect(weekdays).toEqual(['一', '二', '三', '四', '五', '六', '日']);
      // Today is outlined by Beijing's date, not the browser's.
      const todayCell = page.locator('.ant-picker-dropdown .ant-picker-cell-today');
      expect(await todayCell.getAttribute('title')).toBe(
        new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10),
      );
      await page.keyboard.type(wall);
      // Today's hours still to come cannot be picked (the server would refuse them as in the future).
      const nowWall = new Date(Date.now() + 8 * 3_600_000).toISOString();
      if (nowWall.slice(0, 10) === wall.slice(0, 10) && nowWall.slice(11, 13) !== '23') {
        const hours = page.locator('.ant-picker-dropdown .ant-picker-time-panel-column').first();
        const disabled = await hours.locator('.ant-picker-time-panel-cell-disabled').allTextContents();
        expect(disabled[0]).toBe(String(Number(nowWall.slice(11, 13)) + 1).padStart(2, '0'));
      }
      await page.keyboard.press('Enter');
      await joinModal.locator('.ant-modal-title').click();
      expect((await joinModal.textContent()) ?? '').not.toMatch(RAW);
      await page.screenshot({ path: join(SHOTS, 'forces-loop-join.png') });
      const sent = page.waitForRequest((r) => /\/api\/forces\/loops\/\d+\/workers$/.test(r.url()));
      await joinModal.getByRole('button', { name: '加入人员' }).click();
      expect((await sent).postDataJSON()).toMatchObject({ joined_at: entered.toISOString() });
      await page.getByText('已加入 1 人').waitFor();
      const inLoop = await api<{ items: { name: string }[] }>(
        'GET',
        `/api/forces/workers?loop_id=${made.loop}`,
      );
      expect(inLoop.items.map((w) => w.name)).toContain('周小明');

      // No raw code or English word on the Chinese page.
      const text = (await page.locator('main, .ant-layout-content').first().textContent()) ?? '';
      expect(text).not.toMatch(RAW);
      expect(errors).toEqual([]);
    } catch (err) {
      await page.screenshot({ path: join(SHOTS, 'forces-failure.png'), fullPage: true });
      throw err;
    } finally {
      await context.close();
    }
  });
});
