/**
 * 就医保障 end to end: the real server (PGlite in a temporary directory, a seeded city), a commander made with the
 * CLI, Debian's Chromium. A street is locked down and two red-code hospitals set up through the API; in the browser
 * the commander files an emergency for a resident found by name, sees it on the emergency clock, routes it, sends an
 * ambulance, records the arrival and the treatment; a second request is refused by its hospital (the refusal listed).
 * No raw code or English word on the Chinese page. Screenshots: e2e/screenshots/medical*.png.
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
  loginPage,
  PASSWORD,
  prepare,
  SHOTS,
  shutdown,
  startServer,
} from './harness.ts';

const CITY = '2202';
const COMMANDER = 'e2e.commander';
const RAW =
  /\b(requested|routed|vehicle_assigned|at_hospital|treated|refused|dialysis|emergency|chronic_medicine|lockdown_zone|nearest_adequate|red|yellow|green)\b/;

let dataDir: string;
let server: ChildProcess | undefined;
let browser: Browser | undefined;
let baseUrl: string;
let token: string;
const patient = { id: 0, name: '', street: '' };

beforeAll(async () => {
  let env: NodeJS.ProcessEnv;
  ({ dataDir, env } = prepare('medical'));
  cli(['seed', '--people', '1000'], env);
  cli(
    ['user', 'create', '--username', COMMANDER, '--role', 'commander', '--jurisdiction', CITY],
    env,
    `${PASSWORD}\n`,
  );
  token = cli(
    ['token', 'create', '--name', 'e2e medical', '--role', 'commander', '--jurisdiction', CITY],
    env,
  ).trim();
  ({ url: baseUrl, child: server } = await startServer(env));
  const api = bearerClient(() => baseUrl, token);
  const people = await api<{ items: { id: number; name: string; area_code: string }[] }>(
    'GET',
    '/api/persons?limit=50',
  );
  // A resident whose name is unique among those listed, so the search finds them first.
  const counts = new Map<string, number>();
  for (const p of people.items) counts.set(p.name, (counts.get(p.name) ?? 0) + 1);
  const p = people.items.find((x) => counts.get(x.name) === 1) ?? people.items[0];
  if (!p) throw new Error('no people');
  Object.assign(patient, { id: p.id, name: p.name, street: p.area_code.slice(0, 9) });
  await api('POST', '/api/zones', {
    area_code: patient.street,
    level: 'lockdown',
    reason: '出现病例，封控管理',
  });
  for (const [name, services] of [
    ['定点医院（红码）一院', { emergency: 5, chronic_medicine: 5 }],
    ['定点医院（红码）二院', { emergency: 5, chronic_medicine: 5 }],
  ] as const)
    await api('POST', '/api/medical/hospitals', {
      name,
      area_code: patient.street.slice(0, 6),
      code_colour: 'red',
      services,
    });
  browser = await launchBrowser();
});

afterAll(() => shutdown({ browser, server, dataDir }));

async function pickOption(page: Page, text: string | RegExp): Promise<void> {
  await page
    .locator(
      '.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option:not(.ant-select-item-option-disabled)',
      {
        hasText: text,
      },
    )
    .first()
    .click();
}

describe('就医保障', () => {
  it('files an emergency for a locked-down resident, routes it, sends an ambulance, treats it; records a refusal', async () => {
    if (!browser) throw new Error('no browser');
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, locale: 'zh-CN' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await loginPage(page, baseUrl, COMMANDER);
      await page.goto(`${baseUrl}/medical`);
      await page.getByRole('heading', { name: '就医保障' }).waitFor();
      await page.getByText('当前没有未完成的急诊').waitFor();

      // The new request: the patient found by name, an emergency, a contact phone.
      const form = page.locator('.medical-request-form');
      await form.locator('.medical-person input').fill(patient.name);
      await pickOption(page, patient.name);
      await form.locator('.ant-form-item', { hasText: '诊疗服务' }).locator('.ant-select').click();
      await pickOption(page, '急诊急救');
      await form.locator('.ant-form-item', { hasText: '紧急程度' }).locator('.ant-select').click();
      await pickOption(page, /^急诊$/);
      await form.locator('.medical-phone').fill('139 0431 0001');
      await form.getByRole('button', { name: '提交申请' }).click();
      await page.getByText('已提交申请 1 号（红码）').waitFor();

      // On the emergency clock, moving; in the list, routed to a red-code hospital.
      const clock = page.locator('.medical-clock');
      await clock.locator('.medical-clock-moving').first().waitFor();
      await page.locator('.medical-route').first().click();
      await page.getByText('已完成：自动派院').waitFor();
      const row = page.locator('.ant-table-row', { hasText: patient.name }).first();
      await row.getByText('已派院').waitFor();
      await row.getByText(/定点医院（红码）/).waitFor();

      // An ambulance, then at the hospital, then treated.
      await row.locator('.ant-select', { hasText: '选择车辆' }).click();
      await pickOption(page, '救护车');
      await row.getByRole('button', { name: '派车' }).click();
      await row.getByText('已派车').first().waitFor();
      await row.getByRole('button', { name: '已到院' }).click();
      await confirmPopover(page);
      await row.getByText('已到院').first().waitFor();
      await row.getByRole('button', { name: '已诊治' }).click();
      await confirmPopover(page);
      await row.locator('.ant-tag', { hasText: '已诊治' }).waitFor();
      // The expanded row: every step with its time, why this colour and why this hospital, in words.
      await row.locator('.ant-table-row-expand-icon').click();
      const expanded = page.locator('.ant-table-expanded-row').first();
      await expanded.getByText('码色依据：住在封控区（封控区）').waitFor();
      await expanded.getByText(/派院理由：红码医院中距离最近（约\d+公里）/).waitFor();
      expect(await expanded.locator('.ant-steps-item-finish, .ant-steps-item-process').count()).toBe(5);
      await page.getByText('当前没有未完成的急诊').waitFor();

      // A routine request through the API, routed; its hospital refuses it, recorded on the page.
      const api = bearerClient(() => baseUrl, token);
      const second = await api<{ request: { id: number } }>('POST', '/api/medical/requests', {
        key: 'e2e-medical-second',
        person_id: patient.id,
        service: 'chronic_medicine',
        urgency: 'routine',
        contact_phone: '13904310002',
      });
      await api('POST', `/api/medical/requests/${second.request.id}/route`, {});
      await page.reload();
      await page.getByRole('heading', { name: '就医保障' }).waitFor();
      await page.locator('.medical-refuse').first().click();
      const modal = page.locator('.ant-modal', { hasText: '登记医院拒诊' });
      await modal.locator('.medical-refuse-reason').fill('称无床位，未核实即拒收');
      await modal.getByRole('button', { name: '登记拒诊' }).click();
      await page.getByText('已完成：登记拒诊').waitFor();
      await page.locator('.ant-card', { hasText: '拒诊记录' }).getByText('称无床位，未核实即拒收').waitFor();
      await page.locator('.ant-tag', { hasText: '被拒诊' }).first().waitFor();

      const text = (await page.locator('main').textContent()) ?? (await page.textContent('body')) ?? '';
      expect(text).not.toMatch(RAW);
      await page.screenshot({ path: join(SHOTS, 'medical.png'), fullPage: true });
      expect(errors).toEqual([]);
    } catch (err) {
      await page.screenshot({ path: join(SHOTS, 'medical-failure.png'), fullPage: true });
      throw err;
    } finally {
      await context.close();
    }
  });
});
