/**
 * The administration page (系统管理, /admin) end to end: the real server (PGlite in a temporary directory, a seeded
 * city), an administrator, an auditor and a viewer made with the CLI, audit entries made through the API (a
 * commander token listing people), then Debian's Chromium: accounts in words (roles, areas by name, status), a new
 * account whose one-time password is shown once and works, a refusal worded by errorText, an account disabled with
 * a reason; an API token whose secret is shown once with its warning, works, and stops working once revoked; the
 * audit log in words, filtered and paged as the API pages, and its hash chain verified (intact, and against a head
 * it cannot contain); an auditor sees the audit log only, a viewer not the page at all. Screenshots go to
 * e2e/screenshots/.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearerClient,
  cli,
  findRawText,
  launchBrowser,
  PASSWORD,
  prepare,
  SHOTS,
  shutdown,
  startServer,
} from './harness.ts';

/** From a select's search input (hidden once a value is chosen) up to the box that opens it. */
const SELECT = 'xpath=ancestor::div[contains(concat(" ", @class, " "), " ant-select ")][1]';

const CITY = '2202';
const ADMIN = 'e2e.admin';
const AUDITOR = 'e2e.auditor';
const VIEWER = 'e2e.viewer';
const LEAVER = 'e2e.leaver';
const NEW_USER = 'e2e.newtracer';
/** person.list entries made by the commander token: more than one page of 20. */
const LISTINGS = 25;

let dataDir: string;
let server: ChildProcess | undefined;
let browser: Browser | undefined;
let baseUrl: string;
let commanderToken: string;
const district = { code: '', name: '' };
let cityName = '';

beforeAll(async () => {
  let env: NodeJS.ProcessEnv;
  ({ dataDir, env } = prepare('admin'));
  cli(['seed', '--people', '500'], env);
  for (const [username, role] of [
    [ADMIN, 'admin'],
    [AUDITOR, 'auditor'],
    [VIEWER, 'viewer'],
    [LEAVER, 'viewer'],
  ] as const)
    cli(
      ['user', 'create', '--username', username, '--role', role, '--jurisdiction', CITY],
      env,
      `${PASSWORD}\n`,
    );
  commanderToken = cli(
    ['token', 'create', '--name', 'e2e commander', '--role', 'commander', '--jurisdiction', CITY],
    env,
  ).trim();
  ({ url: baseUrl, child: server } = await startServer(env));
  const cmd = bearerClient(() => baseUrl, commanderToken);
  const districts = await cmd<{ items: { code: string; name: string }[] }>(
    'GET',
    `/api/areas?parent=${CITY}`,
  );
  const first = districts.items[0];
  if (!first) throw new Error(`no district under ${CITY}`);
  Object.assign(district, { code: first.code, name: first.name });
  cityName = (await cmd<{ name: string }>('GET', `/api/areas/${CITY}`)).name;
  // Audited reads: each listing of people is an entry of the audit log ('person.list', area 2202).
  for (let i = 0; i < LISTINGS; i++) await cmd('GET', '/api/persons?limit=1');
  browser = await launchBrowser();
});

afterAll(() => shutdown({ browser, server, dataDir }));

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

/** Answers the open confirmation (a Popconfirm) with its OK button. */
async function confirm(page: Page): Promise<void> {
  await page
    .locator('.ant-popover:not(.ant-popover-hidden)')
    .getByRole('button', { name: '确定', exact: true })
    .click();
}

/** Picks an option of the open antd Select by its label, scrolling its (virtual) list until it shows. */
async function pick(page: Page, label: string): Promise<void> {
  const open = page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)');
  const option = open.locator(`.ant-select-item-option[title="${label}"]`);
  for (let i = 0; i < 20 && (await option.count()) === 0; i++) {
    await open.locator('.rc-virtual-list-holder').hover();
    await page.mouse.wheel(0, 160);
    await page.waitForTimeout(50);
  }
  await option.click();
  // The list closes with an animation: on a busy machine it still covers the next control for a moment.
  await open.waitFor({ state: 'detached', timeout: 5000 }).catch(() => page.keyboard.press('Escape'));
}

const pane = (page: Page) => page.locator('.ant-tabs-tabpane-active');
const tableRows = (page: Page) => pane(page).locator('.ant-table-tbody tr.ant-table-row');

async function withPage(username: string, run: (page: Page) => Promise<void>): Promise<void> {
  const context = await browser?.newContext({ viewport: { width: 1600, height: 1000 }, locale: 'zh-CN' });
  if (!context) throw new Error('no browser');
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  try {
    await login(page, username);
    try {
      await run(page);
    } catch (err) {
      await page.screenshot({ path: join(SHOTS, 'admin-failure.png'), fullPage: true });
      throw err;
    }
    expect(pageErrors).toEqual([]);
  } finally {
    await context.close();
  }
}

