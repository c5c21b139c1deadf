// Issue 17, "Getting started": a code used a moment ago is named as such (signing in within the 30 s
// of enrolling), and every password rule is listed next to the field, naming the part of the address
// that the password must not contain — on the enrolment page and on the password-change page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { AppError } from '../../src/lib/errors.ts';
import { base32Decode, totp } from '../../src/lib/totp.ts';
import { type Principal, passwordRules, systemActor } from '../../src/modules/identity/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { DIALECTS } from '../support/dialects.ts';
import { CLIENT, type EnrolledUser, enrolUser, ensureOrganisation, login, ManualClock, PASSWORD } from '../support/identity.ts';

const FORM = 'application/x-www-form-urlencoded';
const ANON = 'd'.repeat(43);
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const fieldCodes = (e: unknown) => (e instanceof AppError ? e.fields.map((f) => `${f.path}:${f.code}`) : [String(e)]);
const cookieOf = (res: { headers: Record<string, unknown> }, name: string) =>
  [res.headers['set-cookie'] ?? []]
    .flat()
    .map(String)
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0];
/** The items of the password-rules list on a page. */
const rulesOn = (body: string) => [...(/<ul id="password-rules">([\s\S]*?)<\/ul>/.exec(body)?.[1]?.matchAll(/<li>([^<]*)<\/li>/g) ?? [])].map((m) => m[1]);
/** A six-digit code that matches none of the steps a login accepts now. */
function wrongCode(secret: string, at: number): string {
  const near = [-30, 0, 30].map((d) => totp(base32Decode(secret), at + d));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, '0');
    if (!near.includes(candidate)) return candidate;
  }
}

describe('password rules: one list', () => {
  it('names the part of the address before the @, and leaves out one too short to be a rule', () => {
    assert.deepEqual(
      passwordRules('Fiscal.Lima@mpfn.gob.pe').map((r) => [r.kind, r.params]),
      [
        ['length', { min: 12, max: 256 }],
        ['email_name', { name: 'fiscal.lima' }],
        ['confirm', {}],
      ],
    );
    assert.deepEqual(
      passwordRules('jo@example.pe').map((r) => r.kind),
      ['length', 'confirm'],
    );
  });
});

