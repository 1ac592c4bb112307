/**
 * The sampler's phone app (/sampler) end to end, on a 375 px phone screen: the real server (PGlite in a
 * temporary directory, a seeded city) and Debian's Chromium driven by playwright-core. Log in, choose the round
 * and point, scan by typed entry; an upload whose answer is lost and an upload without a network stay queued on
 * the phone and are confirmed later; the server counts every scan once (its answers and a replay of every
 * key say so); flags and refusals are shown per scan; a tube is closed by hand, another fills up and closes by
 * itself, both are boxed. The phone app reloads without a network (its service worker serves the app; the queue
 * is still there and takes new scans). Screenshots go to e2e/screenshots/sampler-*.png.
 */
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type APIRequestContext, type Browser, type Page, request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCharacter, makeIdNumber } from '../src/domain/id-number.ts';
import { cli, launchBrowser, PASSWORD, prepare, SHOTS, shutdown, startServer } from './harness.ts';

const DISTRICT = '220202';
const ROUND_NAME = '第1轮全员核酸';
/** Uploads are asynchronous: wait up to the phone's retry period and a bit. */
const POLL = { timeout: 15_000 };

let dataDir: string;
let server: ChildProcess | undefined;
let browser: Browser | undefined;
let baseUrl: string;
let roundId: number;
/** Full ID numbers of registered residents of the district (read by the commander with a stated reason). */
const residents: string[] = [];

async function apiLogin(username: string): Promise<{ api: APIRequestContext; csrf: string }> {
  const api = await request.newContext({ baseURL: baseUrl });
  const res = await api.post('/api/auth/login', { data: { username, password: PASSWORD } });
  expect(res.status()).toBe(200);
  return { api, csrf: ((await res.json()) as { csrf_token: string }).csrf_token };
}

beforeAll(async () => {
  let env: NodeJS.ProcessEnv;
  ({ dataDir, env } = prepare('sampler'));
  cli(['seed', '--people', '2000'], env);
  for (const [username, role, area] of [
    ['e2e.commander', 'commander', '2202'],
    ['e2e.sampler', 'sampler', DISTRICT],
  ] as const)
    cli(
      ['user', 'create', '--username', username, '--role', role, '--jurisdiction', area],
      env,
      `${PASSWORD}\n`,
    );
  const started = cli(['round', 'start', '--name', ROUND_NAME, '--areas', DISTRICT], env);
  roundId = Number(/round (\d+) /.exec(started)?.[1]);
  expect(roundId).toBeGreaterThan(0);
  ({ url: baseUrl, child: server } = await startServer(env));

  // Real residents of the district, with their full ID numbers, as a commander reads them (audited).
  const { api, csrf } = await apiLogin('e2e.commander');
  const list = (await (await api.get(`/api/persons?area=${DISTRICT}&limit=20`)).json()) as {
    items: { id: number }[];
  };
  expect(list.items.length).toBe(20);
  for (const p of list.items) {
    const res = await api.post(`/api/persons/${p.id}/unmask`, {
      data: { reason: 'e2e: sampling test persons' },
      headers: { 'x-csrf-token': csrf },
    });
    expect(res.status()).toBe(200);
    residents.push(((await res.json()) as { id_number: string }).id_number);
  }
  await api.dispose();

  browser = await launchBrowser();
});

afterAll(() => shutdown({ browser, server, dataDir }));

function resident(i: number): string {
  const id = residents[i];
  if (!id) throw new Error(`no resident ${i}`);
  return id;
}

async function count(page: Page, which: 'queued' | 'confirmed' | 'flagged' | 'rejected'): Promise<number> {
  return Number(await page.getByTestId(`count-${which}`).textContent());
}

async function scanPerson(page: Page, code: string): Promise<void> {
  const input = page.getByLabel('身份证号或登记码');
  await input.fill(code);
  await input.press('Enter');
  // Taken: the field is cleared for the next person (or gone, when the tube is full).
  await expect
    .poll(() => input.evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value).join('')), POLL)
    .toBe('');
}

/** The phone's first screen (the top of the page): counts, the current tube. */
async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

