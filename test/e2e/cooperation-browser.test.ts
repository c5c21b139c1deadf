import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type Browser, chromium, type Page } from 'playwright-core';
import { buildServer } from '../../src/http/server.ts';
import { pageTexts } from '../../src/lib/pdf/testing.ts';
import { systemActor } from '../../src/modules/identity/index.ts';
import type { MandatoryElement } from '../../src/modules/knowledge/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { type EnrolledUser, enrolUser, ManualClock, PASSWORD } from '../support/identity.ts';
import { axeViolations, CHROMIUM, CHROMIUM_ARGS, skipWithoutChromium } from './axe.ts';

const DAY = 86_400;

/** What the prosecutor writes for each element of Budapest Art. 29(2); the custodian comes once the wizard asks for it. */
const CONTENT: Record<string, string> = {
  'requesting-authority': 'Unidad Fiscal Especializada en Ciberdelincuencia (UFEC), Lima',
  'offence-and-facts': 'Fraude informático (art. 8 Ley 30096): transferencias no autorizadas desde banca en línea.',
  'data-and-link': 'Registros de acceso y datos de abonado de la cuenta que recibió los fondos.',
  necessity: 'El proveedor borra los registros a los 90 días; sin conservación se perderán.',
  'intent-to-request-mla': 'Perú presentará una solicitud de asistencia mutua para obtener los datos.',
};
const CUSTODIAN = 'Proveedor de correo con sede en Madrid que custodia los registros de acceso.';

