import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { es } from '../../src/i18n/es.ts';
import { asActor, systemActor } from '../../src/modules/identity/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { DIALECTS } from '../support/dialects.ts';
import { type EnrolledUser, enrolUser, ManualClock } from '../support/identity.ts';
import { type Browser, decodeHtml, type FormPart, multipart, sessionCookie, signIn } from '../support/web.ts';

/**
 * Registering an incoming request from a structured JSON file on the web (issue #6): the file of
 * `custodia request import`, uploaded as a multipart form without JavaScript.
 */

const PAGE_KEYS = Object.keys(es).filter((k) => k.startsWith('coop.ui.'));
const CASE = 'FISC/2026:7';
const IMPORT = `/cases/${encodeURIComponent(CASE)}/requests/import`;
const summaryOf = (body: string) => decodeHtml(/<div class="error-summary" autofocus[\s\S]*?<\/div>/.exec(body)?.[0] ?? '');

/** The example of docs/cooperation.md, "Import file". */
const FILE = {
  caseReference: CASE,
  direction: 'incoming',
  type: 'subscriber-information',
  requestingState: 'ES',
  requestedState: 'PE',
  instrument: 'ETS185',
  requestingAuthority: 'Fiscalía Provincial de Madrid',
  languages: ['es'],
  content: { 'offence-and-facts': 'Estafa informática cometida desde cuentas peruanas.' },
};
const json = (value: unknown) => ({ filename: 'solicitud.json', content: Buffer.from(JSON.stringify(value, null, 2)) });