for (const dialect of DIALECTS) {
  describe(`getting started on ${dialect}`, () => {
    const clock = new ManualClock();
    let t: TestApp;
    let server: FastifyInstance;

    before(async () => {
      t = await createTestApp({ dialect, clock, load: false });
      server = await buildServer(t.app, { logRequests: false });
    });
    after(async () => {
      await server?.close();
      await t?.cleanup();
    });

    const anonymousPost = (url: string, fields: Record<string, string>, cookie = '') =>
      server.inject({
        method: 'POST',
        url,
        headers: { 'content-type': FORM, cookie: `__Host-custodia_csrf=${ANON}${cookie}` },
        payload: form({ _csrf: ANON, ...fields }),
      });

    it('checks exactly the part before the @, in any case, and not a name too short to be a rule', async () => {
      await ensureOrganisation(t.app, 'fiscalia');
      const attempt = async (email: string, password: string) => {
        const created = await t.app.identity.directory.createUser(systemActor('test'), { email, orgId: 'fiscalia', roles: ['officer'], name: 'X' });
        const token = created.enrolment?.token as string;
        const { totpSecret } = await t.app.identity.directory.enrolment(token);
        const code = totp(base32Decode(totpSecret), clock.now().getTime() / 1000);
        try {
          await t.app.identity.directory.completeEnrolment(token, { password, passwordConfirm: password, code });
          return [];
        } catch (error) {
          return fieldCodes(error);
        }
      };
      assert.deepEqual(await attempt('fiscal.cusco@mpfn.example', 'mi clave FISCAL.CUSCO segura'), ['password:identity.password_contains_email']);
      // The domain is not the rule: only the part before the @.
      assert.deepEqual(await attempt('fiscal.tacna@mpfn.example', 'mpfn.example es mi fiscalía'), []);
      assert.deepEqual(await attempt('jo@mpfn.example', 'jornada de trabajo larga'), []);
    });

    it('enrolment lists every password rule, naming the part of the address, and a refusal names it too (es, en)', async () => {
      await ensureOrganisation(t.app, 'fiscalia');
      const created = await t.app.identity.directory.createUser(systemActor('test'), {
        email: 'fiscal.lima@mpfn.example',
        orgId: 'fiscalia',
        roles: ['officer'],
        name: 'Fiscal Lima',
      });
      const path = `/enrol/${created.enrolment?.token}`;
      const es = await server.inject({ url: `${path}?lang=es` });
      assert.equal(es.statusCode, 200);
      assert.deepEqual(rulesOn(es.body), [
        'Entre 12 y 256 caracteres.',
        'No debe contener «fiscal.lima», la parte de su dirección de correo antes de la @ (sin distinguir mayúsculas).',
        'Escríbala dos veces igual.',
      ]);
      assert.match(es.body, /aria-describedby="password-hint"/);
      const en = await server.inject({ url: `${path}?lang=en` });
      assert.deepEqual(rulesOn(en.body), [
        'Between 12 and 256 characters.',
        'It must not contain “fiscal.lima”, the part of your email address before the @ (in any case).',
        'Type it twice, the same both times.',
      ]);
      const { totpSecret } = await t.app.identity.directory.enrolment(created.enrolment?.token as string);
      const code = totp(base32Decode(totpSecret), clock.now().getTime() / 1000);
      const bad = 'soy Fiscal.Lima desde 2020';
      const refused = await anonymousPost(`${path}?lang=es`, { password: bad, passwordConfirm: bad, code });
      assert.equal(refused.statusCode, 422);
      assert.match(refused.body, /La contraseña no debe contener «fiscal\.lima», la parte de su dirección de correo antes de la @/);
      const refusedEn = await anonymousPost(`${path}?lang=en`, { password: bad, passwordConfirm: bad, code });
      assert.match(refusedEn.body, /The password must not contain “fiscal\.lima”, the part of your email address before the @/);
    });

    it('signing in within the 30 s of enrolling says the code was just used and to wait for the next (es, en); a wrong code keeps its message', async () => {
      await ensureOrganisation(t.app, 'fiscalia');
      const created = await t.app.identity.directory.createUser(systemActor('test'), {
        email: 'nueva@mpfn.example',
        orgId: 'fiscalia',
        roles: ['officer'],
        name: 'Nueva',
      });
      const path = `/enrol/${created.enrolment?.token}`;
      const { totpSecret } = await t.app.identity.directory.enrolment(created.enrolment?.token as string);
      const now = () => clock.now().getTime() / 1000;
      const code = totp(base32Decode(totpSecret), now());
      const enrolled = await anonymousPost(`${path}?lang=es`, { password: PASSWORD, passwordConfirm: PASSWORD, code });
      assert.equal(enrolled.statusCode, 200, enrolled.body.slice(0, 400));

      const codeStep = async (lang: string, typed: string) => {
        const first = await anonymousPost(`/login?lang=${lang}`, { email: 'nueva@mpfn.example', password: PASSWORD });
        assert.equal(first.statusCode, 303);
        return anonymousPost(`/login/code?lang=${lang}`, { code: typed }, `; ${cookieOf(first, '__Host-custodia_login')}`);
      };
      // Same 30 s window: the code that just enrolled the account.
      const es = await codeStep('es', code);
      assert.equal(es.statusCode, 422);
      assert.match(es.body, /Este código es correcto, pero acaba de usarse\. Espere a que su aplicación muestre el siguiente/);
      assert.doesNotMatch(es.body, /El código no es correcto o ya se usó/);
      const en = await codeStep('en', code);
      assert.match(en.body, /This code is right but was just used\. Wait for your app to show the next one/);
      const wrong = await codeStep('es', wrongCode(totpSecret, now()));
      assert.equal(wrong.statusCode, 422);
      assert.match(wrong.body, /El código no es correcto o ya se usó\./);
      assert.doesNotMatch(wrong.body, /acaba de usarse/);
      // The next code signs in.
      clock.advance(30);
      const next = await codeStep('es', totp(base32Decode(totpSecret), now()));
      assert.equal(next.statusCode, 303);
      assert.ok(cookieOf(next, '__Host-custodia_session'));
    });

    it('confirming one’s identity with the code that just signed in says so too, once the password is right', async () => {
      const user = await enrolUser(t.app, clock, { email: 'reauth@mpfn.example', orgId: 'fiscalia', roles: ['officer'] });
      const token = await login(t.app, clock, user);
      const principal = (await t.app.identity.sessions.authenticate(token)) as Principal;
      const spent = user.code();
      await assert.rejects(t.app.identity.sessions.reauthenticate(principal, { password: PASSWORD, code: spent }), (e) => {
        assert.deepEqual(fieldCodes(e), ['code:identity.code_reused']);
        return true;
      });
      await assert.rejects(t.app.identity.sessions.reauthenticate(principal, { password: 'not the password', code: spent }), (e) => {
        assert.deepEqual(fieldCodes(e), ['code:identity.reauth_failed']);
        return true;
      });
      clock.advance(30);
      await t.app.identity.sessions.reauthenticate(principal, { password: PASSWORD, code: user.code() });
    });

    it('changes one’s password on a page that lists every rule; other sessions end; an old login is asked to confirm first', async () => {
      const user: EnrolledUser = await enrolUser(t.app, clock, { email: 'cambio@mpfn.example', orgId: 'fiscalia', roles: ['officer'] });
      const other = await login(t.app, clock, user);
      const token = await login(t.app, clock, user);
      const principal = (await t.app.identity.sessions.authenticate(token)) as Principal;
      const cookie = `__Host-custodia_session=${token}`;
      const post = (lang: string, fields: Record<string, string>) =>
        server.inject({
          method: 'POST',
          url: `/account/password?lang=${lang}`,
          headers: { 'content-type': FORM, cookie },
          payload: form({ _csrf: principal.csrfToken as string, ...fields }),
        });

      const account = await server.inject({ url: '/account?lang=es', headers: { cookie } });
      assert.match(account.body, /href="\/account\/password\?lang=es"/);
      const es = await server.inject({ url: '/account/password?lang=es', headers: { cookie } });
      assert.equal(es.statusCode, 200);
      assert.deepEqual(rulesOn(es.body), [
        'Entre 12 y 256 caracteres.',
        'No debe contener «cambio», la parte de su dirección de correo antes de la @ (sin distinguir mayúsculas).',
        'Escríbala dos veces igual.',
      ]);
      const en = await server.inject({ url: '/account/password?lang=en', headers: { cookie } });
      assert.equal(rulesOn(en.body)[1], 'It must not contain “cambio”, the part of your email address before the @ (in any case).');

      const named = await post('en', { password: 'un CAMBIO necesario', passwordConfirm: 'un CAMBIO necesario' });
      assert.equal(named.statusCode, 422);
      assert.match(named.body, /The password must not contain “cambio”/);
      const mismatch = await post('es', { password: 'una frase bastante larga', passwordConfirm: 'otra frase bastante larga' });
      assert.equal(mismatch.statusCode, 422);
      assert.match(mismatch.body, /id="passwordConfirm-error">Las contraseñas no coinciden\./);

      const fresh = 'una frase nueva y bastante larga';
      const done = await post('es', { password: fresh, passwordConfirm: fresh });
      assert.equal(done.statusCode, 303);
      assert.equal(done.headers.location, '/account?lang=es&done=password_changed');
      assert.ok(await t.app.identity.sessions.authenticate(token), 'this session stays');
      assert.equal(await t.app.identity.sessions.authenticate(other), undefined, 'the other session ended');
      await assert.rejects(t.app.identity.sessions.beginLogin({ email: user.email, password: PASSWORD }, CLIENT));
      await t.app.identity.sessions.beginLogin({ email: user.email, password: fresh }, CLIENT);
      const events = await t.app.db.kysely.selectFrom('ledger_entries').select('type').where('type', '=', 'identity.password_changed').execute();
      assert.equal(events.length, 1);

      // Half an hour later the page first asks to confirm one's identity, and comes back.
      clock.advance(25 * 60);
      const stale = await server.inject({ url: '/account/password?lang=en', headers: { cookie } });
      assert.equal(stale.statusCode, 303);
      assert.equal(stale.headers.location, `/reauth?lang=en&next=${encodeURIComponent('/account/password')}`);
    });
  });
}
