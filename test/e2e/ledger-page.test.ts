import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { enrolUser, ManualClock } from '../support/identity.ts';
import { type Browser, sessionCookie, signIn } from '../support/web.ts';

describe('ledger page', () => {
  let t: TestApp;
  let server: FastifyInstance;
  let size: number;
  let signedIn: Browser | undefined;
  const clock = new ManualClock();
  // Entries naming no organisation are for anyone signed in (need-to-know is tested in public-ledger.test.ts).
  // Enrolled once the checkpoint test has run: enrolment writes entries of its own.
  const reader = async () => {
    signedIn ??= await signIn(t.app, clock, await enrolUser(t.app, clock, { email: 'lectora@pe.example', orgId: 'fiscalia', roles: ['officer'] }));
    return signedIn;
  };

  before(async () => {
    // The shipped knowledge-base import already wrote entry 0.
    t = await createTestApp({ clock });
    await t.app.ledger.append([
      { type: 'case.opened', subjects: ['case:abc'], actor: 'fiscal@example.org', data: { note: 'first <b>' } },
      {
        type: 'evidence.acquired',
        subjects: ['case:abc', 'exhibit:1'],
        actor: 'perito@example.org',
        hashes: { image: `sha256:${'a'.repeat(64)}` },
        refs: [1],
        data: { media: 'usb', bytes: 1024, sealed: true, seal: null },
      },
      { type: 'evidence.transferred', subjects: ['exhibit:1'], actor: 'custodio@example.org', refs: [2] },
    ]);
    await t.app.ledger.publish();
    size = await t.app.ledger.size();
    server = await buildServer(t.app, { logRequests: false });
    await server.ready();
  });
  after(async () => {
    await server.close();
    await t.cleanup();
  });

  it('shows the checkpoint size and the verifier key, in Spanish and in English', async () => {
    assert.equal(size, 4);
    const signed = await t.app.ledger.signedCheckpoint();
    assert.equal(signed?.checkpoint.size, 4);
    const vkey = t.app.ledger.vkey();
    const es = await server.inject({ method: 'GET', url: '/ledger' });
    assert.equal(es.statusCode, 200);
    assert.match(es.body, /<html lang="es">/);
    assert.match(es.body, /<h1>Registro de custodia<\/h1>/);
    assert.match(es.body, /<a href="\/ledger\?lang=es" aria-current="page">Registro de custodia<\/a>/);
    assert.match(es.body, /<dd data-testid="checkpoint-size">4<\/dd>/);
    assert.ok(es.body.includes(`<code class="vkey">${vkey}</code>`), 'vkey shown');
    assert.match(es.body, /tribunal o una autoridad extranjera/);
    assert.ok(es.body.includes(Buffer.from(signed?.checkpoint.root ?? []).toString('base64')), 'root shown');
    assert.match(es.body, /<pre class="ledger-note">/);
    assert.match(es.body, /href="\/ledger\/checkpoint"/);
    assert.match(es.body, /href="https:\/\/c2sp.org\/tlog-tiles"/);
    assert.match(es.body, /<input type="hidden" name="lang" value="es">/);
    assert.match(es.body, /<label for="index">/);
    assert.match(es.body, /<label for="subject">/);
    assert.doesNotMatch(es.body, /<script|style="/);

    const en = await server.inject({ method: 'GET', url: '/ledger?lang=en' });
    assert.equal(en.statusCode, 200);
    assert.match(en.body, /<html lang="en">/);
    assert.match(en.body, /<h1>Custody ledger<\/h1>/);
    assert.match(en.body, /<dd data-testid="checkpoint-size">4<\/dd>/);
    assert.ok(en.body.includes(`<code class="vkey">${vkey}</code>`));
    assert.match(en.body, /a court or a foreign authority/);
    assert.match(en.body, /<input type="hidden" name="lang" value="en">/);
  });

  it('shows anyone an entry’s blinded leaf and inclusion proof, and its details only to a signed-in reader', async () => {
    const anonymous = await server.inject({ method: 'GET', url: '/ledger?index=2&subject=&lang=es' });
    assert.equal(anonymous.statusCode, 200);
    assert.match(anonymous.body, /<h2 id="entry-title">Entrada 2<\/h2>/);
    assert.match(anonymous.body, /<code>evidence\.acquired<\/code>/);
    assert.match(anonymous.body, /<dt>Compromiso con los detalles<\/dt><dd><code>sha256:[0-9a-f]{64}<\/code>/);
    assert.doesNotMatch(anonymous.body, /perito@example\.org|exhibit:1|a{64}|usb/);
    assert.match(anonymous.body, /<div class="notice" role="status"><p>Los detalles de esta entrada solo se muestran a quien puede leer/);
    assert.match(anonymous.body, /href="\/login\?next=%2Fledger%3Findex%3D2&amp;lang=es">Iniciar sesión<\/a>/);
    assert.match(anonymous.body, /Prueba de inclusión verificada/);
    assert.match(anonymous.body, /href="\/api\/v1\/ledger\/entries\/2\/proof-bundle"/);
    const publicCommand = `npx custodia ledger verify-proof custodia-entry-2.tlog-proof --vkey &#39;${t.app.ledger.vkey()}&#39;</code>`;
    assert.ok(anonymous.body.includes(publicCommand), 'offline verification command');

    const res = await server.inject({ method: 'GET', url: '/ledger?index=2&subject=&lang=es', headers: { cookie: sessionCookie(await reader()) } });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /perito@example\.org/);
    assert.match(res.body, /<code>sha256:a{64}<\/code>/);
    assert.match(res.body, /<a href="\/ledger\?index=1&amp;lang=es">Entrada 1<\/a>/);
    assert.match(res.body, /<a href="\/ledger\?subject=exhibit%3A1&amp;lang=es"><code>exhibit:1<\/code><\/a>/);
    assert.match(res.body, /<dt>media<\/dt><dd>usb<\/dd>/);
    assert.match(res.body, /<dt>Sal<\/dt><dd><code>[A-Za-z0-9+/]{43}=<\/code>/);
    assert.match(res.body, /href="\/api\/v1\/ledger\/entries\/2\/disclosure"/);
    assert.match(res.body, /<ol class="proof-hashes">/);
    const command = `npx custodia ledger verify-proof custodia-entry-2.tlog-proof --vkey &#39;${t.app.ledger.vkey()}&#39; --disclosure custodia-entry-2.disclosure.json`;
    assert.ok(res.body.includes(command), 'offline verification command with the disclosure');

    const first = await server.inject({ method: 'GET', url: '/ledger?index=1&lang=en', headers: { cookie: sessionCookie(await reader()) } });
    assert.equal(first.statusCode, 200);
    assert.match(first.body, /Inclusion proof verified/);
    assert.match(first.body, /first &lt;b&gt;/, 'entry data is escaped');
  });

  it('looks up a subject only for a signed-in reader, listing the entries they may read', async () => {
    const anonymous = await server.inject({ method: 'GET', url: '/ledger?index=&subject=case%3Aabc' });
    assert.equal(anonymous.statusCode, 200);
    assert.match(anonymous.body, /es información del caso: inicie sesión/);
    assert.doesNotMatch(anonymous.body, /Entrada 1/);

    const res = await server.inject({ method: 'GET', url: '/ledger?index=&subject=case%3Aabc', headers: { cookie: sessionCookie(await reader()) } });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Entradas sobre case:abc/);
    assert.match(res.body, /<li><a href="\/ledger\?index=1&amp;lang=es">Entrada 1<\/a><\/li><li><a href="\/ledger\?index=2&amp;lang=es">Entrada 2<\/a><\/li>/);

    const unknown = await server.inject({ method: 'GET', url: '/ledger?subject=case%3Anope&lang=en', headers: { cookie: sessionCookie(await reader()) } });
    assert.equal(unknown.statusCode, 200);
    assert.match(unknown.body, /No entries about case:nope\./);
  });

  it('answers 422 with the error summary for an index that is not a non-negative integer', async () => {
    for (const bad of ['abc', '-1', '1.5']) {
      const res = await server.inject({ method: 'GET', url: `/ledger?index=${encodeURIComponent(bad)}` });
      assert.equal(res.statusCode, 422, bad);
      assert.match(res.body, /<div class="error-summary" role="alert"/);
      assert.match(res.body, /<a href="#index">El índice debe ser un número entero no negativo/);
      assert.match(res.body, /<p class="field-error" id="index-error">/);
      assert.match(
        res.body,
        /<input type="text" id="index" name="index" value="[^"]*" autocomplete="off" aria-describedby="index-hint index-error" aria-invalid="true">/,
      );
      assert.match(res.body, /<title>Error: Registro de custodia · Custodia<\/title>/);
    }
  });

  it('answers 422 for an index beyond the tree', async () => {
    const now = await t.app.ledger.size();
    const res = await server.inject({ method: 'GET', url: `/ledger?index=${now}&lang=en` });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /role="alert"/);
    assert.ok(res.body.includes(`<a href="#index">Index outside the tree: &quot;${now}&quot; (size ${now}).</a>`));
    assert.doesNotMatch(res.body, /id="entry-title"/);
  });

  it('serves the proof bundle the page links to', async () => {
    const page = await server.inject({ method: 'GET', url: '/ledger?index=3' });
    const link = /href="(\/api\/v1\/ledger\/entries\/3\/proof-bundle)"/.exec(page.body)?.[1];
    assert.ok(link, 'bundle link');
    const res = await server.inject({ method: 'GET', url: link });
    assert.equal(res.statusCode, 200);
    assert.ok(res.body.startsWith('c2sp.org/tlog-proof@v1'), res.body.slice(0, 80));
  });
});

describe('ledger page on an empty log', () => {
  let t: TestApp;
  let server: FastifyInstance;

  before(async () => {
    t = await createTestApp({ load: false });
    server = await buildServer(t.app, { logRequests: false });
    await server.ready();
  });
  after(async () => {
    await server.close();
    await t.cleanup();
  });

  it('says the log is empty, and an index lookup is out of range', async () => {
    const res = await server.inject({ method: 'GET', url: '/ledger' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /El registro está vacío/);
    const lookup = await server.inject({ method: 'GET', url: '/ledger?index=0' });
    assert.equal(lookup.statusCode, 422);
  });
});