for (const dialect of DIALECTS) {
  describe(`registering a received request from a file, on the web, on ${dialect}`, () => {
    const clock = new ManualClock('2026-11-24T15:00:00.000Z');
    let t: TestApp;
    let server: FastifyInstance;
    let authority: EnrolledUser;
    let prosecutor: EnrolledUser;
    let stranger: EnrolledUser;

    const browser = (user: EnrolledUser) => signIn(t.app, clock, user);
    const cookie = sessionCookie;
    const get = (url: string, who: Browser) => server.inject({ method: 'GET', url, headers: { cookie: cookie(who) } });
    const upload = (url: string, who: Browser, file: FormPart[1] | undefined, csrf: string | null = who.csrf) => {
      const parts: FormPart[] = [];
      if (csrf !== null) parts.push(['_csrf', csrf]);
      if (file !== undefined) parts.push(['file', file]);
      const { payload, contentType } = multipart(parts);
      return server.inject({ method: 'POST', url, headers: { cookie: cookie(who), 'content-type': contentType }, payload });
    };
    /** The case's requests, as the registering authority sees them. */
    const requests = async () => t.app.cooperation.list(systemActor('test'), 'fiscalia', { caseReference: CASE });
    const noRawKeys = (body: string) => {
      for (const key of PAGE_KEYS) assert.ok(!body.includes(key), `untranslated ${key}`);
      assert.doesNotMatch(body, />\s*(?:coop|cooperation|measure|field|problem)\.[a-z_.-]+\s*</, 'no message key shown as text');
    };
    /** A refused upload: the form again, the summary first, every line linked to the file field, nothing written. */
    const refused = async (res: Awaited<ReturnType<typeof upload>>, status: number, ...expected: string[]) => {
      const before = (await requests()).length;
      assert.equal(res.statusCode, status, summaryOf(res.body));
      const summary = summaryOf(res.body);
      assert.ok(summary.includes('<a href="#file">'), summary);
      for (const line of expected) assert.ok(summary.includes(line), `${line} in ${summary}`);
      assert.match(
        res.body,
        /<input type="file" id="file" name="file" accept="\.json,application\/json" required aria-describedby="file-hint file-error" aria-invalid="true">/,
      );
      assert.match(res.body, /<input type="hidden" name="_csrf" value="[^"]+">/, 'a fresh form to try again');
      assert.match(res.body, /<div class="field-error" id="file-error"><ul>[\s\S]*<\/ul><p>(No se ha registrado nada|Nothing was registered)/);
      noRawKeys(res.body);
      assert.equal((await requests()).length, before, 'nothing registered');
      return summary;
    };

    before(async () => {
      t = await createTestApp({ dialect, clock });
      server = await buildServer(t.app, { logRequests: false });
      authority = await enrolUser(t.app, clock, { email: 'ac@pe.example', orgId: 'fiscalia', roles: ['central_authority'] });
      prosecutor = await enrolUser(t.app, clock, { email: 'fiscal@pe.example', orgId: 'fiscalia', roles: ['officer'] });
      stranger = await enrolUser(t.app, clock, { email: 'otra-ac@pe.example', orgId: 'fiscalia', roles: ['central_authority', 'operator_24_7'] });
      await t.app.cases.create(systemActor('test'), {
        reference: CASE,
        orgId: 'fiscalia',
        title: 'Estafa informática',
        members: [authority.userId, prosecutor.userId],
      });
      await t.app.cases.create(systemActor('test'), { reference: 'OTRO-1', orgId: 'fiscalia', title: 'Otro caso', members: [authority.userId] });
    });
    after(async () => {
      await server?.close();
      await t?.cleanup();
    });

    it('links the form from the case page for whoever may register requests, and only for them', async () => {
      const ac = await browser(authority);
      const page = await get(`/cases/${encodeURIComponent(CASE)}?lang=es`, ac);
      assert.equal(page.statusCode, 200);
      assert.ok(page.body.includes(`<a href="${IMPORT}?lang=es">Registrar una solicitud recibida desde un archivo</a>`), 'the link in Spanish');
      const english = await get(`/cases/${encodeURIComponent(CASE)}?lang=en`, ac);
      assert.ok(english.body.includes(`<a href="${IMPORT}?lang=en">Register a received request from a file</a>`), 'the link in English');

      const officer = await browser(prosecutor);
      const theirs = await get(`/cases/${encodeURIComponent(CASE)}?lang=es`, officer);
      assert.equal(theirs.statusCode, 200);
      assert.ok(!theirs.body.includes(IMPORT), 'an officer drafts, but does not register, requests');
      assert.equal((await get(`${IMPORT}?lang=es`, officer)).statusCode, 403);
      assert.equal((await upload(`${IMPORT}?lang=es`, officer, json(FILE))).statusCode, 403);
      assert.equal((await requests()).length, 0);
    });

    it('renders the form and the format in Spanish and in English, every string translated', async () => {
      const ac = await browser(authority);
      for (const [lang, heading, field] of [
        ['es', `Solicitud recibida desde un archivo — caso ${CASE}`, 'Archivo JSON de la solicitud'],
        ['en', `Request received from a file — case ${CASE}`, 'The request’s JSON file'],
      ] as const) {
        const res = await get(`${IMPORT}?lang=${lang}`, ac);
        assert.equal(res.statusCode, 200, lang);
        assert.equal(res.headers['cache-control'], 'no-store');
        assert.match(res.body, new RegExp(`<html lang="${lang}">`));
        assert.ok(res.body.includes(`<h1>${heading}</h1>`), `${lang} heading`);
        assert.ok(res.body.includes(`<label for="file">${field}</label>`), `${lang} label`);
        assert.ok(res.body.includes(`enctype="multipart/form-data" action="${IMPORT}?lang=${lang}"`), 'a multipart form posting to the page');
        const form = /<form class="query" method="post" enctype="multipart\/form-data"[\s\S]*?<\/form>/.exec(res.body)?.[0] ?? '';
        assert.match(
          form,
          /^<form class="query" method="post" enctype="multipart\/form-data"[^>]*>\s*<input type="hidden" name="_csrf" value="[^"]+">/,
          'the token is the first part',
        );
        assert.match(form, /<input type="file" id="file" name="file" accept="\.json,application\/json" required aria-describedby="file-hint">/);
        for (const name of ['type', 'requestingState', 'requestedState', 'instrument', 'content', 'languages']) {
          assert.ok(res.body.includes(`<th scope="row"><code>${name}</code></th>`), `${lang}: the format names ${name}`);
        }
        assert.ok(res.body.includes(`<a href="/api/docs?lang=${lang}">`), 'a link to the API reference');
        assert.ok(decodeHtml(res.body).includes(`"caseReference": "${CASE}"`), 'an example for this case');
        assert.doesNotMatch(res.body, /<script(?![^>]*\ssrc=)|\sstyle="/, 'no inline script or style');
        for (const table of res.body.match(/<table[\s\S]*?<\/table>/g) ?? []) {
          assert.match(table, /<caption>/);
          assert.match(table, /<th scope="col">/);
        }
        noRawKeys(res.body);
      }
    });

    it('registers the file as a received request, version 1, and goes to its page', async () => {
      const ac = await browser(authority);
      const res = await upload(`${IMPORT}?lang=es`, ac, json(FILE));
      assert.equal(res.statusCode, 303, summaryOf(res.body));
      const location = String(res.headers.location);
      assert.match(location, /^\/requests\/SOL-2026-\d{5}\?lang=es&done=created$/);
      const reference = decodeURIComponent(location.slice('/requests/'.length).split('?')[0] as string);
      const view = await t.app.cooperation.get(asActor(ac.principal), 'fiscalia', reference);
      assert.equal(view.request.state, 'received');
      assert.equal(view.request.version, 1);
      assert.equal(view.request.direction, 'incoming');
      assert.equal(view.request.type, 'subscriber-information');
      assert.equal(view.request.requestingState, 'ES');
      assert.equal(view.request.instrument, 'ETS185');
      assert.deepEqual(view.request.content, FILE.content);
      assert.equal(view.versions.length, 1, 'fixed as version 1');
      const page = await get(location, ac);
      assert.equal(page.statusCode, 200);
      assert.ok(page.body.includes(`<h1>Solicitud ${reference}</h1>`));

      // Neither caseReference nor direction is needed: the page's case, and incoming.
      const { caseReference: _c, direction: _d, ...bare } = FILE;
      const again = await upload(`${IMPORT}?lang=en`, ac, { filename: 'bare.json', content: Buffer.from(`\uFEFF${JSON.stringify(bare)}`) });
      assert.equal(again.statusCode, 303, summaryOf(again.body));
      assert.equal((await requests()).length, 2);
      assert.ok((await requests()).every((r) => r.state === 'received' && r.direction === 'incoming'));
    });

    it('refuses a file that is not JSON, not an object, too large, or missing, in the reader’s language', async () => {
      const ac = await browser(authority);
      await refused(
        await upload(`${IMPORT}?lang=es`, ac, { filename: 'solicitud.json', content: Buffer.from('type: preservation\n') }),
        422,
        'El archivo no contiene JSON válido.',
      );
      await refused(
        await upload(`${IMPORT}?lang=en`, ac, { filename: 'request.pdf', content: Buffer.from('%PDF-1.7\n'), type: 'application/pdf' }),
        422,
        'The file does not hold valid JSON.',
      );
      await refused(await upload(`${IMPORT}?lang=es`, ac, { filename: 'vacío.json', content: Buffer.alloc(0) }), 422, 'El archivo no contiene JSON válido.');
      await refused(await upload(`${IMPORT}?lang=es`, ac, json([FILE])), 422, 'El archivo debe contener un único objeto JSON');
      await refused(await upload(`${IMPORT}?lang=en`, ac, json('a string')), 422, 'The file must hold one JSON object');
      await refused(
        await upload(`${IMPORT}?lang=es`, ac, { filename: 'latin1.json', content: Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]) }),
        422,
        'El archivo no está en UTF-8.',
      );
      await refused(await upload(`${IMPORT}?lang=es`, ac, undefined), 422, 'Elija el archivo JSON de la solicitud.');
      const big = Buffer.from(JSON.stringify({ ...FILE, content: { 'offence-and-facts': 'x'.repeat(1024 * 1024) } }));
      await refused(await upload(`${IMPORT}?lang=en`, ac, { filename: 'big.json', content: big }), 413, 'The file is larger than 1 MiB.');
    });

    it('refuses a file for another case, or an outgoing one', async () => {
      const ac = await browser(authority);
      await refused(
        await upload(`${IMPORT}?lang=es`, ac, json({ ...FILE, caseReference: 'OTRO-1' })),
        422,
        `caseReference: el archivo es del caso «OTRO-1», no del caso ${CASE}.`,
      );
      await refused(
        await upload(`${IMPORT}?lang=en`, ac, json({ ...FILE, caseReference: 'OTRO-1', direction: 'outgoing' })),
        422,
        `caseReference: the file is for case “OTRO-1”, not case ${CASE}.`,
        'direction: leave it out or make it “incoming”',
      );
      assert.equal((await t.app.cooperation.list(systemActor('test'), 'fiscalia', { caseReference: 'OTRO-1' })).length, 0);
    });

    it('lists every problem the module finds, by its path in the file, and writes nothing', async () => {
      const ac = await browser(authority);
      const { requestingState: _s, ...noState } = FILE;
      const wrong = { ...noState, type: 'teleportation', languages: ['spanish!'], content: { 'Bad Key': 'x' } };
      await refused(
        await upload(`${IMPORT}?lang=es`, ac, json(wrong)),
        422,
        'requestingState: Estado requirente no válido',
        'type: Tipo de solicitud no válido.',
        'languages.0: ',
        'content.Bad Key: ',
      );
      await refused(
        await upload(`${IMPORT}?lang=en`, ac, json(wrong)),
        422,
        'requestingState: Invalid requesting State',
        'type: Invalid type of request.',
        'languages.0: Invalid languages',
      );
      // The knowledge base's checks too: an instrument it does not know.
      await refused(await upload(`${IMPORT}?lang=en`, ac, json({ ...FILE, instrument: 'NOPE99' })), 422, 'instrument: ');
    });

    it('refuses a post without its CSRF token first (403) before reading the file', async () => {
      const ac = await browser(authority);
      const before = (await requests()).length;
      assert.equal((await upload(`${IMPORT}?lang=es`, ac, json(FILE), null)).statusCode, 403, 'no token');
      assert.equal((await upload(`${IMPORT}?lang=es`, ac, json(FILE), 'x'.repeat(43))).statusCode, 403, 'a wrong token');
      assert.equal((await upload(`${IMPORT}?lang=es`, ac, json(FILE), (await browser(prosecutor)).csrf)).statusCode, 403, 'another session’s token');
      const plain = await server.inject({
        method: 'POST',
        url: `${IMPORT}?lang=es`,
        headers: { cookie: cookie(ac), 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: ac.csrf, file: JSON.stringify(FILE) }).toString(),
      });
      assert.ok(plain.statusCode >= 400 && plain.statusCode < 500, `not multipart: ${plain.statusCode}`);
      assert.equal((await requests()).length, before);
    });

    it('tells someone off the case’s access list that the case does not exist (404), even with a good file', async () => {
      const other = await browser(stranger);
      assert.equal((await get(`${IMPORT}?lang=es`, other)).statusCode, 404);
      const before = (await requests()).length;
      const res = await upload(`${IMPORT}?lang=es`, other, json(FILE));
      assert.equal(res.statusCode, 404);
      assert.ok(!res.body.includes('Estafa informática'), 'nothing of the case shown');
      assert.equal((await requests()).length, before);
      assert.equal((await get('/cases/NO-SUCH-CASE/requests/import?lang=es', await browser(authority))).statusCode, 404);
    });
  });
}
