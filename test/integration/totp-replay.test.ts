// Issue 15: one TOTP code, two sign-ins at the same moment. Exactly one gets a session; the other is
// refused as a code just used (the right code, spent), not as a wrong one. Really concurrent: two password steps, then both code steps started
// together — through the service on the database's pool (on PostgreSQL, two connections), and over
// HTTP on two separate connections to a listening server. On SQLite the driver runs one transaction
// at a time, so there the race is closed by the database itself; on PostgreSQL only the conditional
// UPDATE of the last used step (`… WHERE totp_last_step < step`) closes it.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { AppError } from '../../src/lib/errors.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { DIALECTS } from '../support/dialects.ts';
import { CLIENT, type EnrolledUser, enrolUser, ManualClock, PASSWORD } from '../support/identity.ts';

const ROUNDS = 6;

/** A POST on a connection of its own (no keep-alive, no shared agent), as another browser would send it. */
function post(port: number, path: string, form: Record<string, string>, cookies: string): Promise<{ status: number; cookies: string[]; body: string }> {
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent: false,
        headers: {
          host: `127.0.0.1:${port}`,
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          'accept-language': 'en',
          cookie: cookies,
          connection: 'close',
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, cookies: [res.headers['set-cookie'] ?? []].flat(), body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

for (const dialect of DIALECTS) {
  describe(`a TOTP code used by two sign-ins at once, on ${dialect}`, () => {
    const clock = new ManualClock();
    let t: TestApp;
    let user: EnrolledUser;
    const sessionsOf = async (userId: string) =>
      Number(
        (
          await t.app.db.kysely
            .selectFrom('sessions')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('user_id', '=', userId)
            .executeTakeFirstOrThrow()
        ).n,
      );

    before(async () => {
      t = await createTestApp({ dialect, clock, load: false });
      user = await enrolUser(t.app, clock, { email: 'fiscal@pe.example', orgId: 'fiscalia', roles: ['officer'] });
    });
    after(() => t.cleanup());

    it('through the service: one session, and the other refused as a code already used', async () => {
      const sessions = t.app.identity.sessions;
      for (let round = 0; round < ROUNDS; round++) {
        clock.advance(30);
        const { challenge: first } = await sessions.beginLogin({ email: user.email, password: PASSWORD }, CLIENT);
        const { challenge: second } = await sessions.beginLogin({ email: user.email, password: PASSWORD }, CLIENT);
        const code = user.code();
        const before = await sessionsOf(user.userId);
        const outcomes = await Promise.allSettled([
          sessions.completeLogin({ challenge: first, code }, CLIENT),
          sessions.completeLogin({ challenge: second, code }, CLIENT),
        ]);
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        assert.equal(won.length, 1, `round ${round}: ${won.length} sign-ins passed with one code`);
        const refusal = lost[0]?.reason;
        assert.ok(refusal instanceof AppError, String(refusal));
        assert.deepEqual([refusal.code, refusal.fields.map((f) => `${f.path}:${f.code}`)], ['validation.failed', ['code:identity.code_reused']]);
        assert.equal(await sessionsOf(user.userId), before + 1, `round ${round}: one session opened`);
      }
    });

    it('over HTTP, two browsers on two connections: one signed in, the other told the code was used', async () => {
      const server: FastifyInstance = await buildServer(t.app, { logRequests: false });
      try {
        await server.listen({ port: 0, host: '127.0.0.1' });
        const { port } = server.server.address() as AddressInfo;
        const csrf = 'c'.repeat(43);
        const anonymous = `__Host-custodia_csrf=${csrf}`;
        const cookieOf = (res: { cookies: string[] }, name: string) => res.cookies.find((c) => c.startsWith(`${name}=`))?.split(';')[0];
        for (let round = 0; round < ROUNDS; round++) {
          clock.advance(30);
          const browsers: string[] = [];
          for (let i = 0; i < 2; i++) {
            const res = await post(port, '/login', { email: user.email, password: PASSWORD, _csrf: csrf }, anonymous);
            assert.equal(res.status, 303, res.body.slice(0, 300));
            const challenge = cookieOf(res, '__Host-custodia_login');
            assert.ok(challenge, res.cookies.join(' | '));
            browsers.push(`${anonymous}; ${challenge}`);
          }
          const code = user.code();
          const before = await sessionsOf(user.userId);
          const answers = await Promise.all(browsers.map((cookies) => post(port, '/login/code', { code, _csrf: csrf }, cookies)));
          const signedIn = answers.filter((a) => a.status === 303 && cookieOf(a, '__Host-custodia_session'));
          const refused = answers.filter((a) => a.status !== 303);
          assert.equal(signedIn.length, 1, `round ${round}: ${answers.map((a) => a.status).join(', ')}`);
          assert.equal(refused.length, 1);
          assert.equal(refused[0]?.status, 422, refused[0]?.body.slice(0, 300) ?? '');
          assert.match(refused[0]?.body ?? '', /This code is right but was just used\. Wait for your app to show the next one/);
          assert.equal(await sessionsOf(user.userId), before + 1, `round ${round}: one session opened`);
        }
      } finally {
        await server.close();
      }
    });
  });
}
