// The browser tests' Chromium: Debian's /usr/bin/chromium driven by playwright-core (which brings
// no browser of its own), headless, in a fresh profile; screenshots kept under test-artifacts/inbox/
// and an axe-core check run inside the page.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { PASSWORD } from '../agents/helpers.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.resolve('test-artifacts', 'inbox');

export interface TestBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** One browser for the file; each agent gets its own context (cookies) from it. */
export async function launchBrowser(): Promise<TestBrowser> {
  // launch() runs Chromium on a fresh temporary profile (its own --user-data-dir), removed on close.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
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
  return {
    browser,
    close: () => browser.close(),
  };
}

/**
 * A page whose errors (and CSP refusals, which Chromium reports as console errors) are collected
 * in `problems`. Refused requests the tests make on purpose (401, 404) and the live stream cut on
 * purpose are expected.
 */
export async function openPage(ctx: BrowserContext, problems: string[]): Promise<Page> {
  const p = await ctx.newPage();
  // Below the test's own timeout, so that a wait that fails says what it waited for.
  p.setDefaultTimeout(8_000);
  p.on('console', (m) => {
    if (m.type() === 'error' && !/status of 40[14]|inbox\/api\/stream|ERR_INCOMPLETE_CHUNKED_ENCODING/.test(m.text()))
      problems.push(m.text());
  });
  p.on('pageerror', (e) => problems.push(String(e)));
  return p;
}

/** Signs in on the page's sign-in screen (the agents' test password). */
export async function signIn(p: Page, organization: string, email: string): Promise<void> {
  await p.getByLabel('Organization', { exact: true }).fill(organization);
  await p.getByLabel('Email', { exact: true }).fill(email);
  await p.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('heading', { name: 'Inbox' }).waitFor();
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

const axeFile = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
/** A same-origin URL the test answers itself: the page's CSP (script-src 'self') allows it, no inline script. */
const AXE_URL = '/inbox/assets/__axe-core-for-tests.js';

/**
 * axe-core's serious and critical violations on the page as it is now. axe is added with
 * page.addScriptTag from a URL of the page's own origin that the browser context answers from
 * node_modules (page.route), so the page's strict CSP stays as it is served and the gateway serves
 * nothing of the test's.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) {
    await page.route(`**${AXE_URL}`, (route) => route.fulfill({ path: axeFile, contentType: 'text/javascript' }));
    await page.addScriptTag({ url: AXE_URL });
  }
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
}
