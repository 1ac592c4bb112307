/**
 * 通行证 and 卡口核验 end to end: the real server (PGlite in a temporary directory, a seeded city), a commander and
 * a checkpoint officer made with the CLI, Debian's Chromium. The commander adds a checkpoint and issues a vehicle
 * pass from the form, and sees its QR code (an SVG large enough to scan) and its code; the officer, on a phone-sized
 * page, checks the code: valid (recorded by the server), then offline (judged on the phone with the cached key, the
 * check queued and sent when back online); the commander revokes the pass with a reason (已吊销 in the list); the
 * officer checks again: revoked, from the server and then offline from the refreshed revocation list. No raw code or
 * English word on the Chinese pages. Screenshots: e2e/screenshots/passes*.png.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, launchBrowser, loginPage, PASSWORD, prepare, SHOTS, shutdown, startServer } from './harness.ts';

const CITY = '2202';
const COMMANDER = 'e2e.commander';
const OFFICER = 'e2e.officer';
const RAW = /\b(valid|revoked|expired|forged|supply|vehicle|area_not_allowed|unknown_key|not_yet_valid)\b/;

let dataDir: string;
let server: ChildProcess | undefined;
let browser: Browser | undefined;
let baseUrl: string;

beforeAll(async () => {
  let env: NodeJS.ProcessEnv;
  ({ dataDir, env } = prepare('passes'));
  cli(['seed', '--people', '300'], env);
  for (const [username, role] of [
    [COMMANDER, 'commander'],
    [OFFICER, 'checkpoint_officer'],
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

async function open(
  username: string,
  viewport: { width: number; height: number },
  mobile = false,
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  if (!browser) throw new Error('no browser');
  const context = await browser.newContext({ viewport, locale: 'zh-CN', isMobile: mobile, hasTouch: mobile });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await loginPage(page, baseUrl, username);
  return { context, page, errors };
}

/** Picks a node of the open tree dropdown by its name. */
async function pickTreeNode(page: Page, name: string): Promise<void> {
  await page
    .locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-tree-node-content-wrapper', {
      hasText: name,
    })
    .first()
    .click();
}

/** Checks a code on the phone and waits for the verdict of the source expected (the phone's, then the server's). */
async function check(page: Page, token: string, source: string): Promise<{ verdict: string; text: string }> {
  await page.getByRole('button', { name: '清空' }).click();
  await page.locator('.checkpoint-token').fill(token);
  await page.getByRole('button', { name: '核验' }).click();
  const box = page.locator('.checkpoint-verdict');
  await box.locator('.checkpoint-source', { hasText: source }).waitFor();
  return { verdict: (await box.getAttribute('data-verdict')) ?? '', text: (await box.textContent()) ?? '' };
}

