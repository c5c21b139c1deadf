import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { es } from '../../src/i18n/es.ts';
import { extractTar, tarDirectory } from '../../src/lib/tar/index.ts';
import { verifyEvidencePackage } from '../../src/modules/evidence/index.ts';
import { asActor, systemActor } from '../../src/modules/identity/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { DIALECTS } from '../support/dialects.ts';
import { type EnrolledUser, enrolUser, ManualClock } from '../support/identity.ts';
import { type Browser, decodeHtml, type FormPart, multipart, sessionCookie, signIn } from '../support/web.ts';

/** Every key of the evidence and case pages' catalog: none may ever reach a page untranslated. */
const PAGE_KEYS = Object.keys(es).filter((k) => /^(evidence|cases)\.ui\./.test(k));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The form of the upload page, filled in as a person would, the file last. */
function uploadForm(csrf: string | undefined, fields: Record<string, string>, file?: { filename: string; content: Buffer }): FormPart[] {
  const parts: FormPart[] = csrf === undefined ? [] : [['_csrf', csrf]];
  const defaults: Record<string, string> = {
    exhibit: 'EV-1',
    description: 'Imagen forense del disco del servidor',
    acquiredBy: 'Perito Quispe',
    acquiredAt: '2026-11-20T09:15',
    acquiredZone: 'America/Lima',
    acquiredWhere: 'Lima, sede central',
    tool: 'FTK Imager',
    toolVersion: '4.7',
    method: 'imagen física',
    source: 'SN-123',
    authority: 'Disposición fiscal 45-2026',
  };
  for (const [name, value] of Object.entries({ ...defaults, ...fields })) parts.push([name, value]);
  parts.push(['file', file ?? { filename: '', content: Buffer.alloc(0) }]);
  return parts;
}

