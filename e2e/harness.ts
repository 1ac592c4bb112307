/**
 * What every end-to-end suite shares: a real server (`qingcang serve`) on the embedded database in a temporary
 * directory, the CLI to prepare it, Debian's Chromium, an API client with a bearer token, and the clean-up.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Locator, type Page, type Request } from 'playwright-core';

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

/**
 * Runs a `qingcang` command that ends up serving on a free port; resolves once `ready` finds what it waits for in
 * the command's output (the URL, and whatever else the caller reads from it).
 */
function launch<T>(
  command: 'serve' | 'start',
  env: NodeJS.ProcessEnv,
  ready: (out: string) => T | undefined,
): Promise<T & { child: ChildProcess }> {
  const child = spawn(process.execPath, [BIN, command, '--port', '0'], { env, cwd: ROOT });
  // The server's log (warnings and errors) kept beside the screenshots, to read when a suite fails.
  const log = createWriteStream(join(SHOTS, `${basename(env.QINGCANG_DATA_DIR ?? 'server')}-server.log`));
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d) => {
      out += String(d);
      const found = ready(out);
      if (found) resolve({ ...found, child });
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${stderr.slice(-2000)}`)));
  });
}

const servingUrl = (out: string) => /serving on (http:\/\/\S+)/.exec(out)?.[1];

/** Starts `qingcang serve` on a free port; resolves with its URL once it says it is serving. */
export function startServer(env: NodeJS.ProcessEnv): Promise<{ url: string; child: ChildProcess }> {
  return launch('serve', env, (out) => {
    const url = servingUrl(out);
    return url ? { url } : undefined;
  });
}

/**
 * Starts the server as a user does the first time (`qingcang start`: the demo city, its outbreak and its day seeded
 * into an empty database, two demo accounts with one-time passwords printed once); resolves with its URL and those
 * passwords once it serves.
 */
export function startDemo(
  env: NodeJS.ProcessEnv,
): Promise<{ url: string; child: ChildProcess; passwords: Record<string, string> }> {
  return launch('start', env, (out) => {
    const url = servingUrl(out);
    const passwords = Object.fromEntries(
      [...out.matchAll(/^ {2}(\S+) +(.+?) {3}\(/gm)].map((m) => [m[1] as string, m[2] as string]),
    );
    return url && passwords.commander ? { url, passwords } : undefined;
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
 * Picks the radio button labelled `label` inside `scope` (a dialog) and makes sure it took: a click that lands
 * while the dialog is still opening on a starved machine can leave the old choice, so it checks and tries again.
 */
export async function pickRadio(scope: Locator, label: string): Promise<void> {
  const radio = scope.getByRole('radio', { name: label, exact: true });
  for (let attempt = 1; ; attempt++) {
    await scope.getByText(label, { exact: true }).click();
    if (await radio.isChecked()) return;
    if (attempt === 5) throw new Error(`the radio button ${label} stays unchecked after ${attempt} clicks`);
    await scope.page().waitForTimeout(200 * attempt);
  }
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
  // What the API answered with an error or slowly, and requests that never got an answer: said when it fails.
  const apiTrouble: string[] = [];
  const started = new Map<Request, number>();
  page.on('request', (r) => started.set(r, Date.now()));
  page.on('requestfinished', async (r) => {
    const ms = Date.now() - (started.get(r) ?? Date.now());
    started.delete(r);
    if (!r.url().includes('/api/')) return;
    const status = (await r.response().catch(() => null))?.status() ?? 0;
    if (status >= 400 || ms > 3000)
      apiTrouble.push(`${r.method()} ${new URL(r.url()).pathname} → ${status} in ${ms} ms`);
  });
  page.on('requestfailed', (r) => {
    started.delete(r);
    if (r.url().includes('/api/'))
      apiTrouble.push(`${r.method()} ${r.url()} failed: ${r.failure()?.errorText}`);
  });
  try {
    await loginPage(page, baseUrl, username);
    try {
      await run(page);
    } catch (err) {
      await page.screenshot({ path: join(SHOTS, `${shot}-failure.png`), fullPage: true });
      const pending = [...started].filter(([r]) => r.url().includes('/api/'));
      const said = [
        ...apiTrouble,
        ...pending.map(
          ([r, t]) => `${r.method()} ${new URL(r.url()).pathname} unanswered after ${Date.now() - t} ms`,
        ),
      ];
      if (said.length > 0 && err instanceof Error) err.message += `\nAPI: ${said.join('; ')}`;
      // What the page said: form fields refused, messages and notifications shown.
      const shown = await page
        .locator(
          '.ant-form-item-explain-error, .ant-message-notice, .ant-notification-notice, .ant-alert-error',
        )
        .allTextContents()
        .catch(() => []);
      if (shown.length > 0 && err instanceof Error) err.message += `\nPage: ${shown.join('; ')}`;
      throw err;
    }
    if (pageErrors.length > 0) throw new Error(`the page threw: ${pageErrors.join('; ')}`);
  } finally {
    await context.close();
  }
}

/** Words a Chinese page may show in Latin letters: product names, units and standards, not sentences. */
export const LATIN_ALLOWED = [
  'CSV',
  'XLSX',
  'Excel',
  'PCR',
  'Ct',
  'ID',
  'FHIR',
  'API',
  'OpenAPI',
  'qingcang',
  'GB/T',
  'km',
  'h',
  'min',
  'ms',
  's',
  'N95',
  'ICU',
  'SEIR',
  'Markdown',
  'JSON',
  'PDF',
  'PNG',
  'HTTP',
  'HTTPS',
  'URL',
  'IP',
  'SHA-256',
  'HMAC',
  'Chromium',
];

/** Something on a Chinese page that is not in words: an English phrase, a raw code, a UTC timestamp, a bare area code. */
export interface RawText {
  kind: 'english' | 'code' | 'utc_time' | 'area_code';
  text: string;
  /** The text around it, to find it on the page. */
  near: string;
}

/**
 * The visible text of the page that is not in words (Chinese mode): runs of two or more English words that are not
 * product names or units (LATIN_ALLOWED), snake_case codes, ISO timestamps with T or Z, and 6- or 12-digit area
 * codes standing alone in a table cell or a description. Hidden elements, inputs, code blocks and canvases (charts)
 * are not read.
 */
export async function findRawText(page: Page, allowed: readonly string[] = []): Promise<RawText[]> {
  return page.evaluate(
    ({ allow }) => {
      // Runs in the page. The server's typecheck has no DOM library (scripts/ use this file): the little used of
      // the DOM is declared here.
      interface Element {
        textContent: string | null;
        parentElement: Element | null;
        closest(selector: string): Element | null;
        checkVisibility?(o: { checkOpacity: boolean; checkVisibilityCSS: boolean }): boolean;
        getClientRects(): { length: number };
      }
      interface Document {
        body: Element;
        createTreeWalker(root: Element, show: number): { nextNode(): Element | null };
        querySelectorAll(selector: string): Iterable<Element>;
      }
      const document = (globalThis as unknown as { document: Document }).document;
      const SHOW_TEXT = 4; // NodeFilter.SHOW_TEXT
      const out: { kind: 'english' | 'code' | 'utc_time' | 'area_code'; text: string; near: string }[] = [];
      const ok = new Set(allow.map((w) => w.toLowerCase()));
      const visible = (el: Element | null): boolean => {
        if (!el) return false;
        if (
          el.closest(
            'script, style, noscript, code, pre, textarea, [aria-hidden="true"], .ant-select-selection-search',
          )
        )
          return false;
        if (el.checkVisibility && !el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }))
          return false;
        return el.getClientRects().length > 0;
      };
      const walker = document.createTreeWalker(document.body, SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const text = n.textContent ?? '';
        if (!text.trim() || !visible(n.parentElement)) continue;
        const near = (n.parentElement?.textContent ?? text).trim().slice(0, 120);
        // Runs of Latin words (letters only: "e2e" or "N95" is a name, not a word), the allowed ones taken out.
        let run: string[] = [];
        const flush = () => {
          if (run.filter((w) => !ok.has(w.toLowerCase())).length >= 2)
            out.push({ kind: 'english', text: run.join(' '), near });
          run = [];
        };
        for (const token of text.split(/\s+/)) {
          const word = /^[("'“]?([A-Za-z][A-Za-z'’-]*)[)"'”.,:;!?]*$/.exec(token)?.[1];
          if (word) run.push(word);
          else flush();
        }
        flush();
        for (const m of text.matchAll(/\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b/g))
          out.push({ kind: 'code', text: m[0], near });
        for (const m of text.matchAll(
          /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?|\d{2}:\d{2}:\d{2}(?:\.\d+)?Z\b/g,
        ))
          out.push({ kind: 'utc_time', text: m[0], near });
      }
      // Area codes alone in a cell.
      for (const cell of document.querySelectorAll(
        'td, .ant-descriptions-item-content, .ant-statistic-content-value, .ant-list-item, .ant-tag',
      )) {
        const t = cell.textContent?.trim() ?? '';
        if (/^(\d{6}|\d{12})$/.test(t) && visible(cell)) out.push({ kind: 'area_code', text: t, near: t });
      }
      return out;
    },
    { allow: [...LATIN_ALLOWED, ...allowed] },
  );
}