describe('a preservation request from Peru to Spain in a real browser, drafted, approved, sent, answered and counted', { skip: skipWithoutChromium }, () => {
  const clock = new ManualClock('2026-11-24T15:00:00.000Z');
  let t: TestApp;
  let server: FastifyInstance;
  let browser: Browser;
  let base: string;
  let prosecutor: EnrolledUser;
  let supervisor: EnrolledUser;
  let authority: EnrolledUser;
  let elements: MandatoryElement[] = [];
  const a11y: string[] = [];
  const cspErrors: string[] = [];

  /** A browser of its own per person, signing in when the page asks for it. */
  async function personFor(user: EnrolledUser): Promise<Page> {
    const context = await browser.newContext({ locale: 'es-PE', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
    });
    (page as Page & { user?: EnrolledUser }).user = user;
    return page;
  }

  /** Opens a page; a sign-in on the way (first visit, or after the fake clock moved on) is done as a person would. */
  async function open(page: Page, path: string): Promise<void> {
    const user = (page as Page & { user?: EnrolledUser }).user as EnrolledUser;
    await page.goto(`${base}${path}`);
    if (!new URL(page.url()).pathname.startsWith('/login')) return;
    await page.getByLabel('Correo electrónico').fill(user.email);
    await page.getByLabel('Contraseña').fill(PASSWORD);
    await page.getByRole('button', { name: 'Continuar' }).click();
    await page.waitForURL(/\/login\/code/);
    clock.advance(30);
    await page.getByLabel(/Código de su aplicación/).fill(user.code());
    await page.getByRole('button', { name: 'Iniciar sesión' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/login'));
    assert.equal(new URL(page.url()).pathname, path.split('?')[0]);
  }

  const main = async (page: Page) => ((await page.locator('main').textContent()) ?? '').replace(/\s+/g, ' ');

  /** Takes a step with its button, and checks the request moved. */
  async function takeStep(page: Page, button: string, state: string): Promise<void> {
    await page.getByRole('button', { name: new RegExp(`^${button} SOL-`) }).click();
    await page.waitForURL(/done=step/);
    assert.ok((await main(page)).includes(`La solicitud pasó a «${state}».`), `${button} → ${state}`);
  }

  before(async () => {
    t = await createTestApp({ clock });
    server = await buildServer(t.app, { logRequests: false });
    await server.listen({ port: 0, host: '127.0.0.1' });
    // localhost, not 127.0.0.1: browsers keep Secure (__Host-) cookies on http://localhost only.
    base = `http://localhost:${(server.server.address() as AddressInfo).port}`;
    prosecutor = await enrolUser(t.app, clock, { email: 'fiscal@fiscalia.example.pe', orgId: 'fiscalia', roles: ['officer'] });
    supervisor = await enrolUser(t.app, clock, { email: 'jefa@fiscalia.example.pe', orgId: 'fiscalia', roles: ['supervisor'] });
    authority = await enrolUser(t.app, clock, { email: 'ucjie@fiscalia.example.pe', orgId: 'fiscalia', roles: ['central_authority'] });
    await t.app.cases.create(systemActor('test'), {
      reference: 'FRAUDE-2026-7',
      orgId: 'fiscalia',
      title: 'Fraude con banca en línea',
      members: [prosecutor.userId, supervisor.userId, authority.userId],
    });
    const kb = await t.app.knowledge.snapshot();
    elements = kb.instruments.get('ETS185')?.measures.find((m) => m.measure === 'preservation')?.mandatoryContent ?? [];
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await t?.cleanup();
  });

  it('runs the issue’s scenario end to end', async () => {
    assert.deepEqual(
      elements.map((e) => e.id),
      ['requesting-authority', 'offence-and-facts', 'data-and-link', 'custodian-or-location', 'necessity', 'intent-to-request-mla'],
    );

    // The prosecutor records the case's conduct, then opens the wizard from the case page.
    const fiscal = await personFor(prosecutor);
    await open(fiscal, '/cases');
    await fiscal
      .getByRole('row', { name: /FRAUDE-2026-7/ })
      .getByRole('link', { name: 'Hechos y solicitudes' })
      .click();
    await fiscal.waitForURL(/\/cases\/FRAUDE-2026-7\?lang=es/);
    await fiscal.getByLabel('Fraude informático', { exact: true }).check();
    await fiscal
      .getByLabel('Resumen de los hechos en español', { exact: true })
      .fill('Transferencias no autorizadas desde banca en línea hacia una cuenta abierta en España.');
    await fiscal.getByRole('button', { name: 'Guardar los hechos' }).click();
    await fiscal.waitForURL(/done=facts_saved/);
    a11y.push(...(await axeViolations(fiscal, 'case page')));

    await fiscal.getByRole('link', { name: 'Nueva solicitud' }).click();
    await fiscal.waitForURL(/\/cases\/FRAUDE-2026-7\/requests\/new/);
    assert.equal(await fiscal.locator('h1').textContent(), 'Nueva solicitud — caso FRAUDE-2026-7');
    await fiscal.getByLabel('Tipo de solicitud', { exact: true }).selectOption('preservation');
    await fiscal.getByLabel('Dirección', { exact: true }).selectOption('outgoing');
    assert.equal(await fiscal.getByLabel('Estado requirente', { exact: true }).inputValue(), 'PE');
    await fiscal.getByLabel('Estado requerido', { exact: true }).selectOption('ES');
    await fiscal.getByRole('button', { name: 'Ver las bases jurídicas' }).click();
    await fiscal.waitForURL(/requestedState=ES/);
    // The engine's ranked bases, with their citations; the best one is chosen.
    const option = fiscal.getByRole('radio', { name: /^Opción 1: Convenio de Budapest/ });
    assert.equal(await option.isChecked(), true);
    assert.ok((await fiscal.locator('.citations').count()) > 0, 'the bases come with their citations');
    a11y.push(...(await axeViolations(fiscal, 'wizard: legal bases')));
    await fiscal.getByRole('button', { name: 'Continuar con esta base jurídica' }).click();
    await fiscal.waitForURL(/instrument=ETS185/);

    await fiscal.getByLabel('Autoridad requirente (Perú)', { exact: true }).selectOption('pe-ufec');
    await fiscal.getByLabel('Autoridad requerida (España)', { exact: true }).selectOption('es-ets185-point-of-contact');
    assert.equal(await fiscal.getByLabel('español', { exact: true }).isChecked(), true);
    for (const e of elements) {
      if (e.id in CONTENT) await fiscal.getByLabel(`${e.label.es} (art. ${e.article})`, { exact: true }).fill(CONTENT[e.id] as string);
    }
    a11y.push(...(await axeViolations(fiscal, 'wizard: the request')));
    await fiscal.getByRole('button', { name: 'Guardar el borrador' }).click();
    await fiscal.waitForURL(/\/requests\/SOL-2026-\d{5}\?lang=es&done=created/);
    const requestPath = new URL(fiscal.url()).pathname;
    const reference = decodeURIComponent(requestPath.split('/')[2] as string);

    // The wizard flags the missing custodian information, with its article, linked to its field.
    const gaps = fiscal.locator('section.gaps');
    const gap = gaps.getByRole('link');
    assert.equal(await gap.count(), 1);
    assert.match((await gap.textContent()) ?? '', /custodio de los datos .* \(art\. 29\(2\)\(d\), Convenio de Budapest\)/);
    a11y.push(...(await axeViolations(fiscal, 'request page (draft with a gap)')));
    await gap.click();
    assert.equal(await fiscal.evaluate(() => document.activeElement?.id), 'content-custodian-or-location', 'the gap links to its field');
    await fiscal.locator('#content-custodian-or-location').fill(CUSTODIAN);
    await fiscal.getByRole('button', { name: 'Guardar los cambios' }).click();
    await fiscal.waitForURL(/done=saved/);
    assert.equal(await gaps.count(), 0, 'nothing is missing any more');
    await takeStep(fiscal, 'Enviar a aprobación', 'Pendiente de aprobación');

    // A supervisor on the case's access list approves; a central-authority user sends it.
    const jefa = await personFor(supervisor);
    await open(jefa, `${requestPath}?lang=es`);
    await takeStep(jefa, 'Aprobar', 'Aprobada');
    const ucjie = await personFor(authority);
    await open(ucjie, `${requestPath}?lang=es`);
    await takeStep(ucjie, 'Marcar como enviada', 'Enviada');
    assert.match(await main(ucjie), /Versiones fijadas .* 1 .* sha256:[0-9a-f]{64}/);

    // The PDF as sent: the six elements of Art. 29(2), under their labels.
    const [download] = await Promise.all([ucjie.waitForEvent('download'), ucjie.getByRole('link', { name: 'PDF en español', exact: true }).click()]);
    assert.equal(download.suggestedFilename(), `${reference}-v1-es.pdf`);
    const pdf = await readFile((await download.path()) as string);
    const pdfText = (await pageTexts(pdf)).join('\n').replace(/\s+/g, ' ');
    for (const e of elements) assert.ok(pdfText.includes(e.label.es.slice(0, 20)), `the PDF names ${e.id}`);
    assert.ok(pdfText.includes('29(2)(d)'));
    assert.ok(pdfText.includes('Madrid'), 'with what the prosecutor wrote');

    // Spain answers two days later: received, in execution, executed.
    clock.advance(2 * DAY);
    await open(ucjie, `${requestPath}?lang=es`);
    await takeStep(ucjie, 'Marcar como recibida', 'Recibida');
    await takeStep(ucjie, 'Marcar en ejecución', 'En ejecución');
    await takeStep(ucjie, 'Marcar como ejecutada', 'Ejecutada');
    assert.match(await main(ucjie), /Conservación por un período no inferior a 60 días .* Corriendo/);
    a11y.push(...(await axeViolations(ucjie, 'request page (executed)')));

    // Fifty-five days on, the reminder fires before the preservation lapses; the prosecutor sees it.
    clock.advance(55 * DAY);
    await t.app.cooperation.runDueJobs();
    await open(fiscal, '/cases');
    await fiscal.getByRole('link', { name: 'Plazos' }).click();
    await fiscal.waitForURL(/\/cooperation\/dashboard/);
    const board = await main(fiscal);
    assert.match(board, /Avisos \(1 sin leer\)/);
    assert.match(board, new RegExp(`Queda una semana: «Conservación por un período no inferior a 60 días[^»]*» de la solicitud ${reference}`));
    assert.match(board, new RegExp(`Vencen en los próximos 7 días \\(1\\) .*${reference}`));
    a11y.push(...(await axeViolations(fiscal, 'dashboard')));
    await fiscal.getByRole('button', { name: /^Marcar como leído/ }).click();
    await fiscal.waitForURL(/done=notifications_read/);
    assert.match(await main(fiscal), /Avisos \(0 sin leer\)/);

    // The statistics count it: preservation, Spain, executed.
    await open(jefa, '/cases');
    await jefa.getByRole('link', { name: 'Estadísticas' }).click();
    await jefa.waitForURL(/\/cooperation\/statistics/);
    assert.equal(await jefa.getByRole('img', { name: 'Número de solicitudes por tipo' }).count(), 1, 'the chart is an image with its title');
    const cube = ((await jefa.locator('section[aria-labelledby="cube-title"] tbody').textContent()) ?? '').replace(/\s+/g, ' ');
    assert.match(cube, /conservación rápida de datos Saliente \(la pedimos\) España Ejecutada 1 1 2 2/);
    a11y.push(...(await axeViolations(jefa, 'statistics')));
    const [csv] = await Promise.all([jefa.waitForEvent('download'), jefa.getByRole('link', { name: 'Descargar las estadísticas (CSV)' }).click()]);
    assert.ok((await readFile((await csv.path()) as string, 'utf8')).includes('preservation,outgoing,ES,executed,1,1,2,2'));

    // The English pages too.
    await open(jefa, `${requestPath}?lang=en`);
    a11y.push(...(await axeViolations(jefa, 'request page (English)')));
    await open(jefa, '/cases/FRAUDE-2026-7/requests/new?lang=en&type=preservation&requestingState=PE&requestedState=ES&instrument=ETS185');
    a11y.push(...(await axeViolations(jefa, 'wizard (English)')));

    // A request received from Spain, registered from its JSON file: a refused file first, then a good one.
    await open(ucjie, '/cases/FRAUDE-2026-7?lang=es');
    await ucjie.getByRole('link', { name: 'Registrar una solicitud recibida desde un archivo' }).click();
    await ucjie.waitForURL(/\/requests\/import/);
    a11y.push(...(await axeViolations(ucjie, 'import from a file')));
    const received = { type: 'preservation', requestingState: 'ES', requestedState: 'PE', instrument: 'ETS185', content: { necessity: CONTENT.necessity } };
    await ucjie.getByLabel('Archivo JSON de la solicitud').setInputFiles({ name: 'mal.json', mimeType: 'application/json', buffer: Buffer.from('{"type": ') });
    await ucjie.getByRole('button', { name: 'Registrar la solicitud recibida' }).click();
    await ucjie.waitForLoadState();
    assert.ok((await main(ucjie)).includes('El archivo no contiene JSON válido.'));
    a11y.push(...(await axeViolations(ucjie, 'import from a file (refused)')));
    await ucjie
      .getByLabel('Archivo JSON de la solicitud')
      .setInputFiles({ name: 'es.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(received)) });
    await ucjie.getByRole('button', { name: 'Registrar la solicitud recibida' }).click();
    await ucjie.waitForURL(/\/requests\/SOL-\d{4}-\d{5}\?lang=es&done=created/);
    assert.match(await main(ucjie), /Recibida/);
    await open(ucjie, '/cases/FRAUDE-2026-7/requests/import?lang=en');
    a11y.push(...(await axeViolations(ucjie, 'import from a file (English)')));

    assert.deepEqual(cspErrors, []);
  });

  it('has no WCAG 2.2 AA violations on the wizard, the request page, the dashboard and the statistics', () => {
    assert.deepEqual(a11y, []);
  });
});
