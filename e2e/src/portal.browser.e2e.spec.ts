import type { ErrorBody } from '@cloudflow/contracts';
import { http, REPO_ROOT, startSystem, type System } from '@cloudflow/testing';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import type { SettingsView, StatusOk, UsageDay, UsageSeries } from './support/bodies';

/**
 * The developer portal as a developer meets it (seed 000, CONTRACT.md §10): Debian's chromium,
 * headless as CI runs it, against the real system. Fields and buttons are found by their labels
 * and roles, so the page stays usable with assistive technology.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = join(REPO_ROOT, 'e2e/screenshots/portal-settings.png');
const STEP = 30_000;

describe('developer portal in a real browser', () => {
  let sys: System;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const unique = randomUUID().slice(0, 8);
  const developer = {
    name: 'Ada Lovelace',
    email: `ada-${unique}@example.com`,
    password: `portal-pass-${unique}`,
  };

  beforeAll(async () => {
    // Never skipped: a machine without the browser fails loudly (.ci/run installs it).
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `The portal browser test needs Debian's chromium at ${CHROMIUM}: apt-get install -y --no-install-recommends chromium`,
      );
    }
    [sys, browser] = await Promise.all([
      startSystem(),
      chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      }),
    ]);
    page = await browser.newPage({
      viewport: { width: 1024, height: 900 },
      timezoneId: 'Europe/Amsterdam',
      locale: 'en-GB',
    });
    page.setDefaultTimeout(10_000);
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await sys?.stop();
  }, 30_000);

  const nav = (link: string) =>
    page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: link, exact: true });
  const region = (name: string) => page.getByRole('region', { name, exact: true });
  const alertText = async () => {
    const alert = page.getByRole('alert');
    await alert.waitFor({ state: 'visible' });
    return (await alert.innerText()).trim();
  };
  const text = async (locator: Locator) => {
    await locator.waitFor({ state: 'visible' });
    return (await locator.innerText()).trim();
  };
  // A string, not a function: the e2e project compiles without DOM types.
  const session = () => page.evaluate<string | null>("sessionStorage.getItem('cloudflow.portal.session')");
  const settingsApi = async () => {
    const res = await http<SettingsView>('GET', `${sys.adminUrl}/portal/v1/settings`, {
      headers: { authorization: `Bearer ${await session()}` },
    });
    expect(res.status).toBe(200);
    return res.body;
  };

  it('serves the pages without an APP key, with content types, a self-only CSP and revalidation', async () => {
    const pageRes = await fetch(`${sys.adminUrl}/portal/`);
    expect(pageRes.status).toBe(200);
    expect(pageRes.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = pageRes.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(pageRes.headers.get('cache-control')).toBe('no-cache');
    const etag = pageRes.headers.get('etag');
    expect(etag).toBeTruthy();
    expect((await fetch(`${sys.adminUrl}/portal/`, { headers: { 'if-none-match': etag! } })).status).toBe(
      304,
    );
    expect((await fetch(`${sys.adminUrl}/portal`)).status).toBe(200);
    const js = await fetch(`${sys.adminUrl}/portal/assets/portal.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toContain("const API = '/portal/v1'");
    expect((await fetch(`${sys.adminUrl}/portal/assets/portal.css`)).headers.get('content-type')).toBe(
      'text/css; charset=utf-8',
    );
    const missing = await fetch(`${sys.adminUrl}/portal/assets/app.js`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      errorCode: 'notFound',
      errorMessage: "Portal file 'app.js' does not exist",
    });
  });

  it(
    'signs up, shows the API error of a second sign-up with the same email, and logs in',
    async () => {
      await page.goto(`${sys.adminUrl}/portal/`);
      await region('Log in').waitFor();
      await nav('Sign up').click();
      const signup = region('Sign up');
      await signup.getByLabel('Name', { exact: true }).fill(developer.name);
      await signup.getByLabel('Email', { exact: true }).fill(developer.email);
      await signup.getByLabel('Password', { exact: true }).fill(developer.password);
      await signup.getByRole('button', { name: 'SIGN UP' }).click();

      const login = region('Log in');
      await login.waitFor();
      expect(await text(page.getByRole('status'))).toContain('sandbox APP key has been generated');
      expect(await login.getByLabel('Email', { exact: true }).inputValue()).toBe(developer.email);

      // The same email again: the page shows the API's own 409 text.
      await nav('Sign up').click();
      await signup.getByLabel('Name', { exact: true }).fill('Someone Else');
      await signup.getByLabel('Email', { exact: true }).fill(developer.email);
      await signup.getByLabel('Password', { exact: true }).fill('another-pass-1');
      await signup.getByRole('button', { name: 'SIGN UP' }).click();
      const shown = await alertText();
      const api = await http<ErrorBody>('POST', `${sys.adminUrl}/portal/v1/signup`, {
        body: { name: 'X', email: developer.email, password: 'another-pass-1' },
      });
      expect(api.status).toBe(409);
      expect(shown).toBe(api.body.errorMessage);

      await nav('Log in').click();
      await login.getByLabel('Email', { exact: true }).fill(developer.email);
      await login.getByLabel('Password', { exact: true }).fill('not-my-password');
      await login.getByRole('button', { name: 'LOG IN' }).click();
      expect(await alertText()).toBe('Invalid email or password');

      await login.getByLabel('Password', { exact: true }).fill(developer.password);
      await login.getByRole('button', { name: 'LOG IN' }).click();
      await region('Settings').waitFor();
      expect(await session()).toBeTruthy();
    },
    STEP,
  );

  it(
    'shows no company yet, with CREATE ADMIN USER disabled, then creates the company',
    async () => {
      const profile = region('Business Profile');
      const admin = region('Admin User');
      await profile.waitFor();
      expect(await page.getByRole('button', { name: 'CREATE ADMIN USER' }).isDisabled()).toBe(true);
      expect(await page.locator('#company-details').isVisible()).toBe(false);

      await profile.getByRole('button', { name: 'CREATE COMPANY' }).click();
      await profile.getByLabel('Company name').fill('Lovelace Coffee');
      await profile.getByRole('button', { name: 'CREATE COMPANY' }).click();

      const tenantId = await text(profile.locator('#tenant-id'));
      const businessCode = await text(profile.locator('#business-code'));
      const { company } = await settingsApi();
      expect(company).toEqual({ tenantId, businessCode, name: 'Lovelace Coffee' });
      expect(await text(profile.locator('#company-name'))).toBe('Lovelace Coffee');
      expect(await profile.getByRole('button', { name: 'CREATE COMPANY' }).count()).toBe(0);
      expect(await admin.getByRole('button', { name: 'CREATE ADMIN USER' }).isEnabled()).toBe(true);
    },
    STEP,
  );

  it(
    "creates the admin user with the developer's name and email as defaults and a picked time zone",
    async () => {
      const admin = region('Admin User');
      await admin.getByRole('button', { name: 'CREATE ADMIN USER' }).click();
      expect(await admin.getByLabel('Name', { exact: true }).inputValue()).toBe(developer.name);
      expect(await admin.getByLabel('Email', { exact: true }).inputValue()).toBe(developer.email);
      const zone = admin.getByLabel('Time zone');
      // Defaulted from the browser, chosen from Intl's IANA names.
      expect(await zone.inputValue()).toBe('Europe/Amsterdam');
      expect(await zone.locator('option').count()).toBeGreaterThan(300);
      await admin.getByLabel('Username').fill(`ada-${unique}`);
      await admin.getByLabel('Password', { exact: true }).fill(`admin-pass-${unique}`);
      await admin.getByLabel('PIN (optional)').fill('4821');
      await zone.selectOption('America/New_York');
      await admin.getByRole('button', { name: 'CREATE ADMIN USER' }).click();

      expect(await text(admin.locator('#admin-username'))).toBe(`ada-${unique}`);
      expect(await text(admin.locator('#admin-timezone'))).toBe('America/New_York');
      const { adminUser } = await settingsApi();
      expect(adminUser).toMatchObject({
        username: `ada-${unique}`,
        name: developer.name,
        email: developer.email,
        timeZone: 'America/New_York',
      });
    },
    STEP,
  );

  it(
    'reveals the APP key only after the right password, and the key works on the gateway',
    async () => {
      const key = region('APP Key');
      expect(await key.getByLabel('Your APP key').isVisible()).toBe(false);
      await key.getByLabel('Portal password').fill('wrong-password');
      await key.getByRole('button', { name: 'REVEAL APP KEY' }).click();
      const shown = await alertText();
      const api = await http<ErrorBody>('POST', `${sys.adminUrl}/portal/v1/app-key/reveal`, {
        body: { password: 'wrong-password' },
        headers: { authorization: `Bearer ${await session()}` },
      });
      expect(api.status).toBe(401);
      expect(shown).toBe(api.body.errorMessage);
      expect(await key.getByLabel('Your APP key').isVisible()).toBe(false);

      await key.getByLabel('Portal password').fill(developer.password);
      await key.getByRole('button', { name: 'REVEAL APP KEY' }).click();
      const field = key.getByLabel('Your APP key');
      await field.waitFor({ state: 'visible' });
      const appKey = await field.inputValue();
      expect(appKey).toMatch(/^cf_sbx_/);
      expect(await page.getByRole('alert').isVisible()).toBe(false);

      const status = await http<StatusOk>('GET', `${sys.gatewayUrl}/dummyapi/status`, {
        headers: { 'api-key': appKey },
      });
      expect(status.status).toBe(200);
      expect(status.body).toEqual({ status: 'OK', message: 'Your APP Key is valid' });
    },
    STEP,
  );

  it(
    "shows today's usage against the limit and the last 30 days as a chart, and the settings page survives a reload",
    async () => {
      // The reveal test's gateway call is in the ledger once the gateway's next report (≤ 250 ms) lands.
      const usageApi = async () =>
        (
          await http<UsageSeries>('GET', `${sys.adminUrl}/portal/v1/usage`, {
            headers: { authorization: `Bearer ${await session()}` },
          })
        ).body;
      const today = new Date().toISOString().slice(0, 10);
      let days: UsageDay[] = [];
      for (let waited = 0; waited < 10_000; waited += 200) {
        days = (await usageApi()).days;
        if (days.at(-1)?.requests) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(days).toHaveLength(30);
      expect(days.at(-1)).toMatchObject({ day: today });
      expect(days.at(-1)!.requests).toBeGreaterThanOrEqual(1);
      await page.reload();
      const key = region('APP Key');
      const chart = key.getByRole('img', { name: 'Requests per day, last 30 days (UTC)' });
      await chart.waitFor({ state: 'visible' });
      const bars = chart.locator('rect.bar');
      expect(await bars.count()).toBe(30);
      const todayBar = chart.locator(`rect[data-day="${today}"]`);
      // The page read the same ledger: today's bar has at least the count the API gave, and is drawn.
      expect(Number(await todayBar.getAttribute('data-requests'))).toBeGreaterThanOrEqual(
        days.at(-1)!.requests,
      );
      expect(Number(await todayBar.getAttribute('height'))).toBeGreaterThan(0);
      expect(await todayBar.locator('title').textContent()).toMatch(
        new RegExp(`^${today}: [\\d,]+ requests?, [\\d,]+ payments?$`),
      );
      const usage = await text(key.locator('#usage'));
      const { appKeys } = await settingsApi();
      const fmt = new Intl.NumberFormat('en');
      expect(usage).toMatch(/^Usage today: [\d,]+ of [\d,]+ requests$/);
      expect(usage).toContain(`of ${fmt.format(appKeys[0].usageLimitPerDay)} requests`);
      const used = Number(/Usage today: ([\d,]+)/.exec(usage)![1].replaceAll(',', ''));
      expect(used).toBeLessThanOrEqual(appKeys[0].usedToday);
      // The key is hidden again after a reload: a screenshot never shows it.
      expect(await key.getByLabel('Your APP key').isVisible()).toBe(false);

      mkdirSync(join(REPO_ROOT, 'e2e/screenshots'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(existsSync(SCREENSHOT)).toBe(true);
    },
    STEP,
  );

  it(
    'logs out, and the page made no CSP violations or script errors',
    async () => {
      await page.getByRole('button', { name: 'Log out' }).click();
      await region('Log in').waitFor();
      expect(await session()).toBeNull();
      await page.goto(`${sys.adminUrl}/portal/#settings`);
      await region('Log in').waitFor();
      // Chromium logs every non-2xx fetch (the 401s and 409 above) as a console error; nothing else may appear.
      const unexpected = consoleErrors.filter(
        (m) => !/Failed to load resource: the server responded with a status of (401|409)/.test(m),
      );
      expect(unexpected).toEqual([]);
    },
    STEP,
  );
});
