import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { asActor, type Permission, type Principal, systemActor } from '../../src/modules/identity/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { DIALECTS } from '../support/dialects.ts';
import { type EnrolledUser, enrolUser, login, ManualClock } from '../support/identity.ts';

const acquisition = { by: 'Perito', at: '2026-11-20T09:15:00-05:00' };
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

for (const dialect of DIALECTS) {
  describe(`evidence API on ${dialect}`, () => {
    const clock = new ManualClock();
    let t: TestApp;
    let server: FastifyInstance;
    let custodian: EnrolledUser;
    let outsider: EnrolledUser;
    let itemId: string;
    const content = randomBytes(100_000);
    const principalOf = async (user: EnrolledUser) => (await t.app.identity.sessions.authenticate(await login(t.app, clock, user))) as Principal;
    const tokenOf = async (user: EnrolledUser, scopes?: Permission[]) => {
      const p = await principalOf(user);
      return (await t.app.identity.tokens.create(p, { name: 'test', scopes: scopes ?? [...p.permissions], expiresInDays: 30 })).token;
    };
    const call = async (method: 'GET' | 'POST' | 'PUT', url: string, token: string, payload?: object) => {
      const res = await server.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
      return res;
    };

    before(async () => {
      t = await createTestApp({ dialect, clock, load: false });
      server = await buildServer(t.app, { logRequests: false });
      custodian = await enrolUser(t.app, clock, { email: 'custodio@pe.example', orgId: 'fiscalia', roles: ['evidence_custodian', 'supervisor'] });
      outsider = await enrolUser(t.app, clock, { email: 'otro@pe.example', orgId: 'fiscalia', roles: ['evidence_custodian', 'supervisor'] });
      await t.app.cases.create(systemActor('test'), { reference: 'CASO-API', orgId: 'fiscalia', members: [custodian.userId] });
      const item = await t.app.evidence.add(
        asActor(await principalOf(custodian)),
        'fiscalia',
        { caseReference: 'CASO-API', exhibit: 'A-1', fileName: 'captura ñ.pcap', acquisition },
        Readable.from([content]),
      );
      itemId = item.id;
    });
    after(async () => {
      await server.close();
      await t.cleanup();
    });

    it('lists, shows the custody history, and downloads as a custody event', async () => {
      const token = await tokenOf(custodian);
      const list = await call('GET', '/api/v1/evidence?case=CASO-API', token);
      assert.equal(list.statusCode, 200);
      assert.deepEqual(
        list.json().items.map((i: { exhibit: string }) => i.exhibit),
        ['A-1'],
      );
      const download = await call('POST', `/api/v1/evidence/${itemId}/download`, token, { reason: 'peritaje' });
      assert.equal(download.statusCode, 200);
      assert.equal(download.headers['content-type'], 'application/octet-stream');
      assert.match(String(download.headers['content-disposition']), /^attachment; filename="captura _.pcap"; filename\*=UTF-8''captura%20%C3%B1.pcap$/);
      assert.equal(download.headers['x-content-type-options'], 'nosniff');
      assert.equal(sha256(download.rawPayload), sha256(content));
      await t.app.ledger.publish();
      const shown = await call('GET', `/api/v1/evidence/${itemId}`, token);
      assert.equal(shown.statusCode, 200);
      const steps = shown.json().steps as Array<{ type: string; proof: string; reason: string }>;
      assert.deepEqual(
        steps.map((s) => s.type),
        ['acquired', 'received', 'downloaded'],
      );
      assert.ok(steps.every((s) => s.proof === 'verified'));
    });

    it('answers problem details: missing reason, unknown event, off the access list, retention', async () => {
      const token = await tokenOf(custodian);
      const noReason = await call('POST', `/api/v1/evidence/${itemId}/download`, token, { reason: '' });
      assert.equal(noReason.statusCode, 422);
      assert.equal(noReason.json().errors[0].path, 'reason');
      const badEvent = await call('POST', `/api/v1/evidence/${itemId}/custody`, token, { event: 'destroyed', reason: 'x' });
      assert.equal(badEvent.statusCode, 422);
      const other = await tokenOf(outsider);
      for (const [method, url, body] of [
        ['GET', `/api/v1/evidence/${itemId}`, undefined],
        ['GET', '/api/v1/evidence?case=CASO-API', undefined],
        ['POST', `/api/v1/evidence/${itemId}/download`, { reason: 'curiosidad' }],
        ['POST', `/api/v1/evidence/${itemId}/fixity`, undefined],
      ] as const) {
        const res = await call(method, url, other, body);
        assert.equal(res.statusCode, 404, `${method} ${url}`);
      }
      const readOnly = await tokenOf(custodian, ['evidence.read']);
      assert.equal((await call('POST', `/api/v1/evidence/${itemId}/download`, readOnly, { reason: 'peritaje' })).statusCode, 403);
      const destroy = await call('POST', `/api/v1/evidence/${itemId}/destroy`, token, { reason: 'orden 1' });
      assert.equal(destroy.statusCode, 409);
      assert.equal(destroy.json().code, 'evidence.retention_unset');
      const set = await call('PUT', '/api/v1/evidence-retention', token, { case: 'CASO-API', keepUntil: '2040-01-01', basis: 'prescripción' });
      assert.equal(set.statusCode, 200);
      const hold = await call('POST', '/api/v1/evidence-holds', token, { case: 'CASO-API', reason: 'apelación' });
      assert.equal(hold.statusCode, 201);
      const state = await call('GET', '/api/v1/evidence-retention?case=CASO-API', token);
      assert.equal(state.json().retention.keepUntil, '2040-01-01');
      assert.equal(state.json().holds.length, 1);
      const fixity = await call('POST', `/api/v1/evidence/${itemId}/fixity`, token);
      assert.equal(fixity.json().ok, true);
    });
  });
}
