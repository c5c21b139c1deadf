import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { statisticsBody } from '../../src/http/web/pages/cooperation-stats.ts';
import { en } from '../../src/i18n/en.ts';
import { es } from '../../src/i18n/es.ts';
import { type Locale, t as translate } from '../../src/i18n/index.ts';
import type { Statistics } from '../../src/modules/cooperation/index.ts';
import { PERMISSIONS } from '../../src/modules/identity/index.ts';
import type { KnowledgeSnapshot } from '../../src/modules/knowledge/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { enrolUser, ManualClock } from '../support/identity.ts';
import { decodeHtml, sessionCookie, signIn } from '../support/web.ts';

// Issue 17, "Words and numbers": counted words take the CLDR plural form of their number, the statistics
// say their total once and every empty block says why from that same total; the API-token page names
// permissions in words; the legal tools mark their required fields and ask for an empty one.

const text = (body: string) =>
  decodeHtml((body.includes('<main') ? body.slice(body.indexOf('<main'), body.indexOf('</main>')) : body).replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();

/** A period with one request, sent and not answered yet: the case the tester met. */
const ONE_PENDING: Statistics = {
  from: null,
  to: null,
  total: 1,
  rows: [{ type: 'preservation', direction: 'outgoing', state: 'ES', outcome: 'pending', count: 1, answered: 0, medianDays: null, p90Days: null }],
  byType: [{ key: 'preservation', count: 1 }],
  byState: [{ key: 'ES', count: 1 }],
  byOutcome: [{ key: 'pending', count: 1 }],
  timeToAnswer: [],
};
const NONE: Statistics = { from: null, to: null, total: 0, rows: [], byType: [], byState: [], byOutcome: [], timeToAnswer: [] };

describe('words and numbers (issue 17)', () => {
  const clock = new ManualClock('2026-11-24T15:00:00.000Z');
  let t: TestApp;
  let server: FastifyInstance;
  let snap: KnowledgeSnapshot;
  before(async () => {
    t = await createTestApp({ clock });
    server = await buildServer(t.app, { logRequests: false });
    await server.ready();
    snap = await t.app.knowledge.snapshot();
  });
  after(async () => {
    await server.close();
    await t.cleanup();
  });

  it('statistics of one unanswered request: "1 solicitud", and the empty time block says it is not answered yet', () => {
    const esText = text(statisticsBody('es', snap, ONE_PENDING, '').value);
    assert.match(esText, /^Total: 1 solicitud\. /);
    assert.match(esText, /Tiempo de respuesta La solicitud de este periodo aún no tiene respuesta\./);
    assert.doesNotMatch(esText, /1 solicitudes|No hay solicitudes/);
    const enText = text(statisticsBody('en', snap, ONE_PENDING, '').value);
    assert.match(enText, /^Total: 1 request\. /);
    assert.match(enText, /Time to answer The request in this period has no answer yet\./);
    assert.doesNotMatch(enText, /1 requests|No requests/);

    const three = { ...ONE_PENDING, total: 3, byType: [{ key: 'preservation', count: 3 }] };
    assert.match(
      text(statisticsBody('es', snap, three, '').value),
      /^Total: 3 solicitudes\. .*Ninguna de las 3 solicitudes de este periodo tiene respuesta aún\./,
    );
  });

  it('statistics of an empty period: said once, from the total, with no empty blocks', () => {
    for (const [locale, said] of [
      ['es', 'No hay solicitudes en este periodo.'],
      ['en', 'No requests in this period.'],
    ] as const) {
      const body = text(statisticsBody(locale, snap, NONE, '').value);
      assert.equal(body, said);
    }
  });

  it('days to answer: "1 día" for one day, "días" otherwise, chosen on the number as shown', () => {
    const answered = (median: number): Statistics => ({
      ...ONE_PENDING,
      rows: [{ ...(ONE_PENDING.rows[0] as Statistics['rows'][number]), outcome: 'executed', answered: 1, medianDays: median, p90Days: median }],
      timeToAnswer: [{ key: 'preservation', answered: 1, medianDays: median, p90Days: median }],
    });
    assert.match(statisticsBody('es', snap, answered(1), '').value, />1 día</);
    assert.match(statisticsBody('en', snap, answered(1.01), '').value, />1 day</, 'rounded to 1 as shown, so singular');
    assert.match(statisticsBody('es', snap, answered(2.5), '').value, />2[.,]5 días</);
    assert.match(statisticsBody('en', snap, answered(1.5), '').value, />1\.5 days</);
  });

  it('the counted messages of the cooperation, evidence and request pages (and their CLI) choose their plural form', () => {
    const t1 = (locale: Locale, key: string, params: Record<string, number | string>) => translate(locale, key, params);
    assert.equal(t1('es', 'evidence.ui.verify.summary', { reference: 'C-1', items: 1, events: 1 }), 'Caso C-1; 1 evidencia; 1 evento de custodia.');
    assert.equal(t1('en', 'evidence.ui.verify.summary', { reference: 'C-1', items: 2, events: 1 }), 'Case C-1; 2 evidence items; 1 custody event.');
    assert.equal(t1('es', 'evidence.ui.verify.failed', { count: 1 }), 'PAQUETE NO VÁLIDO: 1 problema.');
    assert.equal(t1('es', 'evidence.ui.bytes', { count: 1 }), '1 byte');
    assert.equal(t1('en', 'evidence.ui.bytes', { count: 4194304 }), '4,194,304 bytes');
    assert.equal(t1('es', 'evidence.cli.package_ok', { items: 1, events: 3 }), 'Paquete válido: 1 evidencia, 3 eventos de custodia con pruebas verificadas.');
    assert.match(t1('es', 'evidence.ui.custody.caption', { exhibit: 'E-1', count: 1, size: 9, tz: 'America/Lima' }), /: 1 evento;/);
    assert.equal(t1('es', 'coop.ui.requests.caption', { count: 1, tz: 'America/Lima' }), '1 solicitud; horas en America/Lima');
    assert.equal(t1('es', 'requests.cli.total', { total: 1 }), '1 solicitud contada (sin borradores).');
    // The principle, over the catalogs of these areas: no count is written straight before a noun.
    const functionWords = new Set(['de', 'of', 'sin', 'unread']);
    for (const catalog of [es, en]) {
      for (const [key, message] of Object.entries(catalog)) {
        if (!/^(coop\.ui|evidence\.ui|evidence\.cli|requests\.cli)\./.test(key)) continue;
        for (const m of message.matchAll(/\{(count|items|events|total|n)\} (\p{L}+)/gu)) {
          assert.ok(functionWords.has(m[2] as string), `${key}: "${m[0]}" needs a plural form`);
        }
      }
    }
  });

  it('the API-token page names every permission in words, in both languages', async () => {
    for (const permission of Object.keys(PERMISSIONS)) {
      for (const [name, catalog] of [
        ['es', es],
        ['en', en],
      ] as const) {
        assert.ok(Object.hasOwn(catalog, `permission.${permission}`), `${name}: no label for ${permission}`);
      }
    }
    const supervisor = await enrolUser(t.app, clock, { email: 'jefa@fiscalia.example', orgId: 'fiscalia', roles: ['supervisor'] });
    const who = await signIn(t.app, clock, supervisor);
    for (const [lang, label] of [
      ['es', 'Abrir casos'],
      ['en', 'Open cases'],
    ] as const) {
      const res = await server.inject({ method: 'GET', url: `/account?lang=${lang}`, headers: { cookie: sessionCookie(who) } });
      assert.equal(res.statusCode, 200);
      const page = text(res.body);
      assert.ok(page.includes(`${label} (cases.create)`), `${lang}: the permission has its label`);
      for (const permission of Object.keys(PERMISSIONS)) assert.ok(!page.includes(`${permission} (${permission})`), `${lang}: ${permission} shown raw`);
    }
  });

  it('the legal finder marks its required fields and asks for an empty one, in Spanish and English', async () => {
    const form = await server.inject({ method: 'GET', url: '/legal/finder?lang=es' });
    assert.match(form.body, /<label for="measure">Tipo de solicitud \(obligatorio\)<\/label>/);
    assert.match(form.body, /<select id="measure" name="measure" required/);
    assert.match(form.body, /<select id="requested" name="requested" required/);

    const empty = await server.inject({ method: 'GET', url: '/legal/finder?lang=es&measure=&requesting=PE&requested=&on=' });
    assert.equal(empty.statusCode, 422);
    assert.match(empty.body, /<li><a href="#measure">Elija un tipo de solicitud\.<\/a><\/li>/);
    assert.match(empty.body, /<li><a href="#requested">Elija el Estado requerido\.<\/a><\/li>/);
    assert.doesNotMatch(empty.body, /desconocido: «»/);
    const emptyEn = await server.inject({ method: 'GET', url: '/legal/finder?lang=en&measure=&requesting=PE&requested=ES&on=' });
    assert.match(emptyEn.body, /<p class="field-error" id="measure-error">Choose a request type\.<\/p>/);
    assert.match(emptyEn.body, /<label for="measure">Request type \(required\)<\/label>/);
    // A value given but unknown is still named as such.
    const wrong = await server.inject({ method: 'GET', url: '/legal/finder?lang=es&measure=bogus&requesting=PE&requested=ES&on=' });
    assert.match(wrong.body, /Tipo de solicitud desconocido: «bogus»/);
  });

  it('the dual-criminality page does the same', async () => {
    const empty = await server.inject({ method: 'GET', url: '/legal/dual-criminality?lang=es&check=1&requesting=PE&requested=&measure=&instrument=&on=' });
    assert.equal(empty.statusCode, 422);
    const summary = /<div class="error-summary"[\s\S]*?<\/div>/.exec(empty.body)?.[0] ?? '';
    for (const said of ['Indique al menos una conducta.', 'Elija el Estado requerido.', 'Elija un tipo de solicitud.', 'Elija un instrumento.']) {
      assert.ok(summary.includes(said), said);
    }
    assert.doesNotMatch(empty.body, /desconocido: «»/);
    assert.match(empty.body, /<legend>Conducta \(obligatorio\)<\/legend>/);
    assert.match(empty.body, /<select id="instrument" name="instrument" required/);
    const en = await server.inject({
      method: 'GET',
      url: '/legal/dual-criminality?lang=en&check=1&conducts=computer-fraud&requesting=PE&requested=ES&measure=&instrument=ETS185',
    });
    assert.match(en.body, /<p class="field-error" id="measure-error">Choose a request type\.<\/p>/);
  });
});
