import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type Browser, chromium, type Page } from 'playwright-core';
import { buildServer } from '../../src/http/server.ts';
import { base32Decode, totp } from '../../src/lib/totp.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { ManualClock } from '../support/identity.ts';
import { axeViolations, CHROMIUM, CHROMIUM_ARGS, skipWithoutChromium } from './axe.ts';

const skip = skipWithoutChromium;
const PASSWORD = 'una frase larga para la fiscalía 2026';

describe('first admin in a real browser: enrolment, TOTP, sign-out, sign-in with the second factor', { skip }, () => {
  const clock = new ManualClock();
  let t: TestApp;
  let server: FastifyInstance;
  let browser: Browser;
  let base: string;
  let page: Page;
  const a11y: string[] = [];

  before(async () => {
    t = await createTestApp({ clock, load: false });
    server = await buildServer(t.app, { logRequests: false });
    await server.listen({ port: 0, host: '127.0.0.1' });
    // localhost, not 127.0.0.1: browsers keep Secure (__Host-) cookies on http://localhost only.
    base = `http://localhost:${(server.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = await (await browser.newContext({ locale: 'es-PE', viewport: { width: 1280, height: 900 } })).newPage();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await t?.cleanup();
  });

  it('enrols the first admin from the printed link, shows recovery codes once, then signs out and in again', async () => {
    const enrolment = await t.app.identity.ensureFirstAdmin({ email: 'admin@fiscalia.example.pe', organisationName: 'Fiscalía — nodo' });
    assert.ok(enrolment);
    const cspErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
    });

    await page.goto(`${base}/enrol/${enrolment.token}`);
    assert.equal(await page.locator('h1').textContent(), 'Activar su cuenta');
    a11y.push(...(await axeViolations(page, 'enrolment')));
    const secret = (await page.locator('#totp-secret').getAttribute('data-secret')) as string;
    assert.match(secret, /^[A-Z2-7]{32}$/);
    const code = () => totp(base32Decode(secret), clock.now().getTime() / 1000);
    // Every password rule is listed next to the field, naming the part of the address it means.
    assert.deepEqual(await page.locator('#password-rules li').allTextContents(), [
      'Entre 12 y 256 caracteres.',
      'No debe contener «admin», la parte de su dirección de correo antes de la @ (sin distinguir mayúsculas).',
      'Escríbala dos veces igual.',
    ]);

    // A mistake first: the form comes back with an error summary and the fields marked.
    await page.getByLabel('Contraseña', { exact: true }).fill('corta');
    await page.getByLabel('Repita la contraseña').fill('otra');
    await page.getByLabel('Código que muestra su aplicación').fill(code());
    await page.getByRole('button', { name: 'Activar la cuenta' }).click();
    await page.locator('.error-summary').waitFor();
    assert.match((await page.locator('.error-summary').textContent()) ?? '', /entre 12 y 256 caracteres/);
    assert.equal(await page.getByLabel('Contraseña', { exact: true }).getAttribute('aria-invalid'), 'true');
    a11y.push(...(await axeViolations(page, 'enrolment with errors')));

    await page.getByLabel('Contraseña', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Repita la contraseña').fill(PASSWORD);
    await page.getByLabel('Código que muestra su aplicación').fill(code());
    await page.getByRole('button', { name: 'Activar la cuenta' }).click();
    await page.locator('#recovery-codes').waitFor();
    assert.equal(await page.locator('#recovery-codes li').count(), 10);

    // The link is spent.
    const reused = await page.goto(`${base}/enrol/${enrolment.token}`);
    assert.equal(reused?.status(), 410);

    await page.goto(`${base}/login`);
    a11y.push(...(await axeViolations(page, 'login')));
    await page.getByLabel('Correo electrónico').fill('admin@fiscalia.example.pe');
    await page.getByLabel('Contraseña').fill(PASSWORD);
    await page.getByRole('button', { name: 'Continuar' }).click();
    await page.waitForURL(/\/login\/code/);
    a11y.push(...(await axeViolations(page, 'second factor')));
    // Within the 30 s of enrolling, the code that enrolled is spent: the page says so and to wait.
    await page.getByLabel(/Código de su aplicación/).fill(code());
    await page.getByRole('button', { name: 'Iniciar sesión' }).click();
    await page.locator('.error-summary').waitFor();
    assert.match((await page.locator('.error-summary').textContent()) ?? '', /acaba de usarse\. Espere a que su aplicación muestre el siguiente/);
    clock.advance(30);
    await page.getByLabel(/Código de su aplicación/).fill(code());
    await page.getByRole('button', { name: 'Iniciar sesión' }).click();
    await page.waitForURL(`${base}/`);
    assert.match((await page.locator('.account-bar').textContent()) ?? '', /Administrator en Fiscalía — nodo/);
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === '__Host-custodia_session');
    assert.ok(session?.httpOnly && session.secure && session.sameSite === 'Lax');
    assert.equal(await page.evaluate(() => document.cookie.includes('custodia_session')), false, 'not readable by scripts');

    await page.getByRole('button', { name: 'Cerrar sesión' }).click();
    await page.waitForURL(/signedOut=1/);
    assert.match((await page.locator('[role=status]').textContent()) ?? '', /Ha cerrado la sesión/);
    assert.match((await page.locator('.account-bar').textContent()) ?? '', /Iniciar sesión/);

    // Back in, now asking for a page that needs a session: sign-in returns there.
    await page.goto(`${base}/reauth`);
    await page.waitForURL(/\/login\?next=%2Freauth/);
    await page.getByLabel('Correo electrónico').fill('admin@fiscalia.example.pe');
    await page.getByLabel('Contraseña').fill(PASSWORD);
    await page.getByRole('button', { name: 'Continuar' }).click();
    await page.waitForURL(/\/login\/code/);
    // The code just used is refused as spent (replay), a wrong one as wrong, the next one works.
    await page.getByLabel(/Código de su aplicación/).fill(code());
    await page.getByRole('button', { name: 'Iniciar sesión' }).click();
    await page.locator('.error-summary').waitFor();
    assert.match((await page.locator('.error-summary').textContent()) ?? '', /acaba de usarse/);
    const near = [-30, 0, 30].map((d) => totp(base32Decode(secret), clock.now().getTime() / 1000 + d));
    await page.getByLabel(/Código de su aplicación/).fill(['000000', '111111', '222222', '333333'].find((c) => !near.includes(c)) as string);
    await page.getByRole('button', { name: 'Iniciar sesión' }).click();
    await page.waitForFunction(() => /no es correcto o ya se usó/.test(document.querySelector('.error-summary')?.textContent ?? ''));
    clock.advance(30);
    await page.getByLabel(/Código de su aplicación/).fill(code());
    await page.getByRole('button', { name: 'Iniciar sesión' }).click();
    await page.waitForURL(`${base}/reauth`);
    a11y.push(...(await axeViolations(page, 'reauthentication')));

    // Changing one's password: the same rules, listed next to the field, and a refusal marks the field.
    await page.goto(`${base}/account/password`);
    assert.equal(await page.locator('#password-rules li').count(), 3);
    await page.getByLabel('Nueva contraseña').fill('la cuenta de ADMIN del nodo');
    await page.getByLabel('Repita la contraseña').fill('la cuenta de ADMIN del nodo');
    await page.getByRole('button', { name: 'Cambiar la contraseña' }).click();
    await page.locator('.error-summary').waitFor();
    assert.match((await page.locator('.error-summary').textContent()) ?? '', /no debe contener «admin», la parte de su dirección de correo antes de la @/);
    assert.equal(await page.getByLabel('Nueva contraseña').getAttribute('aria-invalid'), 'true');
    a11y.push(...(await axeViolations(page, 'password change with errors')));

    // The node's admin erases a person's data: the form explains what it does and asks for a confirmation.
    await page.goto(`${base}/admin/erasure`);
    assert.equal(await page.locator('h1').textContent(), 'Suprimir los datos de una persona');
    a11y.push(...(await axeViolations(page, 'erasure')));
    await page.getByLabel('Correo electrónico').fill('nadie@fiscalia.example.pe');
    await page.getByLabel('Fundamento').fill('Solicitud de supresión 2026-001');
    await page.getByRole('button', { name: 'Suprimir los datos' }).click();
    await page.locator('.error-summary').waitFor();
    assert.match((await page.locator('.error-summary').textContent()) ?? '', /Marque la confirmación/);
    a11y.push(...(await axeViolations(page, 'erasure with errors')));

    // The ledger page, signed in: an entry about oneself shows its details, salt and disclosure.
    const [own] = await t.app.ledger.findEntries({ subjects: [`user:${enrolment.userId}`], limit: 1 });
    assert.ok(own);
    await page.goto(`${base}/ledger?index=${own.index}`);
    await page.locator('#entry-title').waitFor();
    assert.match((await page.locator('main').textContent()) ?? '', /Detalles \(solo para quien tiene necesidad de conocerlos\)/);
    assert.equal(await page.locator(`a[href="/api/v1/ledger/entries/${own.index}/disclosure"]`).count(), 1);
    a11y.push(...(await axeViolations(page, 'ledger entry with details')));
    assert.deepEqual(cspErrors, []);
  });

  it('has no WCAG 2.2 AA violations on the sign-in, enrolment, erasure and ledger pages', () => {
    assert.deepEqual(a11y, []);
  });
});
