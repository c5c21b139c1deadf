import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { es } from '../../src/i18n/es.ts';
import { pageTexts } from '../../src/lib/pdf/testing.ts';
import { systemActor } from '../../src/modules/identity/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { DIALECTS } from '../support/dialects.ts';
import { type EnrolledUser, enrolUser, ManualClock } from '../support/identity.ts';
import { type Browser, decodeHtml, sessionCookie, signIn } from '../support/web.ts';

type Form = Record<string, string | string[]>;

const DAY = 86_400;
/** Every key of the cooperation pages' catalog: none may ever reach a page untranslated. */
const PAGE_KEYS = Object.keys(es).filter((k) => k.startsWith('coop.ui.'));
/** The text of the page's main element, tags dropped, entities decoded, spaces collapsed. */
const text = (body: string) =>
  decodeHtml((body.includes('<main') ? body.slice(body.indexOf('<main'), body.indexOf('</main>')) : body).replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
const summaryOf = (body: string) => /<div class="error-summary" autofocus[\s\S]*?<\/div>/.exec(body)?.[0] ?? '';

/** Budapest Art. 29(2), as the preservation request's six elements; the custodian is left out at first. */
const CONTENT: Record<string, string> = {
  'requesting-authority': 'Unidad Fiscal Especializada en Ciberdelincuencia, Lima',
  'offence-and-facts': 'Fraude informático (art. 8 Ley 30096): transferencias no autorizadas desde banca en línea.',
  'data-and-link': 'Registros de acceso de la cuenta que recibió los fondos; vínculo directo con el fraude.',
  'custodian-or-location': '',
  necessity: 'El proveedor borra los registros a los 90 días; sin conservación se perderán.',
  'intent-to-request-mla': 'Perú presentará una solicitud de asistencia mutua para obtener los datos.',
};
const CUSTODIAN = 'Proveedor de correo con sede en Madrid que custodia los registros de acceso.';

/** The request form as a person fills it in. */
function requestForm(content: Record<string, string>, extra: Form = {}): Form {
  return {
    requestingAuthority: 'pe-ufec',
    requestedAuthority: 'es-ets185-point-of-contact',
    urgency: 'normal',
    urgencyJustification: '',
    languages: 'es',
    conducts: 'computer-fraud',
    dueAt: '',
    dueZone: 'America/Lima',
    ...Object.fromEntries(Object.entries(content).map(([id, value]) => [`content-${id}`, value])),
    ...extra,
  };
}

for (const dialect of DIALECTS) {
  describe(`cooperation pages on ${dialect}`, () => {
    const clock = new ManualClock('2026-11-24T15:00:00.000Z');
    let t: TestApp;
    let server: FastifyInstance;
    let prosecutor: EnrolledUser;
    let supervisor: EnrolledUser;
    let authority: EnrolledUser;
    let outsider: EnrolledUser;
    let reference = '';
    let incoming = '';

    const browser = (user: EnrolledUser) => signIn(t.app, clock, user);
    const cookie = sessionCookie;
    const get = (url: string, who: Browser) => server.inject({ method: 'GET', url, headers: { cookie: cookie(who) } });
    const post = (url: string, who: Browser, form: Form = {}, csrf = true) => {
      const body = new URLSearchParams();
      if (csrf) body.append('_csrf', who.csrf);
      for (const [name, value] of Object.entries(form)) for (const v of [value].flat()) body.append(name, v);
      return server.inject({
        method: 'POST',
        url,
        headers: { cookie: cookie(who), 'content-type': 'application/x-www-form-urlencoded' },
        payload: body.toString(),
      });
    };
    const noRawKeys = (body: string) => {
      for (const key of PAGE_KEYS) assert.ok(!body.includes(key), `untranslated ${key}`);
      assert.doesNotMatch(body, />\s*(?:coop|cooperation|measure|field|problem)\.[a-z_.-]+\s*</, 'no message key shown as text');
    };
    const step = async (who: Browser, to: string, form: Form = {}) => {
      const res = await post(`/requests/${reference}/steps?lang=es`, who, { to, ...form });
      assert.equal(res.statusCode, 303, `${to}: ${summaryOf(res.body)}`);
      assert.equal(res.headers.location, `/requests/${reference}?lang=es&done=step&to=${to}`);
    };

    before(async () => {
      t = await createTestApp({ dialect, clock });
      server = await buildServer(t.app, { logRequests: false });
      prosecutor = await enrolUser(t.app, clock, { email: 'fiscal@pe.example', orgId: 'fiscalia', roles: ['officer'] });
      supervisor = await enrolUser(t.app, clock, { email: 'jefa@pe.example', orgId: 'fiscalia', roles: ['supervisor'] });
      authority = await enrolUser(t.app, clock, { email: 'ac@pe.example', orgId: 'fiscalia', roles: ['central_authority'] });
      outsider = await enrolUser(t.app, clock, { email: 'otro@pe.example', orgId: 'fiscalia', roles: ['officer', 'supervisor'] });
      await t.app.cases.create(systemActor('test'), {
        reference: 'FRAUDE-1',
        orgId: 'fiscalia',
        title: 'Fraude con banca en línea',
        members: [prosecutor.userId, supervisor.userId, authority.userId],
      });
    });
    after(async () => {
      await server?.close();
      await t?.cleanup();
    });

    it('records the case facts, identifiers and persons from forms posted without JavaScript', async () => {
      const who = await browser(prosecutor);
      const page = await get('/cases/FRAUDE-1?lang=es', who);
      assert.equal(page.statusCode, 200);
      assert.equal(page.headers['cache-control'], 'no-store');
      assert.ok(page.body.includes('<h1>Caso FRAUDE-1</h1>'));
      assert.match(page.body, /<a href="\/cases\/FRAUDE-1\/requests\/new\?lang=es">Nueva solicitud<\/a>/);
      for (const form of page.body.match(/<form method="post"[\s\S]*?<\/form>|<form class="query" method="post"[\s\S]*?<\/form>/g) ?? []) {
        assert.match(form, /<input type="hidden" name="_csrf" value="[^"]+">/, 'every form carries its CSRF token');
      }
      assert.match(page.body, /<input type="checkbox" id="conducts-computer-fraud" name="conducts" value="computer-fraud">/);

      const facts = await post('/cases/FRAUDE-1/facts?lang=es', who, {
        conducts: 'computer-fraud',
        summaryEs: 'Transferencias no autorizadas desde banca en línea.',
        summaryEn: 'Unauthorised transfers from online banking.',
      });
      assert.equal(facts.statusCode, 303);
      assert.equal(facts.headers.location, '/cases/FRAUDE-1?lang=es&done=facts_saved#facts-title');
      const forged = await post('/cases/FRAUDE-1/facts?lang=es', who, { conducts: 'csam' }, false);
      assert.equal(forged.statusCode, 403, 'no CSRF token, no change');

      // An IP address alone names nobody: the form comes back asking for the moment it was seen.
      const noMoment = await post('/cases/FRAUDE-1/identifiers?lang=es', who, {
        kind: 'ip',
        value: '203.0.113.7',
        port: '51234',
        observedAt: '',
        timeZone: 'America/Lima',
        note: '',
      });
      assert.equal(noMoment.statusCode, 422);
      const summary = summaryOf(noMoment.body);
      assert.ok(summary.includes('<a href="#observedAt">'), summary);
      assert.ok(decodeHtml(summary).includes('una IP sin él no identifica a nadie'));
      assert.match(noMoment.body, /id="observedAt"[^>]*aria-invalid="true"/);
      assert.ok(noMoment.body.includes('value="203.0.113.7"'), 'what was typed is kept');
      const ip = await post('/cases/FRAUDE-1/identifiers?lang=es', who, {
        kind: 'ip',
        value: '203.0.113.7',
        port: '51234',
        observedAt: '2026-11-20T14:03',
        timeZone: 'America/Lima',
        note: 'Inicio de sesión',
      });
      assert.equal(ip.statusCode, 303);
      const mail = await post('/cases/FRAUDE-1/identifiers?lang=es', who, {
        kind: 'email',
        value: 'mula@example.com',
        observedAt: '',
        timeZone: 'America/Lima',
      });
      assert.equal(mail.statusCode, 303);
      const person = await post('/cases/FRAUDE-1/persons?lang=es', who, { name: 'Titular de la cuenta receptora', role: 'account-holder', details: '' });
      assert.equal(person.statusCode, 303);

      const details = await t.app.cooperation.caseDetails.get(systemActor('test'), 'fiscalia', 'FRAUDE-1');
      assert.deepEqual(details.conducts, ['computer-fraud']);
      assert.equal(details.summary.en, 'Unauthorised transfers from online banking.');
      const first = details.identifiers.find((i) => i.kind === 'ip');
      const second = details.identifiers.find((i) => i.kind === 'email');
      assert.equal(first?.observedAt, '2026-11-20T14:03:00-05:00', 'the wall clock of the chosen zone, with its offset');
      assert.equal(first?.timeZone, 'America/Lima');
      assert.equal(first?.port, 51234);
      assert.equal(second?.observedAt, null);
      assert.equal(details.persons[0]?.role, 'account-holder');

      const again = await get('/cases/FRAUDE-1?lang=es', who);
      assert.ok(text(again.body).includes('Fraude informático'), 'the conduct by its name');
      assert.ok(again.body.includes('<code>2026-11-20T14:03:00-05:00</code>'));
      assert.ok(text(again.body).includes('Titular de la cuenta'));
    });

    it('drafts through the wizard: ranked bases with citations, the best one chosen, a field per element with its article', async () => {
      const who = await browser(prosecutor);
      const one = await get('/cases/FRAUDE-1/requests/new?lang=es', who);
      assert.equal(one.statusCode, 200);
      assert.match(one.body, /<form class="query" method="get" action="\/cases\/FRAUDE-1\/requests\/new"/);
      assert.match(one.body, /<option value="PE" selected>Perú<\/option>/);

      const same = await get('/cases/FRAUDE-1/requests/new?lang=es&type=preservation&direction=outgoing&requestingState=PE&requestedState=PE', who);
      assert.equal(same.statusCode, 422, 'the same State on both sides');
      assert.ok(summaryOf(same.body).includes('href="#requestedState"'));

      const step1 = '/cases/FRAUDE-1/requests/new?lang=es&type=preservation&direction=outgoing&requestingState=PE&requestedState=ES';
      const bases = await get(step1, who);
      assert.equal(bases.statusCode, 200);
      assert.match(bases.body, /<input type="radio" id="instrument-ETS185" name="instrument" value="ETS185" checked>/, 'rank 1 is chosen');
      assert.ok(text(bases.body).includes('Opción 1: Convenio de Budapest'));
      assert.ok(bases.body.includes('class="citations"'), 'the engine’s citations are shown');

      const two = await get(`${step1}&instrument=ETS185`, who);
      assert.equal(two.statusCode, 200);
      const kb = await t.app.knowledge.snapshot();
      const elements = kb.instruments.get('ETS185')?.measures.find((m) => m.measure === 'preservation')?.mandatoryContent ?? [];
      assert.equal(elements.length, 6);
      for (const e of elements) {
        assert.ok(decodeHtml(two.body).includes(`<label for="content-${e.id}">${e.label.es} (art. ${e.article})</label>`), e.id);
      }
      assert.match(two.body, /<select id="requestingAuthority" name="requestingAuthority"/, 'Peru’s authorities from the directory');
      // Spain's central authority and 24/7 point of contact are in the knowledge base (issue 16): a choice, the 24/7 contact first for preservation.
      assert.match(two.body, /<select id="requestedAuthority" name="requestedAuthority"/, 'Spain’s authorities from the directory');
      assert.match(two.body, /<option value="es-ets185-point-of-contact" selected>/);
      assert.match(two.body, /<input type="checkbox" id="languages-es" name="languages" value="es" checked>/);
      assert.match(two.body, /<input type="checkbox" id="conducts-computer-fraud" name="conducts" value="computer-fraud" checked/, 'the case’s conduct');

      const wizardFields = { type: 'preservation', direction: 'outgoing', requestingState: 'PE', requestedState: 'ES', instrument: 'ETS185' };
      const badDate = await post('/cases/FRAUDE-1/requests?lang=es', who, { ...wizardFields, ...requestForm(CONTENT, { dueAt: '2026-02-30T10:00' }) });
      assert.equal(badDate.statusCode, 422);
      assert.ok(summaryOf(badDate.body).includes('href="#dueAt"'));
      assert.equal((await t.app.cooperation.list(systemActor('test'), 'fiscalia')).length, 0, 'nothing saved');

      const created = await post('/cases/FRAUDE-1/requests?lang=es', who, { ...wizardFields, ...requestForm(CONTENT, { dueAt: '2026-12-01T18:00' }) });
      assert.equal(created.statusCode, 303, summaryOf(created.body));
      const location = String(created.headers.location);
      assert.match(location, /^\/requests\/SOL-2026-\d{5}\?lang=es&done=created$/);
      reference = decodeURIComponent(location.slice('/requests/'.length).split('?')[0] as string);
      const [stored] = await t.app.cooperation.list(systemActor('test'), 'fiscalia');
      assert.equal(stored?.instrument, 'ETS185');
      assert.equal(stored?.requestingAuthority, 'pe-ufec');
      assert.equal(stored?.dueAt, '2026-12-01T18:00:00-05:00');
      assert.deepEqual(stored?.conducts, ['computer-fraud']);

      const page = await get(location, who);
      assert.equal(page.statusCode, 200);
      const gaps = /<section class="error-summary gaps"[\s\S]*?<\/section>/.exec(page.body)?.[0] ?? '';
      assert.deepEqual(
        [...gaps.matchAll(/<a href="#([^"]+)">/g)].map((m) => m[1]),
        ['content-custodian-or-location'],
        'one gap, linked to its field',
      );
      assert.ok(decodeHtml(gaps).includes('(art. 29(2)(d), Convenio de Budapest)'));
      assert.match(page.body, /<textarea id="content-custodian-or-location" name="content-custodian-or-location"/, 'the field the gap links to');
      assert.ok(text(page.body).includes('Solicitud guardada.'));
      assert.ok(text(page.body).includes('Unidad Fiscal Especializada en Ciberdelincuencia (UFEC)'), 'the authority by its name');
    });

    it('re-renders the request page with every problem of a rejected step, in the reader’s language', async () => {
      const who = await browser(prosecutor);
      const incomplete = await post(`/requests/${reference}/steps?lang=es`, who, { to: 'pending_approval' });
      assert.equal(incomplete.statusCode, 422);
      const summary = summaryOf(incomplete.body);
      assert.ok(summary.includes('<a href="#content-custodian-or-location">'), summary);
      assert.ok(decodeHtml(summary).includes('Falta «Información disponible que identifique al custodio'));
      assert.ok(decodeHtml(summary).includes('art. 29(2)(d)'));

      const english = await post(`/requests/${reference}/steps?lang=en`, who, { to: 'pending_approval' });
      assert.equal(english.statusCode, 422);
      assert.match(english.body, /<html lang="en">/);
      assert.ok(decodeHtml(summaryOf(english.body)).includes('Missing: "Any available information identifying the custodian'));
      noRawKeys(english.body);

      // The drafter may not approve (their role lacks it, and four eyes would refuse it anyway).
      const approve = await post(`/requests/${reference}/steps?lang=es`, who, { to: 'approved' });
      assert.equal(approve.statusCode, 403);
      assert.ok(summaryOf(approve.body).includes('Su papel no le permite dar este paso.'));

      const filled = await post(
        `/requests/${reference}?lang=es`,
        who,
        requestForm({ ...CONTENT, 'custodian-or-location': CUSTODIAN }, { instrument: 'ETS185', dueAt: '2026-12-01T18:00' }),
      );
      assert.equal(filled.statusCode, 303, summaryOf(filled.body));
      assert.equal(filled.headers.location, `/requests/${reference}?lang=es&done=saved#summary-title`);
      const page = await get(`/requests/${reference}?lang=es`, who);
      assert.doesNotMatch(page.body, /class="error-summary gaps"/, 'nothing missing any more');
      await step(who, 'pending_approval');
    });

    it('takes the request through approval, sending and the answer; the documents carry Art. 29(2)', async () => {
      const boss = await browser(supervisor);
      const pending = await get(`/requests/${reference}?lang=es`, boss);
      assert.match(pending.body, /<button type="submit" id="step-approved">Aprobar/);
      assert.doesNotMatch(pending.body, /id="edit-submit"/, 'no edit form while it waits for approval');
      // A step the lifecycle does not have from here: 409, the possible steps named in the reader's language.
      const early = await post(`/requests/${reference}/steps?lang=es`, boss, { to: 'sent' });
      assert.equal(early.statusCode, 409);
      assert.ok(
        decodeHtml(summaryOf(early.body)).includes(
          'La solicitud no puede pasar de «Pendiente de aprobación» a «Enviada». Pasos posibles: Aprobada, Borrador, Retirada.',
        ),
        summaryOf(early.body),
      );
      await step(boss, 'approved');
      const ac = await browser(authority);
      await step(ac, 'sent');

      const page = await get(`/requests/${reference}?lang=es`, ac);
      const view = await t.app.cooperation.get(systemActor('test'), 'fiscalia', reference);
      const v1 = view.versions[0];
      assert.ok(v1 && v1.ledgerIndex !== null);
      assert.ok(page.body.includes(`<a href="/ledger?index=${v1.ledgerIndex}&amp;lang=es">${v1.ledgerIndex}</a>`), 'the ledger entry of version 1');
      assert.ok(page.body.includes(`<code>sha256:${v1.contentHash}</code>`));
      assert.ok(text(page.body).includes('Modificar la solicitud (nueva versión)'), 'after sending, a change is an amendment');
      assert.match(text(page.body), /Aprobada → Enviada ac .* PET \(UTC-05:00\)/, 'who and when, with the offset');

      const kb = await t.app.knowledge.snapshot();
      const elements = kb.instruments.get('ETS185')?.measures.find((m) => m.measure === 'preservation')?.mandatoryContent ?? [];
      for (const locale of ['es', 'en'] as const) {
        const pdf = await get(`/requests/${reference}/document.pdf?lang=${locale}`, ac);
        assert.equal(pdf.statusCode, 200);
        assert.equal(pdf.headers['content-type'], 'application/pdf');
        assert.match(String(pdf.headers['content-disposition']), new RegExp(`^attachment; filename="${reference}-v1-${locale}.pdf"`));
        const pdfText = (await pageTexts(pdf.rawPayload)).join('\n').replace(/\s+/g, ' ');
        for (const e of elements) assert.ok(pdfText.includes(e.label[locale].slice(0, 20)), `${locale}: ${e.id}`);
        assert.match(pdfText, new RegExp(`CUST-${v1.ledgerIndex}-`));
      }
      const htmlCopy = await get(`/requests/${reference}/document.html?lang=es`, ac);
      assert.equal(htmlCopy.statusCode, 200);
      assert.match(String(htmlCopy.headers['content-disposition']), /^attachment;/, 'saved, never rendered under this site');
      assert.ok(decodeHtml(htmlCopy.body).includes(CUSTODIAN));

      // Spain answers two days later.
      clock.advance(2 * DAY);
      const later = await browser(authority);
      for (const to of ['received', 'in_execution', 'executed']) await step(later, to);
      const executed = await get(`/requests/${reference}?lang=es&done=step&to=executed`, later);
      assert.ok(text(executed.body).includes('La solicitud pasó a «Ejecutada».'));
      assert.match(text(executed.body), /Conservación por un período no inferior a 60 días .* art\. 29\(7\) .*PET \(UTC-05:00\) no Corriendo/);
      assert.ok(executed.body.includes('Crear solicitud de seguimiento'));
      assert.match(
        executed.body,
        /href="\/cases\/FRAUDE-1\/requests\/new\?parentReference=SOL-2026-\d{5}&amp;direction=outgoing&amp;requestingState=PE&amp;requestedState=ES&amp;type=mutual-legal-assistance&amp;lang=es"/,
      );
    });

    it('registers an incoming request and asks for the reason and the grounds of a refusal', async () => {
      const ac = await browser(authority);
      const registered = await post('/cases/FRAUDE-1/requests?lang=es', ac, {
        type: 'preservation',
        direction: 'incoming',
        requestingState: 'ES',
        requestedState: 'PE',
        instrument: 'ETS185',
        ...requestForm(
          { ...CONTENT, 'custodian-or-location': CUSTODIAN },
          { requestingAuthority: 'Juzgado de Madrid', requestedAuthority: 'pe-central-authority' },
        ),
      });
      assert.equal(registered.statusCode, 303, summaryOf(registered.body));
      incoming = decodeURIComponent(String(registered.headers.location).slice('/requests/'.length).split('?')[0] as string);
      const page = await get(`/requests/${incoming}?lang=es`, ac);
      assert.ok(text(page.body).includes('Recibida'));
      const grounds = page.body.match(/name="grounds" value="[^"]+"/g) ?? [];
      assert.equal(grounds.length, 4, 'the grounds the Budapest Convention provides');

      const bare = await post(`/requests/${incoming}/steps?lang=es`, ac, { to: 'refused', reason: '' });
      assert.equal(bare.statusCode, 422);
      const summary = summaryOf(bare.body);
      assert.ok(summary.includes('<a href="#step-refused-reason">'), summary);
      assert.ok(summary.includes('<a href="#step-refused-grounds">'), summary);
      assert.match(bare.body, /id="step-refused-reason"[^>]*aria-invalid="true"/);
      const refused = await post(`/requests/${incoming}/steps?lang=es`, ac, {
        to: 'refused',
        reason: 'Afecta a intereses esenciales',
        grounds: 'essential-interests',
      });
      assert.equal(refused.statusCode, 303, summaryOf(refused.body));
      const after = await get(`/requests/${incoming}?lang=es`, ac);
      assert.ok(text(after.body).includes('Perjuicio probable a la soberanía'), 'the ground by its label in the history');
    });

    it('shows the reminder before the preservation lapses, then the overdue deadline, on the dashboard', async () => {
      clock.advance(55 * DAY);
      await t.app.cooperation.runDueJobs();
      const who = await browser(prosecutor);
      const board = await get('/cooperation/dashboard?lang=es', who);
      assert.equal(board.statusCode, 200);
      const body = text(board.body);
      assert.ok(body.includes('Avisos (1 sin leer)'), body.slice(0, 2000));
      assert.match(
        body,
        new RegExp(
          `Nuevo: Queda una semana: «Conservación por un período no inferior a 60 días[^»]*» de la solicitud ${reference} \\(caso FRAUDE-1\\) vence el .* PET \\(UTC-05:00\\)`,
        ),
      );
      assert.match(body, new RegExp(`Vencen en los próximos 7 días \\(1\\) .*${reference}`));
      const id = /<input type="hidden" name="id" value="([^"]+)">/.exec(board.body)?.[1] as string;
      const read = await post('/cooperation/notifications/read?lang=es', who, { id });
      assert.equal(read.statusCode, 303);
      assert.ok(text((await get('/cooperation/dashboard?lang=es', who)).body).includes('Avisos (0 sin leer)'));

      clock.advance(6 * DAY);
      const late = await browser(prosecutor);
      const overdue = await get('/cooperation/dashboard?lang=es', late);
      assert.match(overdue.body, /<tr class="overdue">/);
      assert.match(text(overdue.body), new RegExp(`Vencidos \\(1\\) .*${reference}.* Vencido`));
      const page = await get(`/requests/${reference}?lang=es`, late);
      assert.match(text(page.body), /Atención Plazo vencido: Conservación por un período no inferior a 60 días/, 'the request page warns');
      assert.match(page.body, /<tr class="overdue">/);
    });

    it('lists the requests with filters, and shows the statistics as tables, SVG charts and CSV', async () => {
      const who = await browser(prosecutor);
      const all = await get('/requests?lang=es', who);
      assert.equal(all.statusCode, 200);
      assert.ok(all.body.includes(`>${reference}</a>`) && all.body.includes(`>${incoming}</a>`));
      const executed = await get('/requests?lang=es&state=executed&direction=outgoing&case=FRAUDE-1', who);
      assert.ok(executed.body.includes(`>${reference}</a>`));
      assert.ok(!executed.body.includes(`>${incoming}</a>`));
      const wrong = await get('/requests?lang=es&state=nonsense', who);
      assert.equal(wrong.statusCode, 422);
      assert.ok(summaryOf(wrong.body).includes('href="#state"'));
      assert.equal((await get('/cooperation/statistics?lang=es', who)).statusCode, 403, 'an officer does not see the statistics');

      const boss = await browser(supervisor);
      const stats = await get('/cooperation/statistics?lang=es', boss);
      assert.equal(stats.statusCode, 200);
      assert.match(
        stats.body,
        /<svg class="chart" role="img" aria-labelledby="by-type-svg-title"[^>]*>\s*<title id="by-type-svg-title">Número de solicitudes por tipo<\/title>/,
      );
      assert.equal((stats.body.match(/<svg class="chart" role="img"/g) ?? []).length, 4, 'type, State, outcome and time to answer');
      assert.doesNotMatch(stats.body, /<script(?![^>]*\ssrc=)|\sstyle="/, 'no inline script or style');
      const cube = /<section aria-labelledby="cube-title">[\s\S]*?<\/section>/.exec(stats.body)?.[0] ?? '';
      assert.match(text(cube), /conservación rápida de datos Saliente \(la pedimos\) España Ejecutada 1 1 2 2/);
      assert.match(text(cube), /conservación rápida de datos Entrante \(nos la piden\) España Denegada 1 1/);
      assert.ok(stats.body.includes('href="/cooperation/statistics.csv"'));

      const csv = await get('/cooperation/statistics.csv', boss);
      assert.equal(csv.statusCode, 200);
      assert.equal(csv.headers['content-type'], 'text/csv; charset=utf-8');
      assert.match(String(csv.headers['content-disposition']), /^attachment;/);
      assert.ok(csv.body.startsWith('type,direction,state,outcome,count,answered,median_days_to_answer,p90_days_to_answer\r\n'));
      assert.ok(csv.body.includes('preservation,outgoing,ES,executed,1,1,2,2\r\n'));

      const empty = await get('/cooperation/statistics?lang=en&from=2030-01-01', boss);
      assert.ok(text(empty.body).includes('No requests in this period.'));
      assert.doesNotMatch(text(empty.body), /Total: 0/, 'an empty period is said once, with no empty blocks');
      const one = await get('/cooperation/statistics?lang=es&from=2026-11-25', boss);
      assert.ok(text(one.body).includes('Total: 1 solicitud.'), 'the incoming request alone, in the singular');
      const bad = await get('/cooperation/statistics?lang=en&from=2026-13-01', boss);
      assert.equal(bad.statusCode, 422);
      assert.ok(summaryOf(bad.body).includes('href="#from"'));
    });

    it('tells someone not on the case’s access list that none of it exists', async () => {
      const who = await browser(outsider);
      for (const url of [
        '/cases/FRAUDE-1?lang=es',
        '/cases/FRAUDE-1/requests/new?lang=es',
        `/requests/${reference}?lang=es`,
        `/requests/${reference}/document.pdf?lang=es`,
        `/requests/${reference}/document.html?lang=es`,
      ]) {
        const res = await get(url, who);
        assert.equal(res.statusCode, 404, url);
        assert.ok(!res.body.includes('FRAUDE-1') || url.startsWith('/cases'), 'nothing of the case leaks');
      }
      for (const [url, form] of [
        [`/requests/${reference}/steps?lang=es`, { to: 'closed' }],
        [`/requests/${reference}?lang=es`, requestForm(CONTENT)],
        ['/cases/FRAUDE-1/facts?lang=es', { conducts: 'csam' }],
        ['/cases/FRAUDE-1/identifiers?lang=es', { kind: 'email', value: 'x@example.com' }],
        ['/cases/FRAUDE-1/persons?lang=es', { name: 'X', role: 'other' }],
        ['/cases/FRAUDE-1/requests?lang=es', { type: 'preservation', requestingState: 'PE', requestedState: 'ES', instrument: 'ETS185' }],
      ] as const) {
        const res = await post(url, who, form as Form);
        assert.equal(res.statusCode, 404, url);
      }
      const list = await get('/requests?lang=es', who);
      assert.ok(!list.body.includes(reference), 'not in the list either');
      assert.equal((await get('/requests?lang=es&case=FRAUDE-1', who)).statusCode, 422);
      const board = await get('/cooperation/dashboard?lang=es', who);
      assert.ok(!board.body.includes(reference));
    });

    it('renders every page in Spanish and English, every string translated', async () => {
      const who = await browser(supervisor);
      const pages: Array<[string, string, string]> = [
        ['/cases/FRAUDE-1', 'Caso FRAUDE-1', 'Case FRAUDE-1'],
        ['/cases/FRAUDE-1/requests/new', 'Nueva solicitud — caso FRAUDE-1', 'New request — case FRAUDE-1'],
        [
          '/cases/FRAUDE-1/requests/new?type=preservation&requestingState=PE&requestedState=ES',
          'Nueva solicitud — caso FRAUDE-1',
          'New request — case FRAUDE-1',
        ],
        [
          '/cases/FRAUDE-1/requests/new?type=preservation&requestingState=PE&requestedState=ES&instrument=ETS185',
          'Nueva solicitud — caso FRAUDE-1',
          'New request — case FRAUDE-1',
        ],
        [`/requests/${reference}`, `Solicitud ${reference}`, `Request ${reference}`],
        [`/requests/${incoming}`, `Solicitud ${incoming}`, `Request ${incoming}`],
        ['/requests', 'Solicitudes', 'Requests'],
        ['/cooperation/dashboard', 'Plazos', 'Deadlines'],
        ['/cooperation/statistics', 'Estadísticas de cooperación', 'Cooperation statistics'],
      ];
      for (const [path, spanish, english] of pages) {
        for (const [lang, heading] of [
          ['es', spanish],
          ['en', english],
        ] as const) {
          const res = await get(`${path}${path.includes('?') ? '&' : '?'}lang=${lang}`, who);
          assert.equal(res.statusCode, 200, `${path} ${lang}`);
          assert.match(res.body, new RegExp(`<html lang="${lang}">`));
          assert.ok(res.body.includes(`<h1>${heading}</h1>`), `${path} ${lang} heading`);
          assert.doesNotMatch(res.body, /<script(?![^>]*\ssrc=)|\sstyle="/, 'no inline script or style');
          assert.match(
            res.body,
            lang === 'es' ? /<a href="\/cooperation\/dashboard\?lang=es">Plazos<\/a>/ : /<a href="\/cooperation\/dashboard\?lang=en">Deadlines<\/a>/,
          );
          assert.match(res.body, /<a href="\/cooperation\/statistics\?lang=\w\w">/, 'the navigation links to the statistics');
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
