/**
 * What every end-to-end suite shares: a real server (`qingcang serve`) on the embedded database in a temporary
 * directory, the CLI to prepare it, Debian's Chromium, an API client with a bearer token, and the clean-up.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BIN = join(ROOT, 'bin/qingcang.js');
export const SHOTS = join(ROOT, 'e2e/screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const PASSWORD = 'e2e passphrase 2022';
export const FULL_ID = /\b\d{17}[\dX]\b/;

/** Checks the build and the browser, and makes a fresh data directory; the environment for CLI and server. */
export function prepare(
  name: string,
  extra: NodeJS.ProcessEnv = {},
): { dataDir: string; env: NodeJS.ProcessEnv } {
  if (!existsSync(join(ROOT, 'web/dist/index.html')))
    throw new Error('web/dist is missing: run `npm run build:web` first (npm run test:e2e does)');
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  mkdirSync(SHOTS, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), `qingcang-e2e-${name}-`));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    QINGCANG_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    // Every suite logs in as several people from one address; the default (10 a minute) is for real clients.
    QINGCANG_LOGIN_RATE_LIMIT: '600',
    ...extra,
  };
  delete env.DATABASE_URL; // always the embedded database in its own directory
  return { dataDir, env };
}

export function cli(args: string[], env: NodeJS.ProcessEnv, input?: string): string {
  return execFileSync(process.execPath, [BIN, ...args], {
    env,
    input,
    encoding: 'utf8',
    cwd: ROOT,
    stdio: 'pipe',
  });
}

/** Starts `qingcang serve` on a free port; resolves with its URL once it says it is serving. */
export function startServer(env: NodeJS.ProcessEnv): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env, cwd: ROOT });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d) => {
      out += String(d);
      const url = /serving on (http:\/\/\S+)/.exec(out)?.[1];
      if (url) resolve({ url, child });
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${stderr.slice(-2000)}`)));
  });
}

/** Headless Chromium; Playwright gives every launch a fresh, empty profile directory of its own. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Closes the browser, stops the server gracefully and removes the data directory. */
export async function shutdown(s: {
  browser?: Browser;
  server?: ChildProcess;
  dataDir?: string;
}): Promise<void> {
  await s.browser?.close();
  const server = s.server;
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  if (s.dataDir) rmSync(s.dataDir, { recursive: true, force: true });
}

/** An API client acting with a bearer token (no session, no CSRF). */
export function bearerClient(baseUrl: () => string, token: string) {
  return async <T = Record<string, unknown>>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<T> => {
    const res = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  };
}

/** Logs in through the login page and waits for the dashboard. */
export async function loginPage(page: Page, baseUrl: string, username: string): Promise<void> {
  await page.goto(baseUrl);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByText('指挥中心大屏').waitFor();
}

/** Opens a page from the menu (the menu may fold items into its overflow on narrow screens: then by address). */
export async function openFromMenu(page: Page, baseUrl: string, label: string, path: string): Promise<void> {
  const item = page.getByRole('menuitem', { name: label, exact: true });
  if ((await item.count()) > 0 && (await item.first().isVisible())) await item.first().click();
  else await page.goto(`${baseUrl}${path}`);
  await page.waitForURL((u) => u.pathname === path);
}

/** Answers the open confirmation (a Popconfirm) with its OK button. */
export async function confirmPopover(page: Page): Promise<void> {
  await page
    .locator('.ant-popover:not(.ant-popover-hidden)')
    .getByRole('button', { name: '确定', exact: true })
    .click();
}

/**
 * A logged-in page in a fresh Chinese browser context: runs `run`, saves a full-page screenshot named `shot`
 * when it fails, and fails when the page threw.
 */
export async function withBrowserPage(
  browser: Browser | undefined,
  baseUrl: string,
  username: string,
  shot: string,
  run: (page: Page) => Promise<void>,
): Promise<void> {
  const context = await browser?.newContext({ viewport: { width: 1600, height: 1000 }, locale: 'zh-CN' });
  if (!context) throw new Error('no browser');
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  try {
    await loginPage(page, baseUrl, username);
    try {
      await run(page);
    } catch (err) {
      await page.screenshot({ path: join(SHOTS, `${shot}-failure.png`), fullPage: true });
      throw err;
    }
    if (pageErrors.length > 0) throw new Error(`the page threw: ${pageErrors.join('; ')}`);
  } finally {
    await context.close();
  }
}