async function loginStatus(username: string, password: string): Promise<number> {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return res.status;
}

interface UserOut {
  id: number;
  username: string;
  role: string;
  jurisdiction: string;
  status: string;
  must_change_password: boolean;
}

describe('administration page', () => {
  it('accounts: in words, a new one with its one-time password shown once, a refusal, one disabled', async () => {
    await withPage(ADMIN, async (page) => {
      await open(page, '系统管理', '/admin');
      await page.getByRole('tab', { name: '账号' }).waitFor();
      const leaver = tableRows(page).filter({ hasText: LEAVER });
      await leaver.waitFor();
      // Role, status and area in words, never the codes.
      await expect.poll(() => leaver.textContent()).toContain(cityName);
      const leaverText = (await leaver.textContent()) ?? '';
      expect(leaverText).toContain('只读用户');
      expect(leaverText).toContain('启用');
      const tags = await pane(page).locator('.ant-table-tbody .ant-tag').allTextContents();
      expect(tags.length).toBeGreaterThan(0);
      for (const tag of tags) expect(tag).not.toMatch(/[A-Za-z]/);
      // One's own account cannot be disabled from here.
      const self = tableRows(page).filter({ hasText: ADMIN });
      expect(await self.getByRole('button', { name: '停用' }).isDisabled()).toBe(true);
      await page.screenshot({ path: join(SHOTS, 'admin-users.png'), fullPage: true });

      // A new account: user name, name, role (with what it may do, in words) and an area from the lazy tree.
      await pane(page).getByRole('button', { name: '新建账号' }).click();
      const form = page.locator('.ant-modal', { hasText: '系统将生成一次性密码' });
      await form.getByLabel('用户名').fill(NEW_USER);
      await form.getByLabel('姓名').fill('新流调员');
      await form.getByLabel('角色').locator(SELECT).click();
      await pick(page, '流调人员');
      await form.getByText('该角色可以：', { exact: false }).waitFor();
      expect(await form.textContent()).toContain('查看完整身份证号和电话');
      await form.locator('.ant-form-item', { hasText: '管辖区域' }).locator('.ant-select').click();
      await page.locator('.ant-select-tree-node-content-wrapper', { hasText: district.name }).first().click();
      await form.getByRole('button', { name: '创建' }).click();

      // The one-time password, once, with its warning; it works (and must be changed at first login).
      const secret = page.locator('.ant-modal', { hasText: `账号 ${NEW_USER} 的一次性密码` });
      await secret.waitFor();
      expect(await secret.textContent()).toContain('此密码只显示这一次');
      const password = (
        (await secret.getByTestId('admin-secret').locator('code').textContent()) ?? ''
      ).trim();
      expect(password.length).toBeGreaterThanOrEqual(12);
      await page.screenshot({ path: join(SHOTS, 'admin-one-time-password.png') });
      await secret.getByRole('button', { name: '我已妥善保存，关闭' }).click();
      await secret.waitFor({ state: 'hidden' });
      const created = tableRows(page).filter({ hasText: NEW_USER });
      await created.waitFor();
      await expect.poll(() => created.textContent()).toContain(district.name);
      expect(await created.textContent()).toContain('流调人员');
      expect(await created.textContent()).toContain('待修改一次性密码');
      const users = (await (await page.request.get(`${baseUrl}/api/users`)).json()) as { items: UserOut[] };
      const made = users.items.find((u) => u.username === NEW_USER);
      expect(made).toMatchObject({
        role: 'tracer',
        jurisdiction: district.code,
        status: 'active',
        must_change_password: true,
      });
      expect(await loginStatus(NEW_USER, password)).toBe(200);

      // The same user name again: the API's refusal, in words.
      await pane(page).getByRole('button', { name: '新建账号' }).click();
      const again = page.locator('.ant-modal', { hasText: '系统将生成一次性密码' });
      await again.getByLabel('用户名').fill(NEW_USER);
      await again.getByLabel('姓名').fill('重名');
      await again.getByLabel('角色').locator(SELECT).click();
      await pick(page, '只读用户');
      await again.getByRole('button', { name: '创建' }).click();
      const refusal = page.locator('.ant-notification-notice', { hasText: '操作未成功' });
      await refusal.waitFor();
      expect(await refusal.locator('.action-error').textContent()).toBe('该用户名已被占用：请换一个');
      await refusal.locator('.ant-notification-notice-close').click();
      await again.getByRole('button', { name: '取消' }).click();
      await again.waitFor({ state: 'hidden' });

      // Disabling asks for a reason first; then the account is disabled and can no longer log in.
      expect(await loginStatus(LEAVER, PASSWORD)).toBe(200);
      await leaver.getByRole('button', { name: '停用' }).click();
      const popover = page.locator('.ant-popover:not(.ant-popover-hidden)');
      await popover.getByText(`停用账号 ${LEAVER}？`).waitFor();
      expect(await popover.getByRole('button', { name: '确定', exact: true }).isDisabled()).toBe(true);
      await popover.getByLabel('停用理由').fill('人员调离岗位');
      await confirm(page);
      await page.getByText(`已停用账号 ${LEAVER}`).waitFor();
      await expect.poll(() => leaver.textContent()).toContain('已停用');
      const after = (await (await page.request.get(`${baseUrl}/api/users`)).json()) as { items: UserOut[] };
      expect(after.items.find((u) => u.username === LEAVER)?.status).toBe('disabled');
      expect(await loginStatus(LEAVER, PASSWORD)).toBe(401);
    });
  });

  it('API tokens: the secret shown once with its warning, working until revoked', async () => {
    await withPage(ADMIN, async (page) => {
      await open(page, '系统管理', '/admin');
      await page.getByRole('tab', { name: '接口令牌' }).click();
      const cliToken = tableRows(page).filter({ hasText: 'e2e commander' });
      await cliToken.waitFor();
      expect(await cliToken.textContent()).toContain('指挥长');
      expect(await cliToken.textContent()).toContain('服务器命令行');
      expect(await cliToken.textContent()).toContain('有效');

      await pane(page).getByRole('button', { name: '新建令牌' }).click();
      const form = page.locator('.ant-modal', { hasText: '新建接口令牌' });
      await form.getByLabel('用途').fill('E2E 检测机构结果接口');
      await form.getByLabel('角色').locator(SELECT).click();
      // Roles of people are not offered for tokens.
      const offered = await page
        .locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option')
        .allTextContents();
      expect(offered).not.toContain('系统管理员');
      expect(offered).not.toContain('审计员');
      await pick(page, '流调人员');
      await form.getByText('注意：持有该令牌者可以查看完整身份证号和电话。').waitFor();
      await form.getByLabel('角色').locator(SELECT).click();
      await pick(page, '检测机构');
      await expect.poll(() => form.getByText('注意：持有该令牌者', { exact: false }).count()).toBe(0);
      // The area defaults to the whole jurisdiction; 30 days.
      await form.getByText(cityName, { exact: true }).waitFor();
      await form.getByRole('button', { name: '创建' }).click();

      const secret = page.locator('.ant-modal', { hasText: '令牌“E2E 检测机构结果接口”的密钥' });
      await secret.waitFor();
      expect(await secret.textContent()).toContain('密钥只显示这一次');
      const token = ((await secret.getByTestId('admin-secret').locator('code').textContent()) ?? '').trim();
      expect(token).toMatch(/^qct_/);
      await page.screenshot({ path: join(SHOTS, 'admin-token-secret.png') });
      const lab = bearerClient(() => baseUrl, token);
      expect(await lab<{ role: string; jurisdiction: string }>('GET', '/api/auth/me')).toMatchObject({
        role: 'lab',
        jurisdiction: CITY,
      });
      await secret.getByRole('button', { name: '我已妥善保存，关闭' }).click();
      await secret.waitFor({ state: 'hidden' });

      const row = tableRows(page).filter({ hasText: 'E2E 检测机构结果接口' });
      await row.waitFor();
      const rowText = (await row.textContent()) ?? '';
      expect(rowText).toContain(`${token.slice(0, 10)}…`);
      expect(rowText).not.toContain(token);
      expect(rowText).toContain('检测机构');
      expect(rowText).toContain(ADMIN);
      await row.getByRole('button', { name: '吊销' }).click();
      await confirm(page);
      await page.getByText('已吊销令牌 E2E 检测机构结果接口').waitFor();
      await expect.poll(() => row.textContent()).toContain('已吊销');
      expect(await row.getByRole('button', { name: '吊销' }).count()).toBe(0);
      const me = await fetch(`${baseUrl}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(401);
      await page.screenshot({ path: join(SHOTS, 'admin-tokens.png'), fullPage: true });
    });
  });

  it('audit log: in words, filtered, paged as the API pages, the chain verified', async () => {
    await withPage(ADMIN, async (page) => {
      await open(page, '系统管理', '/admin');
      await page.getByRole('tab', { name: '审计日志' }).click();
      const table = page.locator('.ant-tabs-tabpane-active .ant-card', { hasText: '按记录先后排列' });
      await table.locator('tr.ant-table-row').first().waitFor();
      const actions = await table.locator('.ant-table-tbody .ant-tag').allTextContents();
      expect(actions).toContain('创建账号');
      expect(actions).toContain('查询人员名单');
      for (const a of actions) expect(a).not.toMatch(/[a-z]+\.[a-z_]+/);
      await table.getByText('令牌 e2e commander').first().waitFor();

      // Only the commander's listings, 20 a page: a full first page, then the rest on the next.
      await table.getByLabel('操作', { exact: true }).locator(SELECT).click();
      await pick(page, '查询人员名单');
      await table.getByLabel('每页').locator(SELECT).click();
      await pick(page, '20 条');
      await table.getByRole('button', { name: '查询' }).click();
      const rows = table.locator('.ant-table-tbody tr.ant-table-row');
      await expect.poll(() => rows.count()).toBe(20);
      for (const tag of await table.locator('.ant-table-tbody .ant-tag').allTextContents())
        expect(tag).toBe('查询人员名单');
      const lastOnFirst = Number(await rows.last().getAttribute('data-row-key'));
      await table.getByRole('button', { name: '下一页' }).click();
      await table.getByText('第 2 页').waitFor();
      await expect.poll(() => rows.count()).toBe(LISTINGS - 20);
      expect(Number(await rows.first().getAttribute('data-row-key'))).toBeGreaterThan(lastOnFirst);
      expect(await table.getByRole('button', { name: '下一页' }).isDisabled()).toBe(true);
      await page.screenshot({ path: join(SHOTS, 'admin-audit.png'), fullPage: true });

      // By kind of actor: what API tokens did, the first page again; every detail in words.
      await table.getByLabel('操作人类型').locator(SELECT).click();
      await pick(page, '令牌');
      await table.getByRole('button', { name: '查询' }).click();
      await table.getByText('第 1 页').waitFor();
      await expect.poll(() => rows.count()).toBe(20);
      for (const row of await rows.allTextContents()) expect(row).toContain('令牌 e2e commander');
      expect(await findRawText(page)).toEqual([]);

      // The chain: intact, with its head to copy; against a head it cannot contain, broken, in words.
      await page.getByRole('button', { name: '核验审计链' }).click();
      const verdict = page.getByTestId('audit-verdict');
      await verdict.getByText('审计链完整：已核验全部', { exact: false }).waitFor();
      expect(await verdict.textContent()).toMatch(/\d+:[0-9a-f]{64}/);
      await page.getByLabel('已抄存的链头（可选）').fill(`999999:${'0'.repeat(64)}`);
      await page.getByRole('button', { name: '核验审计链' }).click();
      await verdict.getByText('审计链已被破坏', { exact: false }).waitFor();
      expect(await verdict.textContent()).toContain('末尾的记录被删除了');
      await page.screenshot({ path: join(SHOTS, 'admin-audit-verify.png'), fullPage: true });

      // English.
      await page.getByText('English', { exact: true }).click();
      await page.getByRole('tab', { name: 'Audit log' }).waitFor();
      await page.getByRole('button', { name: 'Verify the chain' }).waitFor();
      await pane(page).getByText('Listed people').first().waitFor();
    });
  });

  it('background jobs: every queue in words, and no dead letters on a healthy server', async () => {
    await withPage(ADMIN, async (page) => {
      await open(page, '系统管理', '/admin');
      await page.getByRole('tab', { name: '后台任务' }).click();
      const queues = page.locator('.ant-tabs-tabpane-active .ant-card', { hasText: '任务队列' });
      await queues.getByText('流调（新阳性建档与密接追踪）').waitFor();
      for (const name of ['指挥大屏数据刷新', '审计链存证', '推演运行', '失败待查'])
        await queues.getByText(name, { exact: true }).waitFor();
      await page.getByText('没有重试用尽仍失败的任务').waitFor();
      // Queue names in words only: no raw queue name on the page.
      expect(await pane(page).textContent()).not.toMatch(/[a-z]+-[a-z]+/);
      expect(await findRawText(page)).toEqual([]);
      await page.screenshot({ path: join(SHOTS, 'admin-jobs.png'), fullPage: true });
    });
  });

  it('an auditor sees the audit log only; a viewer not the page at all', async () => {
    await withPage(AUDITOR, async (page) => {
      await open(page, '系统管理', '/admin');
      await page.getByRole('tab', { name: '审计日志' }).waitFor();
      expect(await page.locator('.ant-tabs-tab').count()).toBe(1);
      await pane(page).locator('tr.ant-table-row').first().waitFor();
    });
    await withPage(VIEWER, async (page) => {
      expect(await page.getByRole('menuitem', { name: '系统管理' }).count()).toBe(0);
      await page.goto(`${baseUrl}/admin`);
      // Refused in words, with the roles that may open the page, not swapped silently for another page.
      await page.getByText('无权访问').waitFor();
      await page.getByText('不能打开「系统管理」页面').waitFor();
      expect(await page.getByRole('tab', { name: '账号' }).count()).toBe(0);
      await page.getByRole('link', { name: '返回首页' }).click();
      await page.getByText('指挥中心大屏').waitFor();
    });
  });
});