for (const dialect of DIALECTS) {
  describe(`evidence pages on ${dialect}`, () => {
    const clock = new ManualClock();
    let t: TestApp;
    let server: FastifyInstance;
    let custodian: EnrolledUser;
    let officer: EnrolledUser;
    let stranger: EnrolledUser;
    let auditor: EnrolledUser;
    const content = randomBytes(150_000);
    let itemId = '';

    const browser = (user: EnrolledUser) => signIn(t.app, clock, user);
    const cookie = sessionCookie;
    const get = (url: string, who: Browser) => server.inject({ method: 'GET', url, headers: { cookie: cookie(who) } });
    const post = (url: string, who: Browser, form: Record<string, string> = {}, csrf = true) =>
      server.inject({
        method: 'POST',
        url,
        headers: { cookie: cookie(who), 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ ...(csrf ? { _csrf: who.csrf } : {}), ...form }).toString(),
      });
    const postMultipart = (url: string, who: Browser, parts: FormPart[]) => {
      const { payload, contentType } = multipart(parts);
      return server.inject({ method: 'POST', url, headers: { cookie: cookie(who), 'content-type': contentType }, payload });
    };
    const noRawKeys = (body: string) => {
      for (const key of PAGE_KEYS) assert.ok(!body.includes(key), `untranslated ${key}`);
      assert.doesNotMatch(body, />\s*(?:evidence|cases|upload|verify|package)\.[a-z_.]+\s*</, 'no message key shown as text');
    };
    const items = async (reference = 'CASO-1') => t.app.evidence.list(systemActor('test'), 'fiscalia', reference);
    const countBlobs = async () => {
      let n = 0;
      const list = t.app.blobs.list;
      if (list) for await (const _ of list.call(t.app.blobs, '')) n++;
      return n;
    };
    const ledgerTypes = async (id: string) => (await t.app.ledger.findEntries({ subjects: [`evidence:${id}`], limit: 100 })).map((e) => e.entry.type);

    before(async () => {
      t = await createTestApp({ dialect, clock, load: false });
      server = await buildServer(t.app, { logRequests: false });
      custodian = await enrolUser(t.app, clock, { email: 'custodio@pe.example', orgId: 'fiscalia', roles: ['evidence_custodian', 'officer'] });
      officer = await enrolUser(t.app, clock, { email: 'fiscal@pe.example', orgId: 'fiscalia', roles: ['officer'] });
      stranger = await enrolUser(t.app, clock, { email: 'otro@pe.example', orgId: 'fiscalia', roles: ['officer', 'evidence_custodian'] });
      auditor = await enrolUser(t.app, clock, { email: 'auditor@pe.example', orgId: 'fiscalia', roles: ['auditor'] });
      await t.app.cases.create(systemActor('test'), {
        reference: 'CASO-1',
        orgId: 'fiscalia',
        title: 'Fraude informático',
        members: [custodian.userId, officer.userId],
      });
      await t.app.cases.create(systemActor('test'), { reference: 'FIS/2026:7', orgId: 'fiscalia', members: [custodian.userId] });
    });
    after(async () => {
      await server?.close();
      await t?.cleanup();
    });

    it('takes a file without JavaScript: multipart form, streamed into the vault, then the item page', async () => {
      const who = await browser(custodian);
      const form = await get('/cases/CASO-1/evidence/new?lang=es', who);
      assert.equal(form.statusCode, 200);
      // The CSRF token is the form's first field, and the file its last.
      const fields = [...form.body.matchAll(/<(?:input|select|textarea)[^>]*\sname="([^"]+)"/g)].map((m) => m[1]);
      assert.equal(fields[0], '_csrf');
      assert.equal(fields.at(-1), 'file');
      assert.match(form.body, /enctype="multipart\/form-data"/);
      assert.match(form.body, /data-tus-upload/);
      assert.match(form.body, /<fieldset aria-describedby="acquisition-hint">\s*<legend>Adquisición<\/legend>/);
      assert.match(form.body, /<option value="America\/Lima" selected>/);
      assert.match(form.body, /<progress id="upload-progress"/);
      assert.match(form.body, /<button type="button" id="upload-pause"[^>]* hidden>/);
      assert.match(form.body, /<script src="\/assets\/upload.js" defer><\/script>/);

      const res = await postMultipart('/cases/CASO-1/evidence?lang=es', who, [
        ...uploadForm(who.csrf, { md5: '1' }, { filename: 'disco.img', content }).filter(([name]) => name !== 'file'),
        ['file', { filename: 'disco.img', content }],
      ]);
      assert.equal(res.statusCode, 303, res.body);
      const location = String(res.headers.location);
      assert.match(location, /^\/evidence\/[0-9a-f-]{36}\?lang=es&done=added$/);
      const [item] = await items();
      assert.ok(item);
      itemId = item.id;
      assert.equal(location.split('?')[0], `/evidence/${item.id}`);
      assert.equal(item.sha256, sha256(content));
      assert.equal(item.md5, createHash('md5').update(content).digest('hex'));
      assert.equal(item.sha1, undefined);
      assert.equal(item.bytes, content.length);
      assert.equal(item.fileName, 'disco.img');
      assert.equal(item.acquisition.at, '2026-11-20T09:15:00-05:00', 'the wall clock of the chosen zone, with its offset');
      assert.equal(item.acquisition.where, 'Lima, sede central');

      const page = await get(location, who);
      assert.equal(page.statusCode, 200);
      assert.equal(page.headers['cache-control'], 'no-store');
      assert.ok(page.body.includes(item.sha256));
      assert.ok(page.body.includes('Evidencia ingresada en la bóveda'));
      assert.match(page.body, /<th scope="row"><a href="\/ledger\?index=\d+&amp;lang=es">\d+<\/a><\/th>\s*<td>adquirida<\/td>/);
      assert.match(page.body, /<time datetime="2026-11-20T09:15:00.000-05:00">20 nov\. 2026, 9:15:00 a\. m\. PET<\/time>/, 'times show their zone');
      assert.ok(page.body.includes('2026-11-20T09:15:00-05:00'), 'the acquisition time as recorded');
      assert.ok(page.body.includes('PET</time> (UTC-05:00)</td>'), 'custody times show their offset');
      assert.doesNotMatch(page.body, /<img|<video|<audio|<iframe|<object|<embed/, 'no preview of evidence content, ever');
      // Viewing the page is a custody event, shown in the history it records.
      assert.ok((await ledgerTypes(item.id)).includes('evidence.accessed'));
      assert.match(page.body, /<td>consultada<\/td>/);
    });

    it('re-renders the form with every problem when fields are missing or invalid, keeping nothing', async () => {
      const who = await browser(custodian);
      const blobs = await countBlobs();
      const res = await postMultipart(
        '/cases/CASO-1/evidence?lang=es',
        who,
        uploadForm(who.csrf, { exhibit: 'mal número!', acquiredBy: '', acquiredAt: '' }, { filename: 'x.bin', content: randomBytes(5000) }),
      );
      assert.equal(res.statusCode, 422);
      assert.match(res.body, /<div class="error-summary" autofocus role="alert"/);
      for (const field of ['exhibit', 'acquiredBy', 'acquiredAt', 'file']) {
        assert.ok(res.body.includes(`<a href="#${field}">`), `summary links to ${field}`);
        assert.match(res.body, new RegExp(`id="${field}"[^>]*aria-invalid="true"`), `${field} is marked`);
      }
      assert.ok(res.body.includes('El archivo enviado no se guardó'), 'the person is told the file was dropped');
      assert.ok(decodeHtml(res.body).includes('value="mal número!"'), 'what was typed is kept');
      assert.ok(res.body.includes('Lima, sede central'));

      // No file chosen at all, and an acquisition time that does not exist.
      const empty = await postMultipart('/cases/CASO-1/evidence?lang=en', who, uploadForm(who.csrf, { exhibit: 'EV-2', acquiredAt: '2026-02-30T10:00' }));
      assert.equal(empty.statusCode, 422);
      assert.ok(empty.body.includes('<a href="#file">Choose the evidence file.</a>'));
      assert.ok(empty.body.includes('<a href="#acquiredAt">'));
      // A taken exhibit number is refused before a byte is stored.
      const taken = await postMultipart('/cases/CASO-1/evidence?lang=en', who, uploadForm(who.csrf, {}, { filename: 'y.bin', content: randomBytes(1000) }));
      assert.equal(taken.statusCode, 409);
      assert.ok(taken.body.includes('<a href="#exhibit">'));
      assert.equal((await items()).length, 1);
      assert.equal(await countBlobs(), blobs);
    });

    it('refuses a multipart post without a valid _csrf first, before any item exists', async () => {
      const who = await browser(custodian);
      const file = { filename: 'z.bin', content: randomBytes(2000) };
      const cases: Array<[string, FormPart[]]> = [
        ['no token', uploadForm(undefined, { exhibit: 'EV-C1' }, file)],
        ['a wrong token', uploadForm('x'.repeat(43), { exhibit: 'EV-C2' }, file)],
        ['another session’s token', uploadForm((await browser(officer)).csrf, { exhibit: 'EV-C3' }, file)],
        ['the token after other fields', [['exhibit', 'EV-C4'], ...uploadForm(who.csrf, { exhibit: 'EV-C4' }, file)]],
      ];
      const blobs = await countBlobs();
      for (const [label, parts] of cases) {
        const res = await postMultipart('/cases/CASO-1/evidence?lang=en', who, parts);
        assert.equal(res.statusCode, 403, label);
      }
      // Not multipart at all: nothing is read.
      const plain = await post('/cases/CASO-1/evidence', who, { exhibit: 'EV-C5' });
      assert.equal(plain.statusCode, 422);
      assert.deepEqual(
        (await items()).map((i) => i.exhibit),
        ['EV-1'],
      );
      assert.equal(await countBlobs(), blobs);
    });

    it('shows a case or item to nobody off its access list: a 404 page, never a 403', async () => {
      const outsider = await browser(stranger);
      const member = await browser(officer);
      const list = await get('/cases?lang=es', outsider);
      assert.equal(list.statusCode, 200);
      assert.ok(!list.body.includes('CASO-1'));
      assert.ok((await get('/cases?lang=es', member)).body.includes('<a href="/cases/CASO-1/evidence?lang=es">CASO-1</a>'));
      for (const url of [
        '/cases/CASO-1/evidence',
        '/cases/CASO-1/evidence/new',
        `/evidence/${itemId}`,
        '/cases/NO-EXISTE/evidence',
        '/evidence/no-such-item',
      ]) {
        const res = await get(`${url}?lang=es`, outsider);
        assert.equal(res.statusCode, 404, url);
        assert.match(String(res.headers['content-type']), /text\/html/);
      }
      assert.equal((await post(`/evidence/${itemId}/download`, outsider, { reason: 'curiosidad' })).statusCode, 404);
      const upload = await postMultipart(
        '/cases/CASO-1/evidence',
        outsider,
        uploadForm(outsider.csrf, { exhibit: 'EV-X' }, { filename: 'x', content: Buffer.from('x') }),
      );
      assert.equal(upload.statusCode, 404);
      assert.equal((await post('/cases/CASO-1/evidence/holds', outsider, { reason: 'retención ajena' })).statusCode, 404);
      assert.equal((await items()).length, 1);
      // No access event was recorded for them.
      const accessed = await t.app.ledger.findEntries({ subjects: [`evidence:${itemId}`], limit: 100 });
      assert.ok(accessed.every((e) => e.entry.actor !== `user:${outsider.principal.userId}`));
      // Without the permission at all, the route itself refuses (this says nothing about any case).
      assert.equal((await get('/cases/CASO-1/evidence', await browser(auditor))).statusCode, 403);
    });

    it('downloads the content only by POST with a reason, as an attachment, recorded in the ledger', async () => {
      const who = await browser(officer);
      const missing = await post(`/evidence/${itemId}/download?lang=es`, who, { reason: '' });
      assert.equal(missing.statusCode, 422);
      assert.ok(missing.body.includes('<a href="#downloadReason">'));
      const res = await post(`/evidence/${itemId}/download`, who, { reason: 'peritaje informático' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'application/octet-stream');
      assert.match(String(res.headers['content-disposition']), /^attachment; filename="disco.img"/);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.deepEqual(res.rawPayload, content);
      const downloads = (await t.app.ledger.findEntries({ subjects: [`evidence:${itemId}`], limit: 100 })).filter(
        (e) => e.entry.type === 'evidence.downloaded',
      );
      assert.equal(downloads.length, 1);
      assert.equal(downloads[0]?.entry.data.reason, 'peritaje informático');
      assert.equal(downloads[0]?.entry.actor, `user:${who.principal.userId}`);
      // There is no GET download, and the page never embeds the content.
      assert.equal((await get(`/evidence/${itemId}/download`, who)).statusCode, 404);
    });

    it('records custody steps and fixity checks from the item page, and refuses destruction while retention is unset', async () => {
      const who = await browser(custodian);
      const bad = await post(`/evidence/${itemId}/custody?lang=en`, who, { custodyEvent: 'destroyed', reason: 'x' });
      assert.equal(bad.statusCode, 422);
      assert.ok(bad.body.includes('<a href="#custodyEvent">') && bad.body.includes('<a href="#custodyReason">'));
      const recorded = await post(`/evidence/${itemId}/custody`, who, { custodyEvent: 'sealed', reason: 'precinto 0042', detail: 'bolsa 7' });
      assert.equal(recorded.statusCode, 303);
      assert.ok((await ledgerTypes(itemId)).includes('evidence.sealed'));
      const fixity = await post(`/evidence/${itemId}/fixity?lang=es`, who);
      assert.equal(fixity.statusCode, 303);
      assert.match(String(fixity.headers.location), /done=fixity_ok/);
      const shown = await get(String(fixity.headers.location), who);
      assert.ok(shown.body.includes('Integridad correcta'));
      assert.match(shown.body, /<td>precintada<\/td>/);
      const refused = await post(`/evidence/${itemId}/destroy?lang=es`, who, { reason: 'orden de destrucción 1' });
      assert.equal(refused.statusCode, 409);
      assert.match(refused.body, /<a href="#destroyReason">Fije primero el plazo de conservación del caso.<\/a>/);
      assert.equal((await items())[0]?.state, 'stored');
      // An officer sees no destroy form, and the route refuses them.
      const officerView = await get(`/evidence/${itemId}?lang=es`, await browser(officer));
      assert.ok(!officerView.body.includes(`/evidence/${itemId}/destroy`));
    });

    it('sets retention and legal holds from the case page; a hold stops destruction', async () => {
      const who = await browser(custodian);
      const invalid = await post('/cases/CASO-1/evidence/retention?lang=es', who, { keepUntil: '31/12/2026', basis: '' });
      assert.equal(invalid.statusCode, 422);
      assert.ok(invalid.body.includes('<a href="#keepUntil">') && invalid.body.includes('<a href="#basis">'));
      const set = await post('/cases/CASO-1/evidence/retention', who, { keepUntil: '2026-11-01', basis: 'prescripción, art. 80 CP' });
      assert.equal(set.statusCode, 303);
      const hold = await post('/cases/CASO-1/evidence/holds?lang=es', who, { reason: 'proceso de apelación', holdItem: '' });
      assert.equal(hold.statusCode, 303);
      const page = await get('/cases/CASO-1/evidence?lang=es&done=hold_set', who);
      assert.ok(page.body.includes('prescripción, art. 80 CP'));
      assert.ok(page.body.includes('<th scope="row">proceso de apelación</th>'));
      assert.ok(page.body.includes('<strong>vigente</strong>'), 'state in words, not colour');
      const refused = await post(`/evidence/${itemId}/destroy?lang=en`, who, { reason: 'destruction order 1' });
      assert.equal(refused.statusCode, 409);
      assert.ok(refused.body.includes('<a href="#destroyReason">A legal hold prevents destroying this evidence.</a>'));
      const [held] = (await t.app.evidence.retention(systemActor('test'), 'fiscalia', 'CASO-1')).holds;
      assert.ok(held);
      const noReason = await post(`/cases/CASO-1/evidence/holds/${held.id}/lift?lang=es`, who, { reason: '' });
      assert.equal(noReason.statusCode, 422);
      assert.ok(noReason.body.includes(`<a href="#lift-${held.id}-reason">`));
      assert.equal((await post(`/cases/CASO-1/evidence/holds/${held.id}/lift`, who, { reason: 'sentencia firme' })).statusCode, 303);
      // An officer reads retention and holds, without the forms.
      const officerPage = await get('/cases/CASO-1/evidence?lang=es', await browser(officer));
      assert.ok(officerPage.body.includes('sentencia firme'));
      assert.ok(!officerPage.body.includes('action="/cases/CASO-1/evidence/holds"'));
      assert.ok(!officerPage.body.includes('action="/cases/CASO-1/evidence/export"'));
      assert.equal((await post('/cases/CASO-1/evidence/holds', await browser(officer), { reason: 'no puedo' })).statusCode, 403);
    });

    it('exports the case as a .tar download that verifies, and the verify page names what was changed', async () => {
      const who = await browser(custodian);
      const refused = await post('/cases/CASO-1/evidence/export?lang=es', who, { to: 'not-a-key', reason: 'x' });
      assert.equal(refused.statusCode, 422);
      assert.ok(refused.body.includes('<a href="#exportTo">'));
      const started = await post('/cases/CASO-1/evidence/export', who, { reason: 'respuesta a la solicitud MLA-7' });
      assert.equal(started.statusCode, 303, started.body.slice(0, 500));
      const jobPath = String(started.headers.location).replace(/\?.*$/, '');
      assert.match(jobPath, /^\/cases\/CASO-1\/evidence\/exports\/[0-9a-f-]{36}$/);
      // The progress page: running or done, with a status line (and, when done, the download link).
      let progress = await get(`${jobPath}?lang=es`, who);
      for (let i = 0; i < 100 && !progress.body.includes('package.tar'); i++) {
        assert.equal(progress.statusCode, 200);
        assert.ok(progress.body.includes('role="status"'));
        await new Promise((resolve) => setTimeout(resolve, 20));
        progress = await get(`${jobPath}?lang=es`, who);
      }
      assert.ok(progress.body.includes('El paquete está listo'), progress.body.slice(0, 2000));
      assert.equal((await get(`${jobPath}?format=json`, who)).json().state, 'done');
      // Someone else (even with the permission) does not find the job.
      assert.equal((await get(jobPath, await browser(stranger))).statusCode, 404);
      const res = await get(`${jobPath}/package.tar`, who);
      assert.equal(res.statusCode, 200, res.body.slice(0, 500));
      assert.equal(res.headers['content-type'], 'application/x-tar');
      assert.equal(res.headers['content-disposition'], 'attachment; filename="CASO-1-package.tar"');
      const tar = res.rawPayload;
      // Downloaded once, then gone from the node.
      let again = await get(`${jobPath}/package.tar`, who);
      for (let i = 0; i < 50 && again.statusCode !== 404; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        again = await get(`${jobPath}/package.tar`, who);
      }
      assert.equal(again.statusCode, 404, 'the package is removed after its download');
      assert.ok((await ledgerTypes(itemId)).includes('evidence.exported'));

      const dir = await mkdtemp(join(tmpdir(), 'custodia-test-pkg-'));
      try {
        await extractTar(Readable.from([tar]), dir);
        const verified = await verifyEvidencePackage(join(dir, 'CASO-1-package'));
        assert.deepEqual(verified.problems, []);

        const viewer = await browser(officer);
        const page = await get('/evidence/verify-package?lang=es', viewer);
        assert.equal(page.statusCode, 200);
        const good = await postMultipart('/evidence/verify-package?lang=es', viewer, [
          ['_csrf', viewer.csrf],
          ['trust', 'node'],
          ['package', { filename: 'CASO-1-package.tar', content: tar }],
        ]);
        assert.equal(good.statusCode, 200);
        assert.ok(good.body.includes('Paquete válido'), good.body.slice(good.body.indexOf('<main'), good.body.indexOf('<main') + 3000));
        assert.ok(good.body.includes('<th scope="row">EV-1</th>'));

        // Change one byte of the evidence, pack it again: the page names the file at fault.
        const root = join(dir, 'CASO-1-package');
        const payloadDir = join(root, 'data');
        const [payload] = await readdir(payloadDir, { recursive: true, withFileTypes: true }).then((l) => l.filter((e) => e.isFile()));
        assert.ok(payload);
        const path = join(payload.parentPath, payload.name);
        const bytes = await readFile(path);
        bytes[100] = (bytes[100] as number) ^ 1;
        await writeFile(path, bytes);
        const chunks: Buffer[] = [];
        for await (const chunk of tarDirectory(root)) chunks.push(chunk as Buffer);
        const bad = await postMultipart('/evidence/verify-package?lang=en', viewer, [
          ['_csrf', viewer.csrf],
          ['trust', 'node'],
          ['package', { filename: 'tampered.tar', content: Buffer.concat(chunks) }],
        ]);
        assert.equal(bad.statusCode, 200);
        assert.ok(bad.body.includes('INVALID PACKAGE'));
        assert.match(bad.body, /<code>data\/[^<]+<\/code>/, 'the file at fault is named');

        const notTar = await postMultipart('/evidence/verify-package?lang=en', viewer, [
          ['_csrf', viewer.csrf],
          ['package', { filename: 'notes.txt', content: Buffer.from('not a tar file at all') }],
        ]);
        assert.equal(notTar.statusCode, 422);
        assert.ok(notTar.body.includes('<a href="#package">'));
        const forged = await postMultipart('/evidence/verify-package', viewer, [['package', { filename: 'a.tar', content: tar }]]);
        assert.equal(forged.statusCode, 403);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('opens a case from /cases after a recent sign-in, and sends a stale session to confirm its identity', async () => {
      const who = await browser(officer);
      const invalid = await post('/cases?lang=es', who, { reference: 'caso con espacios', title: '' });
      assert.equal(invalid.statusCode, 422);
      assert.ok(invalid.body.includes('<a href="#reference">'));
      const created = await post('/cases?lang=es', who, { reference: 'CASO-9', title: 'Extorsión' });
      assert.equal(created.statusCode, 303);
      assert.equal(created.headers.location, '/cases/CASO-9/evidence?lang=es&done=case_created');
      assert.ok((await get('/cases/CASO-9/evidence?lang=es&done=case_created', who)).body.includes('Caso abierto'));
      const taken = await post('/cases?lang=en', who, { reference: 'CASO-9' });
      assert.equal(taken.statusCode, 409);
      clock.advance(11 * 60);
      const stale = await post('/cases?lang=es', who, { reference: 'CASO-10' });
      assert.equal(stale.statusCode, 303);
      assert.equal(stale.headers.location, `/reauth?lang=es&next=${encodeURIComponent('/cases')}`);
      assert.equal((await t.app.cases.list(asActor(who.principal), 'fiscalia')).filter((c) => c.reference === 'CASO-10').length, 0);
    });

    it('handles references with / and : in their URLs', async () => {
      const who = await browser(custodian);
      const res = await get('/cases/FIS%2F2026%3A7/evidence?lang=es', who);
      assert.equal(res.statusCode, 200);
      assert.ok(res.body.includes('<h1>Evidencia del caso FIS/2026:7</h1>'));
      const added = await postMultipart(
        '/cases/FIS%2F2026%3A7/evidence?lang=es',
        who,
        uploadForm(who.csrf, { exhibit: 'A/1', sha1: '1' }, { filename: 'acta.pdf', content: Buffer.from('%PDF-1.7 acta') }),
      );
      assert.equal(added.statusCode, 303, added.body);
      const [item] = await items('FIS/2026:7');
      assert.equal(item?.exhibit, 'A/1');
      assert.equal(item?.sha1, createHash('sha1').update('%PDF-1.7 acta').digest('hex'));
    });

    it('renders every page in Spanish and English, every string translated', async () => {
      const who = await browser(custodian);
      const pages: Array<[string, string, string]> = [
        ['/cases', 'Casos', 'Cases'],
        ['/cases/CASO-1/evidence', 'Evidencia del caso CASO-1', 'Evidence of case CASO-1'],
        ['/cases/CASO-1/evidence/new', 'Añadir evidencia al caso CASO-1', 'Add evidence to case CASO-1'],
        [`/evidence/${itemId}`, 'Evidencia EV-1', 'Exhibit EV-1'],
        ['/evidence/verify-package', 'Verificar un paquete de evidencia', 'Verify an evidence package'],
      ];
      for (const [path, spanish, english] of pages) {
        for (const [lang, heading] of [
          ['es', spanish],
          ['en', english],
        ] as const) {
          const res = await get(`${path}?lang=${lang}`, who);
          assert.equal(res.statusCode, 200, `${path} ${lang}`);
          assert.match(res.body, new RegExp(`<html lang="${lang}">`));
          assert.ok(res.body.includes(`<h1>${heading}</h1>`), `${path} ${lang} heading`);
          assert.doesNotMatch(res.body, /<script(?![^>]*\ssrc=)|\sstyle="/, 'no inline script or style');
          assert.match(res.body, /<a href="\/cases\?lang=\w\w">(Casos|Cases)<\/a>/, 'the navigation links to the cases');
          noRawKeys(res.body);
          for (const table of res.body.match(/<table[\s\S]*?<\/table>/g) ?? []) {
            assert.match(table, /<caption>/, `${path}: every table has a caption`);
            assert.match(table, /<th scope="col">/, `${path}: column headers are marked`);
          }
        }
      }
    });
  });
}