describe('通行证', () => {
  it('issues a pass with its QR code, checks it at a checkpoint (also offline), revokes it, checks it again', async () => {
    const desk = await open(COMMANDER, { width: 1600, height: 1000 });
    const phone = await open(OFFICER, { width: 390, height: 844 }, true);
    try {
      const { page } = desk;
      await page.goto(`${baseUrl}/passes`);
      await page.getByRole('heading', { name: '通行证管理' }).waitFor();
      const districts = await page.evaluate(async () => {
        const res = await fetch('/api/areas?parent=2202');
        return ((await res.json()) as { items: { code: string; name: string }[] }).items;
      });
      const district = districts[0] as { code: string; name: string };

      // A checkpoint in the district, with its position.
      const cpForm = page.locator('.checkpoint-form');
      await cpForm.getByLabel('卡口名称').fill('东站卡口');
      await cpForm.locator('.ant-select').click();
      await pickTreeNode(page, district.name);
      await cpForm.getByLabel('纬度').fill('43.85');
      await cpForm.getByLabel('经度').fill('126.55');
      await cpForm.getByRole('button', { name: '新增卡口' }).click();
      await page.getByText('已新增卡口“东站卡口”').waitFor();

      // A supply vehicle's pass for the district, from the form.
      const form = page.locator('.pass-issue-form');
      await form.getByLabel('车牌号').fill('吉b·12345');
      await form.getByLabel('驾驶员或联系人姓名').fill('李师傅');
      await form.getByLabel('所属单位').fill('吉林市保供物流公司');
      await form.getByLabel('通行事由').fill('向封控小区配送生活物资');
      await form.locator('.ant-form-item', { hasText: '通行区域' }).locator('.ant-select').click();
      // Found by typing its name (the search covers the whole jurisdiction, not only the opened tree).
      await page.keyboard.type(district.name);
      await pickTreeNode(page, district.name);
      await page.keyboard.press('Escape');
      await form.getByRole('button', { name: '办理' }).click();
      await page.getByText('已办理通行证 1 号').waitFor();
      // Its QR code, large enough to scan from a screen or a sheet, and the code itself.
      const modal = page.locator('.ant-modal', { hasText: '通行证 1 号' });
      const qr = modal.locator('.pass-qr svg');
      await qr.waitFor();
      // (Measured once the modal's opening animation is over.)
      await expect.poll(async () => (await qr.boundingBox())?.width ?? 0).toBeGreaterThanOrEqual(320);
      await modal.getByText('吉B12345').first().waitFor();
      await modal.getByText(district.name).first().waitFor();
      const token = ((await modal.locator('.pass-token').textContent()) ?? '').trim();
      expect(token).toMatch(/^QC1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/);
      await modal.getByRole('button', { name: '打印' }).waitFor();
      // Printed: the QR code and the pass's facts only (not the page, the code's text or the checks).
      await page.emulateMedia({ media: 'print' });
      expect(await qr.isVisible()).toBe(true);
      expect(await modal.getByText('吉林市保供物流公司').isVisible()).toBe(true);
      expect(await modal.locator('.pass-token').isVisible()).toBe(false);
      expect(await page.getByText('通行证列表').isVisible()).toBe(false);
      await page.emulateMedia({ media: 'screen' });
      expect((await modal.textContent()) ?? '').not.toMatch(RAW);
      await page.screenshot({ path: join(SHOTS, 'passes.png'), fullPage: true });
      await modal.getByRole('button', { name: '关闭' }).last().click();
      const row = page.locator('tr.ant-table-row[data-row-key="1"]');
      await row.locator('.pass-status', { hasText: '有效' }).waitFor();

      // The officer's phone: pick the checkpoint, paste the code: valid, recorded by the server.
      const p = phone.page;
      await p.goto(`${baseUrl}/checkpoint`);
      await p.getByRole('heading', { name: '卡口核验' }).waitFor();
      await p.getByText('公钥：1 个').waitFor();
      await p.locator('.checkpoint-select').click();
      await p.locator('.ant-select-item-option', { hasText: '东站卡口' }).click();
      let r = await check(p, token, '服务器核验，已记录');
      expect(r.verdict).toBe('valid');
      expect(r.text).toContain('有效，准予通行');
      expect(r.text).toContain('车牌 吉B12345');
      expect(r.text).not.toMatch(RAW);
      await p.screenshot({ path: join(SHOTS, 'passes-checkpoint-valid.png'), fullPage: true });

      // Offline: judged on the phone with the cached key; the check waits and is sent when back online.
      await phone.context.setOffline(true);
      r = await check(p, token, '本机离线核验');
      expect(r.verdict).toBe('valid');
      await p.getByText('待上传核验记录：1 条').waitFor();
      await phone.context.setOffline(false);
      await p.evaluate(() => window.dispatchEvent(new Event('online')));
      await p.getByText('待上传核验记录').waitFor({ state: 'detached' });

      // The commander revokes it with a reason; the list says 已吊销 and the pass shows its two checks.
      await row.getByRole('button', { name: '吊销' }).click();
      const revoke = page.locator('.ant-modal', { hasText: '吊销通行证 1 号' });
      await revoke.getByLabel('吊销理由').fill('车辆更换司机，重新办理');
      await revoke.getByRole('button', { name: '吊销' }).click();
      await page.getByText('通行证 1 号已吊销').waitFor();
      await row.locator('.pass-status', { hasText: '已吊销' }).waitFor();
      await row.getByRole('cell', { name: '2', exact: true }).waitFor(); // two checks recorded
      expect((await page.locator('main').textContent()) ?? '').not.toMatch(RAW);

      // Checked again: revoked, says the server; and offline too once the phone has the new list.
      r = await check(p, token, '服务器核验，已记录');
      expect(r.verdict).toBe('revoked');
      expect(r.text).toContain('已吊销');
      await p.getByRole('button', { name: '更新公钥和吊销名单' }).click();
      await p.getByText('吊销名单：1 张').waitFor();
      await phone.context.setOffline(true);
      r = await check(p, token, '本机离线核验');
      expect(r.verdict).toBe('revoked');
      await p.screenshot({ path: join(SHOTS, 'passes-checkpoint-revoked.png'), fullPage: true });
      await phone.context.setOffline(false);
      // A code that is not a pass code says so, in words.
      await p.locator('.checkpoint-token').fill('hello');
      await p.getByRole('button', { name: '核验' }).click();
      await p.getByText('这不是通行证二维码').waitFor();
      expect([...desk.errors, ...phone.errors]).toEqual([]);
    } catch (err) {
      await desk.page.screenshot({ path: join(SHOTS, 'passes-failure.png'), fullPage: true });
      await phone.page.screenshot({ path: join(SHOTS, 'passes-checkpoint-failure.png'), fullPage: true });
      throw err;
    } finally {
      await desk.context.close();
      await phone.context.close();
    }
  }, 180_000);
});
