import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { buildServer } from '../../src/http/server.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { CHROMIUM_ARGS as ARGS, axeViolations, CHROMIUM, skipWithoutChromium } from './axe.ts';
import { PAGES } from './page-list.ts';

const SCREENSHOT = '/tmp/custodia-finder.png';

const skip = skipWithoutChromium;

describe('browser journey and accessibility', { skip }, () => {
  let t: TestApp;
  let server: FastifyInstance;
  let browser: Browser;
  let base: string;

  before(async () => {
    t = await createTestApp();
    server = await buildServer(t.app, { logRequests: false });
    await server.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await t?.cleanup();
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ locale: 'es-PE', viewport: { width: 1280, height: 900 } });
    return context.newPage();
  }

  it('finds the legal basis for preservation from Peru to Spain, partly by keyboard', async () => {
    const page = await newPage();
    const cspErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') cspErrors.push(m.text());
    });
    await page.goto(`${base}/`);
    assert.equal(await page.getAttribute('html', 'lang'), 'es');
    await page.getByRole('main').getByRole('link', { name: 'Encontrar la base jurídica de una solicitud' }).click();
    await page.waitForURL(/\/legal\/finder/);
    assert.equal(await page.locator('h1').textContent(), 'Buscador de base jurídica');

    await page.getByLabel('Tipo de solicitud').selectOption({ label: 'conservación rápida de datos' });
    await page.getByLabel('Estado requirente').selectOption({ label: 'Perú' });

    // Keyboard only for the requested State: Tab from the requesting State, type to choose, Tab on, Enter submits.
    await page.getByLabel('Estado requirente').focus();
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return { id: el?.id, outline: el ? getComputedStyle(el).outlineStyle : 'none', width: el ? getComputedStyle(el).outlineWidth : '0px' };
    });
    assert.equal(focused.id, 'requested', 'Tab moves focus to the requested State');
    assert.notEqual(focused.outline, 'none', 'focus is visible');
    assert.notEqual(focused.width, '0px', 'focus is visible');
    await page.keyboard.type('España', { delay: 50 });
    assert.equal(await page.locator('#requested').inputValue(), 'ES');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'on');
    await page.keyboard.press('Enter');
    await page.waitForURL(/measure=preservation/);

    const first = page.locator('section.basis').first();
    assert.equal(await first.getAttribute('data-instrument'), 'ETS185');
    assert.match((await first.locator('h3').textContent()) ?? '', /Opción 1:.*Convenio de Budapest/);
    assert.match((await first.locator('dl.facts dd').first().textContent()) ?? '', /art\. 29\b/);
    const mandatory = first.locator('ol.mandatory > li');
    assert.equal(await mandatory.count(), 6);
    const items = await mandatory.allTextContents();
    for (const ref of ['29(2)(a)', '29(2)(b)', '29(2)(c)', '29(2)(d)', '29(2)(e)', '29(2)(f)']) {
      assert.ok(
        items.some((i) => i.includes(ref)),
        `mandatory content cites ${ref}`,
      );
    }
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.deepEqual(
      cspErrors.filter((e) => /Content Security Policy/i.test(e)),
      [],
      'no CSP violations',
    );
    await page.context().close();
  });

  it('has no WCAG 2.2 AA violations detected by axe-core', async (ctx) => {
    const urls = [
      ...PAGES,
      '/legal/finder?measure=preservation&requesting=PE&requested=XX&on=',
      '/legal/dual-criminality?check=1&conducts=illegal-access&conducts=data-interference&requesting=PE&requested=ES&measure=stored-data-access&instrument=ETS185&on=',
      '/legal/finder?lang=en&measure=preservation&requesting=PE&requested=ES&on=',
    ];
    const page = await newPage();
    const failures: string[] = [];
    for (const url of urls) {
      const response = await page.goto(`${base}${url}`);
      assert.ok(response && response.status() < 500, `${url} loads`);
      failures.push(...(await axeViolations(page, url)));
    }
    for (const f of failures) ctx.diagnostic(f);
    assert.equal(failures.length, 0, failures.join('\n'));
    await page.context().close();
  });
});