describe('sampler phone app', () => {
  it('scans offline and online, counts every scan once, closes and boxes tubes', async () => {
    const context = await browser?.newContext({
      viewport: { width: 375, height: 812 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'zh-CN',
    });
    if (!context) throw new Error('no browser');
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const scripts: string[] = [];
    page.on('request', (r) => {
      if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname);
    });
    try {
      // Log in on the phone page (Chinese first).
      await page.goto(`${baseUrl}/sampler`);
      await page.getByText('采样人员登录').waitFor();
      await page.getByLabel('用户名').fill('e2e.sampler');
      await page.getByLabel('密码').fill(PASSWORD);
      await page.screenshot({ path: join(SHOTS, 'sampler-login.png') });
      await page.getByRole('button', { name: '登录' }).click();

      // The task: round, sampling point (of the sampler's district), 10 in 1.
      await page.locator('#sampler-round').click();
      await page.locator('.ant-select-item-option', { hasText: ROUND_NAME }).click();
      await page.locator('#sampler-point').click();
      // The district's points (the list holds only the sampler's jurisdiction), named after their communities.
      const firstPoint = page.locator('.ant-select-item-option', { hasText: '采样点' }).first();
      await firstPoint.waitFor();
      await firstPoint.click();
      await page.getByText('10合1', { exact: true }).click();
      await page.getByRole('button', { name: '开始采样' }).click();
      await page.getByTestId('task').getByText(ROUND_NAME).waitFor();

      // Tube A, two people online.
      await page.getByLabel('试管条码').fill('TA0000001');
      await page.getByLabel('试管条码').press('Enter');
      await page.getByTestId('tube-barcode').getByText('TA0000001').waitFor();
      await scanPerson(page, resident(0));
      await scanPerson(page, resident(1));
      await page
        .getByTestId('last-scan')
        .getByText(`已录入 ${resident(1).slice(0, 6)}`)
        .waitFor();
      await expect.poll(() => count(page, 'confirmed'), POLL).toBe(2);
      expect(await page.getByTestId('tube-fill').textContent()).toBe('2 / 10');
      await page.getByTestId('tube-server').getByText('服务器计数 2').waitFor();

      // A mistyped ID number is refused on the phone (check character), nothing is queued.
      const id = resident(2);
      const wrong = id.slice(0, 17) + (checkCharacter(id.slice(0, 17)) === '0' ? '1' : '0');
      await page.getByLabel('身份证号或登记码').fill(wrong);
      await page.getByLabel('身份证号或登记码').press('Enter');
      await page.getByTestId('scan-error').getByText('身份证号有误').waitFor();
      expect(await count(page, 'queued')).toBe(0);

      // An upload that reaches the server but whose answer is lost: the scan stays queued…
      let delivered = 0;
      await page.route(
        '**/api/testing/rounds/*/scans',
        async (route) => {
          const res = await route.fetch();
          if (res.status() === 200) delivered++;
          await route.abort('connectionreset');
        },
        { times: 1 },
      );
      await scanPerson(page, resident(2));
      await expect.poll(() => delivered, POLL).toBe(1);
      await expect.poll(() => count(page, 'queued'), POLL).toBe(1);
      await page.getByTestId('sync-state').getByText('同步失败').waitFor();
      // …and is sent again: the server knows the key, answers duplicate, and counts it once.
      await page.getByRole('button', { name: '立即同步' }).click();
      await expect.poll(() => count(page, 'queued'), POLL).toBe(0);
      expect(await count(page, 'confirmed')).toBe(3);
      await page
        .locator('[data-testid=recent] li[data-state=duplicate]')
        .getByText('重复（已记录）')
        .waitFor();
      await scanPerson(page, resident(3));
      await page.getByTestId('tube-server').getByText('服务器计数 4').waitFor();

      // The service worker (web/public/sw.js) controls the page before the network goes.
      await page.evaluate(async () => {
        await navigator.serviceWorker.ready;
      });
      await expect
        .poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), POLL)
        .toBe(true);

      // No network: scans are queued on the phone, the tube still fills.
      await context.setOffline(true);
      await page.getByTestId('online').getByText('离线').waitFor();
      await scanPerson(page, resident(4));
      await scanPerson(page, resident(5));
      const traveller = makeIdNumber('110101', '1990-03-07', 123); // valid, not a resident of this city
      await scanPerson(page, traveller);
      await expect.poll(() => count(page, 'queued'), POLL).toBe(3);
      expect(await count(page, 'confirmed')).toBe(4);
      expect(await page.getByTestId('tube-fill').textContent()).toBe('7 / 10');
      // The sync button cannot help without a network: still queued.
      await page.getByRole('button', { name: '立即同步' }).click();
      await page.getByTestId('sync-state').getByText('网络不可用').waitFor();
      expect(await count(page, 'queued')).toBe(3);

      // Reloaded without a network: the service worker serves the app from its cache, the session on this
      // phone goes on, the three queued scans are still listed, and a new scan queues up in the same tube.
      const reloaded = await page.reload();
      expect(reloaded?.fromServiceWorker()).toBe(true);
      // Chromium 150 drops the offline emulation of a page reloaded through its service worker (the reload itself
      // was served without a network, as asserted above): set it again, as the phone is still offline.
      if (await page.evaluate(() => navigator.onLine)) {
        await context.setOffline(false);
        await context.setOffline(true);
      }
      await expect.poll(() => page.evaluate(() => navigator.onLine), POLL).toBe(false);
      await page.getByTestId('online').getByText('离线').waitFor();
      await page.getByTestId('task').getByText(ROUND_NAME).waitFor();
      await expect.poll(() => count(page, 'queued'), POLL).toBe(3);
      await expect
        .poll(() => page.locator('[data-testid=recent] li[data-kind=scan][data-state=queued]').count(), POLL)
        .toBe(3);
      expect(await count(page, 'confirmed')).toBe(4);
      await page.getByTestId('tube-barcode').getByText('TA0000001').waitFor();
      expect(await page.getByTestId('tube-fill').textContent()).toBe('7 / 10');
      await scanPerson(page, resident(15));
      await expect.poll(() => count(page, 'queued'), POLL).toBe(4);
      expect(await page.getByTestId('tube-fill').textContent()).toBe('8 / 10');
      await shot(page, 'sampler-offline');

      // Back online: the `online` event uploads the queue.
      await context.setOffline(false);
      await page.getByTestId('online').getByText('在线').waitFor();
      await expect.poll(() => count(page, 'queued'), POLL).toBe(0);
      expect(await count(page, 'confirmed')).toBe(8);
      expect(await count(page, 'flagged')).toBe(1);
      await page.getByTestId('tube-server').getByText('服务器计数 8').waitFor();
      await page.locator('[data-testid=recent] li').getByText('不在登记库中').waitFor();
      await shot(page, 'sampler-synced');

      // A registry code for nobody: accepted by the phone, refused by the server with its reason.
      await scanPerson(page, 'qingcang:person:999999999');
      await expect.poll(() => count(page, 'rejected'), POLL).toBe(1);
      await page
        .locator('[data-testid=recent] li[data-state=rejected]')
        .getByText('person_unknown')
        .waitFor();
      expect(await page.getByTestId('tube-fill').textContent()).toBe('8 / 10');

      // Close tube A by hand.
      // In the middle of the screen, so the confirmation does not open under the sticky header.
      const closeButton = page.getByRole('button', { name: '手动封管' });
      await closeButton.evaluate((el) => el.scrollIntoView({ block: 'center' }));
      await closeButton.click();
      // antd speaks Chinese too (its own buttons).
      const confirm = page.locator('.ant-popconfirm').getByRole('button', { name: '确定' });
      await confirm.waitFor({ state: 'visible' });
      await confirm.click();
      await page.getByTestId('tube-notice').getByText('试管 TA0000001 已封管').waitFor();
      await page.getByTestId('box-tubes').getByText('TA0000001 · 8/10').waitFor();

      // Tube B fills up: nine more residents and one sampled before (flagged), then it closes by itself.
      await page.getByLabel('试管条码').fill('TB0000002');
      await page.getByLabel('试管条码').press('Enter');
      for (let i = 6; i < 15; i++) await scanPerson(page, resident(i));
      await shot(page, 'sampler-scan');
      await scanPerson(page, resident(0));
      await page.getByTestId('tube-notice').getByText('试管 TB0000002 已满 10 人，已封管').waitFor();
      await expect.poll(() => count(page, 'confirmed'), POLL).toBe(18);
      expect(await count(page, 'flagged')).toBe(2);
      await page.locator('[data-testid=recent] li').getByText('本轮重复采样').waitFor();
      await page.getByTestId('box-tubes').getByText('TB0000002 · 10/10').waitFor();

      // Box both.
      await page.getByLabel('转运箱条码').fill('BOX000001');
      await page.getByRole('button', { name: '装箱' }).click();
      await page.getByText('暂无待装箱的试管').waitFor();
      await page.locator('[data-testid=recent] li[data-kind=box][data-state=done]').waitFor();
      await page.locator('[data-testid=recent] li[data-kind=close][data-state=done]').waitFor();
      await page.screenshot({ path: join(SHOTS, 'sampler-boxed.png'), fullPage: true });

      // The server's view: each scan counted once. Every key the phone holds is replayed: all duplicates,
      // each to the tube the phone put it in (the server looks no further than a key it has seen); 16 distinct
      // residents sampled (the traveller is not a resident, resident 0 was sampled twice), two tubes, both closed.
      const me = (await (await page.request.get(`${baseUrl}/api/auth/me`)).json()) as { csrf_token: string };
      const stored = (await page.evaluate(
        () =>
          new Promise((resolve, reject) => {
            const open = indexedDB.open('qingcang-sampler');
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
              const get = open.result.transaction('ops').objectStore('ops').getAll();
              get.onsuccess = () => resolve(get.result);
              get.onerror = () => reject(get.error);
            };
          }),
      )) as { kind: string; state: string; key: string; tube: string; pointId: number; idNumber?: string }[];
      const scans = stored.filter((o) => o.kind === 'scan' && o.state !== 'rejected');
      expect(scans).toHaveLength(18);
      expect(new Set(scans.map((s) => s.key)).size).toBe(18);
      // Confirmed scans keep no full ID number on the phone.
      expect(scans.filter((s) => s.idNumber !== undefined)).toEqual([]);
      const replay = await page.request.post(`${baseUrl}/api/testing/rounds/${roundId}/scans`, {
        headers: { 'x-csrf-token': me.csrf_token },
        data: {
          items: scans.map((s) => ({
            key: s.key,
            tube: s.tube,
            point_id: s.pointId,
            person_id: 1,
            scanned_at: new Date().toISOString(),
          })),
        },
      });
      expect(replay.status()).toBe(200);
      const answers = ((await replay.json()) as { items: { key: string; status: string; tube: string }[] })
        .items;
      expect(answers.map((a) => a.status)).toEqual(scans.map(() => 'duplicate'));
      expect(answers.map((a) => a.tube)).toEqual(scans.map((s) => s.tube));

      const coverage = (await (
        await page.request.get(`${baseUrl}/api/testing/rounds/${roundId}/coverage?area=${DISTRICT}`)
      ).json()) as { items: { sampled: number; tubes: number; tubes_closed: number }[] };
      const sum = (k: 'sampled' | 'tubes' | 'tubes_closed') => coverage.items.reduce((n, a) => n + a[k], 0);
      expect(sum('sampled')).toBe(16);
      expect(sum('tubes')).toBe(2);
      expect(sum('tubes_closed')).toBe(2);

      // Boxed on the server: the same boxing again (a retry) changes nothing and says so; the same tubes into
      // another box are refused as already boxed.
      const boxAgain = async (box: string) => {
        const res = await page.request.post(`${baseUrl}/api/testing/boxes`, {
          headers: { 'x-csrf-token': me.csrf_token },
          data: { round_id: roundId, box, tubes: ['TA0000001', 'TB0000002'] },
        });
        return ((await res.json()) as { items: { status: string; message?: string }[] }).items;
      };
      expect((await boxAgain('BOX000001')).map((i) => i.status)).toEqual(['already', 'already']);
      expect((await boxAgain('BOX000002')).map((i) => i.message)).toEqual([
        'tube TA0000001 is already boxed',
        'tube TB0000002 is already boxed',
      ]);

      // English, and the phone page never loaded the command platform's code (charts).
      await page.getByText('English', { exact: true }).click();
      await page.getByText('Sampling task').waitFor();
      await page.screenshot({ path: join(SHOTS, 'sampler-en.png'), fullPage: true });
      expect(scripts.filter((s) => /\/assets\/App-/.test(s))).toEqual([]);
      expect(pageErrors).toEqual([]);
    } catch (err) {
      await page.screenshot({ path: join(tmpdir(), 'sampler-failure.png'), fullPage: true });
      throw err;
    } finally {
      await context.close();
    }
  });
});
