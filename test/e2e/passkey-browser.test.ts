import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type Browser, chromium, type Page } from 'playwright-core';
import { buildServer } from '../../src/http/server.ts';
import { systemActor } from '../../src/modules/identity/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { type EnrolledUser, enrolUser, ManualClock, PASSWORD } from '../support/identity.ts';
import { axeViolations, CHROMIUM, CHROMIUM_ARGS, skipWithoutChromium } from './axe.ts';

const skip = skipWithoutChromium;

describe('passkeys in a real browser (WebAuthn virtual authenticator)', { skip }, () => {
  const clock = new ManualClock();
  let t: TestApp;
  let server: FastifyInstance;
  let browser: Browser;
  let base: string;
  let page: Page;
  let user: EnrolledUser;

  before(async () => {
    t = await createTestApp({ clock, load: false });
    user = await enrolUser(t.app, clock, { email: 'custodio@example.pe', orgId: 'pnp-divindat', roles: ['evidence_custodian'] });
    server = await buildServer(t.app, { logRequests: false });
    await server.listen({ port: 0, host: '127.0.0.1' });
    base = `http://localhost:${(server.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ locale: 'es-PE', viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await t?.cleanup();
  });

  async function password(next = '/account') {
    await page.goto(`${base}/login?next=${encodeURIComponent(next)}`);
    await page.getByLabel('Correo electrónico').fill(user.email);
    await page.getByLabel('Contraseña').fill(PASSWORD);
    await page.getByRole('button', { name: 'Continuar' }).click();
    await page.waitForURL(/\/login\/code/);
  }

  it('adds a passkey on the account page, then signs in with it instead of a code', async () => {
    await password();
    clock.advance(30);
    await page.getByLabel(/Código de su aplicación/).fill(user.code());
    await page.getByRole('button', { name: 'Iniciar sesión' }).click();
    await page.waitForURL(/\/account/);
    // Without passkeys, the second-factor page offers none.
    await page.getByLabel('Nombre de la llave').fill('Portátil de la unidad');
    await page.getByRole('button', { name: 'Añadir una llave de acceso' }).click();
    await page.getByRole('cell', { name: 'Portátil de la unidad', exact: true }).waitFor();
    assert.deepEqual(await axeViolations(page, 'account with a passkey'), []);

    await page.getByRole('button', { name: 'Cerrar sesión' }).click();
    await page.waitForURL(/signedOut=1/);
    await password('/account');
    await page.getByRole('button', { name: 'Usar una llave de acceso' }).click();
    await page.waitForURL(/\/account/);
    assert.match((await page.locator('.account-bar').textContent()) ?? '', /custodio/);

    const { events } = await t.app.identity.auditLog.events(systemActor('test'), 'pnp-divindat', { type: 'identity.', limit: 50 });
    assert.ok(events.some((e) => e.type === 'identity.passkey_added'));
    assert.ok(events.some((e) => e.type === 'identity.login' && e.data.second_factor === 'passkey'));
  });

  it('refuses a passkey ceremony that was not asked for, and one without a recent sign-in', async () => {
    const anon = 'd'.repeat(43);
    const noChallenge = await server.inject({
      method: 'POST',
      url: '/login/passkey',
      headers: { 'content-type': 'application/json', cookie: `__Host-custodia_csrf=${anon}`, 'x-csrf-token': anon },
      payload: JSON.stringify({ response: { id: 'x' } }),
    });
    assert.equal(noChallenge.statusCode, 401);
    clock.advance(30);
    const { challenge } = await t.app.identity.sessions.beginLogin({ email: user.email, password: PASSWORD }, { ip: '192.0.2.1', userAgent: 't' });
    const session = await t.app.identity.sessions.completeLogin({ challenge, code: user.code() }, { ip: '192.0.2.1', userAgent: 't' });
    const principal = await t.app.identity.sessions.authenticate(session.token);
    clock.advance(11 * 60);
    const stale = await server.inject({
      method: 'POST',
      url: '/account/passkeys/options',
      headers: { 'content-type': 'application/json', cookie: `__Host-custodia_session=${session.token}`, 'x-csrf-token': principal?.csrfToken as string },
      payload: '{}',
    });
    assert.equal(stale.statusCode, 403);
    assert.equal(stale.json().code, 'identity.reauthentication_required');
    const forged = await server.inject({
      method: 'POST',
      url: '/account/passkeys',
      headers: { 'content-type': 'application/json', cookie: `__Host-custodia_session=${session.token}`, 'x-csrf-token': principal?.csrfToken as string },
      payload: JSON.stringify({ name: 'x', response: { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: {} } }),
    });
    assert.equal(forged.statusCode, 403, 'still needs a recent sign-in before anything is checked');
  });
});
