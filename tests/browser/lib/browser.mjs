// Debian's Chromium driven by playwright-core (no browser is downloaded),
// axe-core injected into each screen, and a screenshot of each screen in
// target/screenshots/ for people to look at.

import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { ROOT } from './app.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const SCREENSHOTS = join(ROOT, 'target/screenshots');

/** The page's strings, to check what the page says in each language. */
export const STRINGS = JSON.parse(readFileSync(join(ROOT, 'components/web/assets/strings.json'), 'utf8'));

export async function launch() {
  // Only this run's screens: a renamed screen leaves no stale picture behind.
  rmSync(SCREENSHOTS, { recursive: true, force: true });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

/** A fresh browser profile speaking `locale`, by default in Amsterdam's time zone. */
export async function newPage(browser, { locale = 'en-GB', timezoneId = 'Europe/Amsterdam', width = 1024, height = 800 } = {}) {
  const context = await browser.newContext({ locale, timezoneId, viewport: { width, height } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  // What the page could not fetch, for reading a failed run (the test runner prints it as a TAP comment).
  page.on('requestfailed', (request) => console.log(`${request.method()} ${request.url()} failed: ${request.failure()?.errorText}`));
  page.on('response', (response) => {
    if (response.status() >= 500) console.log(`${response.request().method()} ${response.url()}: ${response.status()}`);
  });
  page.errors = errors;
  return page;
}

/**
 * Runs axe-core on the screen as it is: no serious or critical violation.
 * The script is evaluated through the DevTools protocol, so the page's
 * Content-Security-Policy (no inline or foreign scripts) stays as served.
 */
export async function checkAccessibility(page, screen) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const results = await window.axe.run(document, { resultTypes: ['violations'] });
    return results.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
  const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(blocking, [], `${screen}: axe found serious or critical violations`);
  // Lesser findings do not fail the run, but are listed for people to read.
  for (const v of violations) console.log(`# axe ${screen}: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.join(', ')}`);
  return violations;
}

/** Saves the whole page as target/screenshots/<name>.png. */
export async function screenshot(page, name) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Each screen: accessible, and photographed. */
export async function screen(page, name) {
  await checkAccessibility(page, name);
  await screenshot(page, name);
}
