import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { TILE_WIDTH } from '../../src/lib/tlog/tiles.ts';
import { asActor, type Principal, systemActor } from '../../src/modules/identity/index.ts';
import { encodeEntry, type LedgerEntry, openLeaf } from '../../src/modules/ledger/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { preservationToSpain } from '../support/cooperation.ts';
import { DIALECTS } from '../support/dialects.ts';
import { CLIENT, type EnrolledUser, enrolUser, login, ManualClock, PASSWORD } from '../support/identity.ts';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest();

/**
 * Issue 15: everything anyone can read without signing in — the checkpoint, every tile, every entry
 * bundle, every entry and proof bundle over the API, the ledger page — after a realistic day of use,
 * must not hold a case reference, an exhibit, a file name, an e-mail address, a reason or a content
 * hash, in clear or as an unsalted hash (hex or base64).
 */
for (const dialect of DIALECTS) {
  describe(`the public ledger reveals nothing, on ${dialect}`, () => {
    const clock = new ManualClock();
    let t: TestApp;
    let server: FastifyInstance;
    let officer: EnrolledUser;
    let supervisor: EnrolledUser;
    let authority: EnrolledUser;
    let custodian: EnrolledUser;
    let auditor: EnrolledUser;
    let stranger: EnrolledUser;
    const content = Buffer.from('Conversación de la víctima con el extorsionador, 2026-12-01 23:14 — cuenta 0042-7781\n');
    const secrets = new Map<string, string>();
    const principal = async (user: EnrolledUser, orgId?: string) =>
      (await t.app.identity.sessions.authenticate(await login(t.app, clock, user, orgId))) as Principal;
    const tokenOf = async (user: EnrolledUser) => {
      const p = await principal(user);
      return (await t.app.identity.tokens.create(p, { name: 'lectura', scopes: [...p.permissions], expiresInDays: 1 })).token;
    };
    const keep = (label: string, value: string) => secrets.set(label, value);

    before(async () => {
      t = await createTestApp({ dialect, clock, load: true });
      server = await buildServer(t.app, { logRequests: false });
      officer = await enrolUser(t.app, clock, { email: 'fiscal.rosales@pe.example', orgId: 'fiscalia', roles: ['officer'] });
      supervisor = await enrolUser(t.app, clock, { email: 'jefa.quispe@pe.example', orgId: 'fiscalia', roles: ['supervisor'] });
      authority = await enrolUser(t.app, clock, { email: 'autoridad.central@pe.example', orgId: 'fiscalia', roles: ['central_authority'] });
      custodian = await enrolUser(t.app, clock, { email: 'custodio.huaman@pe.example', orgId: 'fiscalia', roles: ['evidence_custodian', 'supervisor'] });
      auditor = await enrolUser(t.app, clock, { email: 'auditora.paz@pe.example', orgId: 'fiscalia', roles: ['auditor'] });
      stranger = await enrolUser(t.app, clock, { email: 'policia.ajena@pe.example', orgId: 'divindat', roles: ['officer', 'auditor'] });
      for (const u of [officer, supervisor, authority, custodian, auditor, stranger]) {
        keep(`e-mail ${u.email}`, u.email);
        keep(`user id ${u.userId}`, u.userId);
        keep(`subject user:${u.userId}`, `user:${u.userId}`);
      }

      // A case, with its access list.
      const reference = 'EXTORSION-SEXUAL-2026-0457';
      keep('case reference', reference);
      const kase = await t.app.cases.create(systemActor('mesa-de-partes'), {
        reference,
        orgId: 'fiscalia',
        title: 'Extorsión a menor por red social',
        members: [officer.userId, supervisor.userId, authority.userId, custodian.userId],
      });
      keep('case id', kase.id);
      keep('case subject', `case:${kase.id}`);
      keep('case title', kase.title);

      // Evidence: acquired, downloaded with a reason, a hold, retention.
      const c = asActor(await principal(custodian));
      const item = await t.app.evidence.add(
        c,
        'fiscalia',
        {
          caseReference: reference,
          exhibit: 'EXH-7781-B',
          fileName: 'chat-victima-rosa.txt',
          acquisition: { by: 'Perito Salas', at: '2026-11-20T10:00:00-05:00' },
        },
        Readable.from([content]),
      );
      keep('item id', item.id);
      keep('item subject', `evidence:${item.id}`);
      keep('exhibit', 'EXH-7781-B');
      keep('file name', 'chat-victima-rosa.txt');
      keep('content sha256', sha256(content).toString('hex'));
      keep('acquired by', 'Perito Salas');
      await t.app.evidence.download(c, 'fiscalia', item.id, 'peritaje informático del chat para la audiencia');
      keep('download reason', 'peritaje informático del chat para la audiencia');
      await t.app.evidence.setHold(c, 'fiscalia', reference, { reason: 'apelación pendiente ante la Sala Penal' });
      keep('hold reason', 'apelación pendiente ante la Sala Penal');
      await t.app.evidence.setRetention(c, 'fiscalia', reference, { keepUntil: '2036-12-31', basis: 'prescripción del delito de extorsión' });
      keep('retention basis', 'prescripción del delito de extorsión');

      // A preservation request to Spain, through approval and sending.
      const o = asActor(await principal(officer));
      const request = await t.app.cooperation.create(o, 'fiscalia', preservationToSpain(reference));
      keep('request reference', request.reference);
      await t.app.cooperation.step(o, 'fiscalia', request.reference, { to: 'pending_approval' });
      await t.app.cooperation.step(asActor(await principal(supervisor)), 'fiscalia', request.reference, { to: 'approved' });
      await t.app.cooperation.step(asActor(await principal(authority)), 'fiscalia', request.reference, { to: 'sent' });

      // Sign-ins, a wrong password, a refusal over HTTP, an API token.
      await assert.rejects(t.app.identity.sessions.beginLogin({ email: officer.email, password: `${PASSWORD}!` }, CLIENT));
      const token = (
        await t.app.identity.tokens.create(await principal(officer), { name: 'integración fiscalía', scopes: ['evidence.read'], expiresInDays: 30 })
      ).token;
      const refused = await server.inject({ method: 'GET', url: '/api/v1/tokens', headers: { authorization: `Bearer ${token}` } });
      assert.ok(refused.statusCode === 403 || refused.statusCode === 200);
      await principal(stranger);
      await t.app.ledger.settle();
    });
    after(async () => {
      await server.close();
      await t.cleanup();
    });

    /** Every way a secret could show: in clear, JSON-escaped, and its unsalted SHA-256 in hex and base64. */
    function forms(value: string): string[] {
      const digest = sha256(value);
      const out = [value, JSON.stringify(value).slice(1, -1), digest.toString('hex'), digest.toString('base64'), digest.toString('base64url')];
      if (/^[0-9a-f]{64}$/.test(value)) out.push(Buffer.from(value, 'hex').toString('base64'));
      return out;
    }

    async function publicBodies(): Promise<Array<{ url: string; body: Buffer }>> {
      const bodies: Array<{ url: string; body: Buffer }> = [];
      const get = async (url: string) => {
        const res = await server.inject({ method: 'GET', url });
        bodies.push({ url, body: res.rawPayload });
        return res;
      };
      const size = await t.app.ledger.size();
      assert.ok(size > 40, `a realistic day writes many entries (${size})`);
      await get('/ledger/checkpoint');
      await get('/api/v1/ledger');
      await get('/ledger');
      // Every tile of every level, and every entry bundle, full and partial, as tlog-tiles clients fetch them.
      for (let level = 0, width = size; width > 0; level++, width = Math.floor(width / TILE_WIDTH)) {
        for (let n = 0; n * TILE_WIDTH < width; n++) {
          const w = Math.min(TILE_WIDTH, width - n * TILE_WIDTH);
          const path = `${String(n).padStart(3, '0')}${w < TILE_WIDTH ? `.p/${w}` : ''}`;
          assert.equal((await get(`/ledger/tile/${level}/${path}`)).statusCode, 200);
          if (level === 0) assert.equal((await get(`/ledger/tile/entries/${path}`)).statusCode, 200);
        }
        if (width < TILE_WIDTH) break;
      }
      for (let i = 0; i < size; i++) {
        assert.equal((await get(`/api/v1/ledger/entries/${i}`)).statusCode, 200);
        assert.equal((await get(`/api/v1/ledger/entries/${i}/proof-bundle`)).statusCode, 200);
        await get(`/ledger?index=${i}`);
      }
      return bodies;
    }

    it('serves only blinded entries: no case, person or evidence data, not even as an unsalted hash', async () => {
      const bodies = await publicBodies();
      assert.ok(secrets.size >= 20);
      const leaks: string[] = [];
      for (const [label, value] of secrets) {
        for (const form of forms(value)) {
          for (const { url, body } of bodies) if (body.includes(form)) leaks.push(`${label} (${form.slice(0, 24)}…) in ${url}`);
        }
      }
      assert.deepEqual(leaks.slice(0, 10), []);
    });

    it('answers a subject lookup and a disclosure only after sign-in, and only on a need to know', async () => {
      const kase = secrets.get('case id') as string;
      const anonymous = await server.inject(`/api/v1/ledger/entries?subject=case:${kase}`);
      assert.equal(anonymous.statusCode, 401);
      assert.equal(anonymous.headers['content-type'], 'application/problem+json; charset=utf-8');
      const session = async (user: EnrolledUser) => ({ authorization: `Bearer ${await tokenOf(user)}` });
      const found = await server.inject({ url: `/api/v1/ledger/entries?subject=case:${kase}`, headers: await session(officer) });
      assert.equal(found.statusCode, 200);
      const indices = found.json().indices as number[];
      assert.ok(indices.length >= 5);
      // Someone of another organisation is told nothing, not even that the subject exists.
      const outside = await server.inject({ url: `/api/v1/ledger/entries?subject=case:${kase}`, headers: await session(stranger) });
      assert.deepEqual(outside.json().indices, []);
      const first = indices[0] as number;
      const publicView = (await server.inject(`/api/v1/ledger/entries/${first}`)).json();
      assert.equal(publicView.details, null);
      assert.equal(publicView.salt, null);
      assert.equal(publicView.withheld.reason, 'sign-in');
      const denied = await server.inject({ url: `/api/v1/ledger/entries/${first}/disclosure`, headers: await session(stranger) });
      assert.equal(denied.statusCode, 403);
      assert.equal(denied.json().code, 'ledger.details_restricted');
      assert.match(denied.json().detail, /another organisation|otra organización/);
      // The auditor of the same organisation is not on the case's access list: need-to-know holds.
      const auditorView = (await server.inject({ url: `/api/v1/ledger/entries/${first}`, headers: await session(auditor) })).json();
      assert.equal(auditorView.withheld.reason, 'case-access');
      assert.match(auditorView.withheld.message, /access list|lista de acceso/);
      // The officer on the list gets the details and salt, and they open the public leaf.
      const disclosure = await server.inject({ url: `/api/v1/ledger/entries/${first}/disclosure`, headers: await session(officer) });
      assert.equal(disclosure.statusCode, 200);
      assert.equal(disclosure.headers['cache-control'], 'no-store');
      const file = disclosure.json() as { format: string; salt: string; details: Record<string, unknown> };
      assert.equal(file.format, 'custodia.ledger-disclosure/v1');
      assert.ok((file.details.subjects as string[]).includes(`case:${kase}`));
      const leaf = (await t.app.ledger.entry(first)).bytes;
      const stored = await t.app.ledger.entry(first);
      assert.deepEqual(
        openLeaf(leaf, { salt: Buffer.from(file.salt, 'base64'), details: encodeEntry(stored.entry as LedgerEntry) }).subjects,
        file.details.subjects,
      );
      // A security event: its auditor and the person it is about read it; a colleague does not.
      const [security] = await t.app.ledger.findEntries({ subjects: [`user:${officer.userId}`], typePrefix: 'identity.login', limit: 1 });
      assert.ok(security);
      const asAuditor = (await server.inject({ url: `/api/v1/ledger/entries/${security.index}`, headers: await session(auditor) })).json();
      assert.equal(asAuditor.withheld, null);
      assert.equal(asAuditor.details.type, security.entry.type);
      const asColleague = (await server.inject({ url: `/api/v1/ledger/entries/${security.index}`, headers: await session(custodian) })).json();
      assert.equal(asColleague.withheld.reason, 'auditor');
    });

    it('keeps a shredded item verifiable and unlinkable', async () => {
      const itemId = secrets.get('item id') as string;
      const c = asActor(await principal(custodian));
      const reference = secrets.get('case reference') as string;
      const holds = await t.app.evidence.retention(c, 'fiscalia', reference);
      for (const hold of holds.holds) if (!hold.liftedAt) await t.app.evidence.liftHold(c, 'fiscalia', reference, hold.id, { reason: 'sentencia firme' });
      await t.app.evidence.setRetention(c, 'fiscalia', reference, { keepUntil: '2020-01-01', basis: 'plazo vencido' });
      const before = await t.app.ledger.entriesFor(`evidence:${itemId}`, 1000);
      assert.ok(before.length >= 4);
      await t.app.evidence.destroy(c, 'fiscalia', itemId, { reason: 'orden judicial de destrucción 88-2026' });
      await t.app.ledger.settle();
      // Nothing in the ledger's tables names the item or its content any more.
      const db = t.app.db.kysely;
      const rows = [
        ...(await db.selectFrom('ledger_entries').select('entry as text').execute()),
        ...(await db.selectFrom('ledger_entries').select('details as text').execute()),
        ...(await db.selectFrom('ledger_subjects').select('subject as text').execute()),
      ];
      const linked = rows.filter((r) => r.text !== null && (r.text.includes(itemId) || r.text.includes(secrets.get('content sha256') as string)));
      assert.deepEqual(linked, []);
      // Its entries stay in the log, proven by the checkpoint, and the audit counts them as shredded.
      const signed = await t.app.ledger.signedCheckpoint();
      assert.ok(signed);
      const officerToken = await tokenOf(custodian);
      for (const index of before) {
        const stored = await t.app.ledger.entry(index);
        assert.equal(stored.entry, undefined);
        assert.ok(stored.shredded);
        const view = (await server.inject(`/api/v1/ledger/entries/${index}`)).json();
        assert.equal(view.withheld.reason, 'shredded');
        assert.equal(view.inclusion.verified, true);
        const gone = await server.inject({ url: `/api/v1/ledger/entries/${index}/disclosure`, headers: { authorization: `Bearer ${officerToken}` } });
        assert.equal(gone.statusCode, 410);
        assert.equal(gone.json().code, 'ledger.details_shredded');
      }
      const audit = await t.app.ledger.audit();
      assert.equal(audit.ok, true, audit.finding?.message ?? '');
      assert.ok(audit.shredded >= before.length);
    });
  });
}
