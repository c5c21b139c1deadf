import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { buildServer } from '../../src/http/server.ts';
import { systemActor } from '../../src/modules/identity/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { type EnrolledUser, enrolUser, ManualClock, PASSWORD } from '../support/identity.ts';
import { axeViolations, CHROMIUM, CHROMIUM_ARGS, skipWithoutChromium } from './axe.ts';

describe('evidence in a real browser: sign in, open the case, upload a file, land on its item page', { skip: skipWithoutChromium }, () => {
  const clock = new ManualClock();
  let t: TestApp;
  let server: FastifyInstance;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** With upload.js present, the upload goes through the resumable (tus) client; otherwise the form posts as multipart. */
  let base: string;
  let custodian: EnrolledUser;
  const a11y: string[] = [];
  const content = randomBytes(96 * 1024);
  const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

  before(async () => {
    t = await createTestApp({ clock, load: false });
    server = await buildServer(t.app, { logRequests: false });
    await server.listen({ port: 0, host: '127.0.0.1' });
    // localhost, not 127.0.0.1: browsers keep Secure (__Host-) cookies on http://localhost only.
    base = `http://localhost:${(server.server.address() as AddressInfo).port}`;
    custodian = await enrolUser(t.app, clock, { email: 'custodio@fiscalia.example.pe', orgId: 'fiscalia', roles: ['evidence_custodian', 'officer'] });
    await t.app.cases.create(systemActor('test'), { reference: 'CASO-2026-001', orgId: 'fiscalia', title: 'Fraude informático', members: [custodian.userId] });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    context = await browser.newContext({ locale: 'es-PE', viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await t?.cleanup();
  });

  it('adds a file to a case from the upload form and lands on its item page', async () => {
    const cspErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
    });

    // Sign in: password, then the authenticator code.
    await page.goto(`${base}/cases`);
    await page.waitForURL(/\/login\?next=%2Fcases/);
    await page.getByLabel('Correo electrónico').fill(custodian.email);
    await page.getByLabel('Contraseña').fill(PASSWORD);
    await page.getByRole('button', { name: 'Continuar' }).click();
    await page.waitForURL(/\/login\/code/);
    clock.advance(30);
    await page.getByLabel(/Código de su aplicación/).fill(custodian.code());
    await page.getByRole('button', { name: 'Iniciar sesión' }).click();
    await page.waitForURL(`${base}/cases`);
    assert.equal(await page.locator('h1').textContent(), 'Casos');
    a11y.push(...(await axeViolations(page, 'cases')));

    await page.getByRole('link', { name: 'CASO-2026-001' }).click();
    await page.waitForURL(/\/cases\/CASO-2026-001\/evidence/);
    assert.equal(await page.locator('h1').textContent(), 'Evidencia del caso CASO-2026-001');
    a11y.push(...(await axeViolations(page, 'case (empty)')));

    await page.getByRole('link', { name: 'Añadir evidencia' }).click();
    await page.waitForURL(/\/cases\/CASO-2026-001\/evidence\/new/);
    a11y.push(...(await axeViolations(page, 'upload form')));

    // Without JavaScript (axe needs it, so it checks a copy of what this page shows).
    const noScript = await browser.newContext({ locale: 'es-PE', viewport: { width: 1280, height: 900 }, javaScriptEnabled: false });
    await noScript.addCookies(await context.cookies());
    const plain = await noScript.newPage();
    const axeOnCopy = async (from: Page, label: string) => {
      const checker = await context.newPage();
      await checker.goto(`${base}/assets/app.css`);
      await checker.setContent((await from.content()).replace(/<script[^>]*><\/script>/g, ''));
      const found = await axeViolations(checker, label);
      await checker.close();
      return found;
    };

    // A mistake first: the form comes back with the summary focused and the fields marked.
    await plain.goto(page.url());
    await plain.getByLabel('Número de evidencia').fill('EV 1!');
    await plain.getByRole('button', { name: 'Añadir la evidencia' }).click();
    await plain.locator('.error-summary').waitFor();
    assert.equal(await plain.evaluate(() => document.activeElement?.className), 'error-summary', 'the summary has the focus');
    const summary = (await plain.locator('.error-summary').textContent()) ?? '';
    assert.match(summary, /Número de evidencia no válido/);
    assert.match(summary, /Indique quién adquirió la evidencia/);
    assert.match(summary, /Elija el archivo de la evidencia/);
    assert.equal(await plain.getByLabel('Adquirida por').getAttribute('aria-invalid'), 'true');
    await plain.getByRole('link', { name: /Indique quién adquirió/ }).click();
    assert.equal(await plain.evaluate(() => document.activeElement?.id), 'acquiredBy', 'each problem links to its field');
    a11y.push(...(await axeOnCopy(plain, 'upload form with errors')));

    /** Fills the form as a person would, sends it, and waits for the new item's page. */
    const addEvidence = async (on: Page, exhibit: string, file: Buffer) => {
      await on.getByLabel('Número de evidencia').fill(exhibit);
      await on.getByLabel('Descripción').fill('Imagen forense del disco del servidor');
      await on.getByLabel('Adquirida por').fill('Perito Quispe');
      await on.getByLabel('Fecha y hora de la adquisición').fill('2026-11-20T09:15');
      assert.equal(await on.getByLabel('Zona horaria de esa hora').inputValue(), 'America/Lima');
      await on.getByLabel('Lugar').fill('Lima');
      await on.getByLabel('Herramienta', { exact: true }).fill('FTK Imager');
      await on.getByLabel('MD5').check();
      await on.getByLabel('Archivo').setInputFiles({ name: `${exhibit}.img`, mimeType: 'application/octet-stream', buffer: file });
      await on.getByRole('button', { name: 'Añadir la evidencia' }).click();
      await on.waitForURL(/\/evidence\/[0-9a-f-]{36}\?lang=es&done=added/);
      assert.equal(await on.locator('h1').textContent(), `Evidencia ${exhibit}`);
      assert.ok(((await on.locator('main').textContent()) ?? '').includes(sha256(file)), 'the item page shows the SHA-256 of what was sent');
      const item = (await t.app.evidence.list(systemActor('test'), 'fiscalia', 'CASO-2026-001')).find((i) => i.exhibit === exhibit);
      assert.ok(item);
      assert.equal(item.sha256, sha256(file));
      assert.equal(item.md5, createHash('md5').update(file).digest('hex'));
      assert.equal(item.acquisition.at, '2026-11-20T09:15:00-05:00', 'the same instant whichever way the file came');
      const viaTus = await t.app.db.kysely.selectFrom('evidence_uploads').select('id').where('item_id', '=', item.id).execute();
      return viaTus.length === 1;
    };

    // With JavaScript, through the resumable upload; without, as the multipart form.
    assert.equal(await addEvidence(page, 'EV-1', content), true, 'the file came through the tus endpoint');
    assert.equal(await page.locator('main img, main video, main audio, main iframe, main object, main embed').count(), 0, 'no preview of the content');
    a11y.push(...(await axeViolations(page, 'item')));
    assert.equal(await addEvidence(plain, 'EV-2', randomBytes(20_000)), false, 'the file came with the form');
    a11y.push(...(await axeOnCopy(plain, 'item (added without JavaScript)')));
    await noScript.close();

    await page.getByRole('link', { name: 'Volver a la evidencia del caso CASO-2026-001' }).click();
    await page.waitForURL(/\/cases\/CASO-2026-001\/evidence/);
    assert.equal(await page.getByRole('link', { name: 'EV-2' }).count(), 1);
    a11y.push(...(await axeViolations(page, 'case with an item')));

    // Export: the progress page follows the package as it is written, then offers the download.
    await page.getByLabel('Motivo', { exact: false }).last().fill('respuesta a la solicitud MLA-7');
    await page.getByRole('button', { name: 'Exportar' }).click();
    await page.waitForURL(/\/evidence\/exports\//);
    await page.getByRole('link', { name: 'Descargar el paquete (.tar)' }).waitFor({ timeout: 30_000 });
    a11y.push(...(await axeViolations(page, 'export progress (done)')));
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Descargar el paquete (.tar)' }).click()]);
    assert.equal(download.suggestedFilename(), 'CASO-2026-001-package.tar');

    await page.goto(`${base}/evidence/verify-package?lang=en`);
    a11y.push(...(await axeViolations(page, 'verify package (English)')));
    assert.deepEqual(cspErrors, []);
  });

  it('pauses, resumes and shows progress through tus-js-client, and resumes after a reload from the stored upload', async () => {
    const MiB = 1024 * 1024;
    const file = randomBytes(20 * MiB); // three PATCHes of at most 8 MiB: 0, 8 MiB, 16 MiB
    const dir = await mkdtemp(join(tmpdir(), 'custodia-e2e-'));
    // A file on disk keeps its name, size and date across the reload: the fingerprint the upload is found by.
    const path = join(dir, 'EV-3.img');
    await writeFile(path, file);
    const uploadsApi = /\/api\/v1\/uploads(\/[^/?]+)?$/;
    const seen: Array<{ method: string; offset?: string; checksum?: string }> = [];
    /** PATCHes at these offsets wait (the nth time they are seen) until the test lets them go. */
    const held = new Map<string, { reached: () => void; release: () => void; wait: Promise<void>; at: Promise<void> }>();
    const hold = (key: string) => {
      let reached = () => {};
      let release = () => {};
      const at = new Promise<void>((done) => (reached = done));
      const wait = new Promise<void>((done) => (release = done));
      held.set(key, { reached, release, wait, at });
      return held.get(key)!;
    };
    const second = hold(`PATCH ${8 * MiB} #1`);
    const fourth = hold(`PATCH ${16 * MiB} #1`);
    const count = new Map<string, number>();
    const status = page.getByRole('status');
    const fill = async (exhibit = 'EV-3') => {
      await page.goto(`${base}/cases/CASO-2026-001/evidence/new?lang=es`);
      await page.getByLabel('Número de evidencia').fill(exhibit);
      await page.getByLabel('Descripción').fill('Volcado de memoria del servidor');
      await page.getByLabel('Adquirida por').fill('Perito Quispe');
      await page.getByLabel('Fecha y hora de la adquisición').fill('2026-11-21T10:00');
      await page.getByLabel('Archivo').setInputFiles(path);
      await page.getByRole('button', { name: 'Añadir la evidencia' }).click();
    };

    // A description the vault refuses: the creation's problem is shown at its field, which takes the focus.
    await fill('EV 3!');
    await page.locator('#exhibit-tus-error').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'exhibit');
    assert.equal(await page.getByLabel('Número de evidencia').getAttribute('aria-invalid'), 'true');
    assert.match((await status.textContent()) ?? '', /^La carga no pudo completarse: ./);
    assert.equal(await page.getByRole('button', { name: 'Añadir la evidencia' }).isEnabled(), true);

    await page.route(uploadsApi, async (route) => {
      const request = route.request();
      const headers = request.headers();
      seen.push({ method: request.method(), offset: headers['upload-offset'], checksum: headers['upload-checksum'] });
      const key = `${request.method()} ${headers['upload-offset'] ?? ''}`;
      const nth = (count.get(key) ?? 0) + 1;
      count.set(key, nth);
      const gate = held.get(`${key} #${nth}`);
      if (gate) {
        gate.reached();
        await gate.wait;
      }
      // A request the page gave up on meanwhile (pause, reload) can no longer be continued.
      await route.continue().catch(() => undefined);
    });
    try {
      await fill();
      // The first 8 MiB are through and the next PATCH is on its way: the bar and the live text say 40 %.
      await second.at;
      await page.waitForFunction(() => (document.querySelector('#upload-progress') as HTMLProgressElement | null)?.value === 40);
      assert.equal(await status.getAttribute('aria-live'), 'polite');
      assert.match((await status.textContent()) ?? '', /^8,4 MB de 21 MB enviados \(40 %\)\.$/);

      // Pause: the request in flight is dropped, the Resume button takes the focus, the text says where it stands.
      await page.getByRole('button', { name: 'Pausar' }).click();
      assert.match((await status.textContent()) ?? '', /^En pausa: 8,4 MB de 21 MB enviados \(40 %\)\.$/);
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'upload-resume');
      assert.equal(await page.getByRole('button', { name: 'Pausar' }).count(), 0, 'Pause is hidden while paused');
      second.release();
      const uploadUrl = (await page.evaluate(() => Object.entries(localStorage).find(([key]) => key.startsWith('tus::custodia.tus|EV-3.img|'))?.[1])) ?? '';
      const stored = JSON.parse(uploadUrl) as { uploadUrl: string };
      const paused = await page.request.head(stored.uploadUrl, { headers: { 'Tus-Resumable': '1.0.0' } });
      assert.equal(paused.headers()['upload-offset'], String(8 * MiB), 'the server holds the first chunk only');

      // Resume: tus-js-client asks the server where it stands and goes on from there.
      await page.getByRole('button', { name: 'Reanudar' }).click();
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'upload-pause');
      await fourth.at;
      await page.waitForFunction(() => (document.querySelector('#upload-progress') as HTMLProgressElement | null)?.value === 80);

      // A reload in the middle of the last chunk: choosing the same file for the same exhibit resumes at 16 MiB.
      await fill();
      fourth.release();
      await page.waitForURL(/\/evidence\/[0-9a-f-]{36}\?lang=es&done=added/);
      assert.equal(await page.locator('h1').textContent(), 'Evidencia EV-3');
    } finally {
      for (const gate of held.values()) gate.release();
      await page.unroute(uploadsApi);
      await rm(dir, { recursive: true, force: true });
    }

    const item = (await t.app.evidence.list(systemActor('test'), 'fiscalia', 'CASO-2026-001')).find((i) => i.exhibit === 'EV-3');
    assert.ok(item);
    assert.equal(item.sha256, sha256(file));
    const uploads = await t.app.db.kysely.selectFrom('evidence_uploads').select('id').where('item_id', '=', item.id).execute();
    assert.equal(uploads.length, 1, 'one tus upload, resumed twice');
    const requests = seen.map((r) => `${r.method} ${r.offset ?? ''}`.trim());
    assert.equal(requests.filter((r) => r === 'POST').length, 1, 'created once');
    assert.deepEqual(
      requests.filter((r) => r.startsWith('PATCH')),
      ['PATCH 0', `PATCH ${8 * MiB}`, `PATCH ${8 * MiB}`, `PATCH ${16 * MiB}`, `PATCH ${16 * MiB}`],
    );
    for (const r of seen.filter((r) => r.method === 'PATCH')) assert.match(r.checksum ?? '', /^sha256 [A-Za-z0-9+/]{43}=$/);
    assert.deepEqual(
      await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('tus::'))),
      [],
      'the stored upload is forgotten once done',
    );
  });

  it('has no WCAG 2.2 AA violations on the case, upload and item pages', () => {
    assert.deepEqual(a11y, []);
  });
});
