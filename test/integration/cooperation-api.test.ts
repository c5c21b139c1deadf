import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { type Principal, systemActor } from '../../src/modules/identity/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { ART_29_2_CONTENT, preservationToSpain } from '../support/cooperation.ts';
import { DIALECTS } from '../support/dialects.ts';
import { type EnrolledUser, enrolUser, login, ManualClock } from '../support/identity.ts';

type Method = 'GET' | 'POST' | 'PATCH';
interface Problem {
  type: string;
  status: number;
  code: string;
  title: string;
  errors?: Array<{ path: string; code: string; message: string }>;
  allowed?: string[];
  gaps?: Array<{ path: string; element?: string; article?: string; instrument?: string; message: string }>;
}

/** A case reference with the characters a path must carry encoded. */
const CASE = 'FISC/2026:1';
const CASE_PATH = encodeURIComponent(CASE);
const CONTENT = ART_29_2_CONTENT;
// The fixture without its content: each test says what the request holds.
const { content: _content, ...DRAFT } = preservationToSpain(CASE);

for (const dialect of DIALECTS) {
  describe(`cooperation API on ${dialect}`, () => {
    const clock = new ManualClock('2026-11-24T15:00:00.000Z');
    let t: TestApp;
    let server: FastifyInstance;
    let prosecutor: EnrolledUser;
    let supervisor: EnrolledUser;
    let authority: EnrolledUser;
    let outsider: EnrolledUser;
    let foreigner: EnrolledUser;
    let reference: string;
    const tokens = new Map<EnrolledUser, string>();

    const session = async (user: EnrolledUser) => {
      const secret = await login(t.app, clock, user);
      const principal = (await t.app.identity.sessions.authenticate(secret)) as Principal;
      return { secret, csrf: principal.csrfToken as string };
    };
    const tokenOf = async (user: EnrolledUser) => {
      let token = tokens.get(user);
      if (!token) {
        const secret = await login(t.app, clock, user);
        const principal = (await t.app.identity.sessions.authenticate(secret)) as Principal;
        token = (await t.app.identity.tokens.create(principal, { name: 'test', scopes: [...principal.permissions], expiresInDays: 30 })).token;
        tokens.set(user, token);
      }
      return token;
    };
    const call = async (method: Method, url: string, user: EnrolledUser | { cookie: { secret: string; csrf?: string } }, payload?: unknown) => {
      const headers: Record<string, string> = {};
      if ('cookie' in user) {
        headers.cookie = `__Host-custodia_session=${user.cookie.secret}`;
        if (user.cookie.csrf) headers['x-csrf-token'] = user.cookie.csrf;
      } else headers.authorization = `Bearer ${await tokenOf(user)}`;
      const res = await server.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
      return {
        status: res.statusCode,
        headers: res.headers,
        body: res.body,
        raw: res.rawPayload,
        json: <T = Record<string, unknown>>() => res.json() as T,
      };
    };
    const problemOf = (res: { status: number; headers: Record<string, unknown>; json: <T>() => T }) => {
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      return res.json<Problem>();
    };

    before(async () => {
      t = await createTestApp({ dialect, clock });
      server = await buildServer(t.app, { logRequests: false });
      prosecutor = await enrolUser(t.app, clock, { email: 'fiscal@pe.example', orgId: 'fiscalia', roles: ['officer'] });
      supervisor = await enrolUser(t.app, clock, { email: 'jefa@pe.example', orgId: 'fiscalia', roles: ['supervisor'] });
      authority = await enrolUser(t.app, clock, { email: 'ac@pe.example', orgId: 'fiscalia', roles: ['central_authority'] });
      outsider = await enrolUser(t.app, clock, { email: 'otro@pe.example', orgId: 'fiscalia', roles: ['officer', 'supervisor'] });
      foreigner = await enrolUser(t.app, clock, { email: 'jefe@policia.example', orgId: 'policia', roles: ['officer', 'supervisor', 'central_authority'] });
      await t.app.cases.create(systemActor('test'), { reference: CASE, orgId: 'fiscalia', members: [prosecutor.userId, supervisor.userId, authority.userId] });
      await t.app.cases.create(systemActor('test'), { reference: CASE, orgId: 'policia', members: [foreigner.userId] });
    });
    after(async () => {
      await server.close();
      await t.cleanup();
    });

    it('sets a case’s facts and identifiers through an encoded reference, listing every invalid field', async () => {
      const facts = await call('PATCH', `/api/v1/cases/${CASE_PATH}/details`, prosecutor, {
        conducts: ['computer-fraud'],
        summaryEs: 'Fraude con banca en línea.',
        summaryEn: 'Online banking fraud.',
      });
      assert.equal(facts.status, 200, facts.body);
      assert.equal(facts.headers['cache-control'], 'no-store');
      assert.equal(facts.json<{ reference: string }>().reference, CASE);
      assert.deepEqual(facts.json<{ conducts: string[] }>().conducts, ['computer-fraud']);

      const unknown = await call('PATCH', `/api/v1/cases/${CASE_PATH}/details?lang=en`, prosecutor, { conducts: ['wizardry'], offences: ['nada'] });
      assert.equal(unknown.status, 422);
      const p = problemOf(unknown);
      assert.deepEqual(p.errors?.map((e) => `${e.path}:${e.code}`).sort(), ['conducts:legal.conduct_unknown', 'offences:cooperation.offence_unknown']);
      assert.equal(p.errors?.find((e) => e.path === 'conducts')?.message, 'Unknown conduct: "wizardry".');

      // An update naming nothing to change is a client error that names what may change, and records nothing.
      const entries = await t.app.ledger.size();
      const empty = await call('PATCH', `/api/v1/cases/${CASE_PATH}/details?lang=en`, prosecutor, {});
      assert.equal(empty.status, 400);
      const nothing = problemOf(empty);
      assert.equal(nothing.code, 'validation.nothing_to_change');
      assert.deepEqual(nothing.errors?.map((e) => e.path).sort(), ['conducts', 'offences', 'summaryEn', 'summaryEs', 'title']);
      assert.equal(nothing.errors?.[0]?.message, 'Give at least one of these case details: conducts, offences, summaryEs, summaryEn, title.');
      assert.equal(await t.app.ledger.size(), entries, 'nothing recorded');

      const ip = await call('POST', `/api/v1/cases/${CASE_PATH}/identifiers`, prosecutor, {
        kind: 'ip',
        value: '203.0.113.7',
        port: 51234,
        observedAt: '2026-11-20T14:03:00-05:00',
        timeZone: 'America/Lima',
      });
      assert.equal(ip.status, 201, ip.body);
      assert.ok(ip.json<{ id: string }>().id);
      const bare = await call('POST', `/api/v1/cases/${CASE_PATH}/identifiers`, prosecutor, { kind: 'ip', value: '203.0.113.8', timeZone: 'Mars/Olympus' });
      assert.equal(bare.status, 422);
      assert.deepEqual(
        problemOf(bare)
          .errors?.map((e) => e.path)
          .sort(),
        ['observedAt', 'timeZone'],
      );
      const person = await call('POST', `/api/v1/cases/${CASE_PATH}/persons`, prosecutor, { name: 'Titular de la cuenta', role: 'account-holder' });
      assert.equal(person.status, 201, person.body);

      const details = await call('GET', `/api/v1/cases/${CASE_PATH}/details`, prosecutor);
      assert.equal(details.status, 200);
      const d = details.json<{ identifiers: Array<{ value: string; port: number; observedAt: string }>; persons: unknown[]; summary: { en: string } }>();
      assert.deepEqual(
        d.identifiers.map((i) => [i.value, i.port, i.observedAt]),
        [['203.0.113.7', 51234, '2026-11-20T14:03:00-05:00']],
      );
      assert.equal(d.persons.length, 1);
      assert.equal(d.summary.en, 'Online banking fraud.');
    });

    it('suggests the ranked bases, and drafts a request on the best one', async () => {
      const suggested = await call('GET', '/api/v1/cooperation/suggest?type=preservation&requestingState=PE&requestedState=ES&lang=en', prosecutor);
      assert.equal(suggested.status, 200, suggested.body);
      assert.ok(suggested.headers.etag);
      const bases = suggested.json<{ bases: Array<{ instrument: string; rank: number | null }>; explanation: Array<{ text: string }> }>();
      assert.equal(bases.bases[0]?.instrument, 'ETS185');
      assert.ok(bases.explanation[0]?.text);
      assert.equal((await call('GET', '/api/v1/cooperation/suggest?type=nope&requestingState=PE&requestedState=ES', prosecutor)).status, 422);

      const bad = await call('POST', '/api/v1/requests', prosecutor, { ...DRAFT, type: 'wizardry', direction: 'sideways' });
      assert.equal(bad.status, 422);
      assert.deepEqual(
        problemOf(bad)
          .errors?.map((e) => e.path)
          .sort(),
        ['direction', 'type'],
      );
      const same = await call('POST', '/api/v1/requests', prosecutor, { ...DRAFT, requestedState: 'PE', instrument: 'NOPE' });
      assert.deepEqual(
        problemOf(same)
          .errors?.map((e) => `${e.path}:${e.code}`)
          .sort(),
        ['instrument:cooperation.instrument_unknown', 'requestedState:legal.same_state'],
      );

      const { 'custodian-or-location': _missing, ...partial } = CONTENT;
      const created = await call('POST', '/api/v1/requests', prosecutor, { ...DRAFT, content: partial });
      assert.equal(created.status, 201, created.body);
      const r = created.json<{ reference: string; state: string; instrument: string; kbVersion: string; caseReference: string }>();
      reference = r.reference;
      assert.match(reference, /^SOL-2026-\d{5}$/);
      assert.equal(created.headers.location, `/api/v1/requests/${reference}`);
      assert.equal(r.state, 'draft');
      assert.equal(r.instrument, 'ETS185');
      assert.equal(r.caseReference, CASE);
      assert.ok(r.kbVersion);

      const view = await call('GET', `/api/v1/requests/${reference}?lang=en`, prosecutor);
      assert.equal(view.status, 200, view.body);
      const v = view.json<{
        gaps: Array<{ path: string; article: string; message: string }>;
        nextSteps: string[];
        basis: { bases: Array<{ instrument: string }>; explanation: Array<{ text: string }> };
        steps: Array<{ to: string; actorName: string }>;
      }>();
      assert.deepEqual(
        v.gaps.map((g) => [g.path, g.article]),
        [['content.custodian-or-location', '29(2)(d)']],
      );
      assert.match(v.gaps[0]?.message ?? '', /art\. 29\(2\)\(d\), ETS185/);
      assert.deepEqual(v.nextSteps, ['pending_approval', 'withdrawn']);
      assert.equal(v.basis.bases[0]?.instrument, 'ETS185');
      assert.ok(v.basis.explanation[0]?.text, 'the stored basis is explained in the caller’s language');
      assert.equal(v.steps[0]?.to, 'draft');

      const listed = await call('GET', `/api/v1/requests?case=${CASE_PATH}&direction=outgoing&state=draft`, prosecutor);
      assert.equal(listed.status, 200);
      assert.deepEqual(
        listed.json<{ requests: Array<{ reference: string }> }>().requests.map((x) => x.reference),
        [reference],
      );
      const badFilter = await call('GET', '/api/v1/requests?state=lost&direction=up&limit=0', prosecutor);
      assert.deepEqual(
        problemOf(badFilter).errors?.map((e) => e.path),
        ['state', 'direction', 'limit'],
      );
    });

    it('refuses to submit an incomplete request with 422, naming the missing element and its article', async () => {
      const refused = await call('POST', `/api/v1/requests/${reference}/steps?lang=en`, prosecutor, { to: 'pending_approval' });
      assert.equal(refused.status, 422, refused.body);
      const p = problemOf(refused);
      assert.equal(p.code, 'validation.failed');
      assert.equal(p.errors?.[0]?.path, 'content.custodian-or-location');
      assert.match(p.errors?.[0]?.message ?? '', /^Missing: ".+" \(art\. 29\(2\)\(d\), ETS185\)\.$/);
      assert.deepEqual(p.gaps?.[0], {
        path: 'content.custodian-or-location',
        code: 'cooperation.content_missing',
        message: p.errors?.[0]?.message,
        element: 'custodian-or-location',
        label: (await t.app.knowledge.snapshot()).instruments
          .get('ETS185')
          ?.measures.find((m) => m.measure === 'preservation')
          ?.mandatoryContent.find((e) => e.id === 'custodian-or-location')?.label,
        article: '29(2)(d)',
        instrument: 'ETS185',
      });
      const spanish = problemOf(await call('POST', `/api/v1/requests/${reference}/steps`, prosecutor, { to: 'pending_approval' }));
      assert.match(spanish.errors?.[0]?.message ?? '', /^Falta «.+» \(art\. 29\(2\)\(d\), ETS185\)\.$/);

      const patched = await call('PATCH', `/api/v1/requests/${reference}`, prosecutor, {
        content: { 'custodian-or-location': CONTENT['custodian-or-location'] },
      });
      assert.equal(patched.status, 200, patched.body);
      assert.equal(patched.json<{ content: Record<string, string> }>().content.necessity, CONTENT.necessity, 'content is merged');
      const submitted = await call('POST', `/api/v1/requests/${reference}/steps`, prosecutor, { to: 'pending_approval' });
      assert.equal(submitted.status, 200, submitted.body);
      assert.equal(submitted.json<{ state: string }>().state, 'pending_approval');
      const frozen = await call('PATCH', `/api/v1/requests/${reference}`, prosecutor, { urgency: 'urgent' });
      assert.equal(frozen.status, 409);
      assert.equal(problemOf(frozen).code, 'cooperation.not_editable');
    });

    it('four eyes: a supervisor who drafted cannot approve (403), an officer may not approve at all', async () => {
      const own = await call('POST', '/api/v1/requests', supervisor, { ...DRAFT, content: CONTENT });
      assert.equal(own.status, 201, own.body);
      const ownRef = own.json<{ reference: string }>().reference;
      assert.equal((await call('POST', `/api/v1/requests/${ownRef}/steps`, supervisor, { to: 'pending_approval' })).status, 200);
      const self = await call('POST', `/api/v1/requests/${ownRef}/steps`, supervisor, { to: 'approved' });
      assert.equal(self.status, 403);
      assert.equal(problemOf(self).code, 'cooperation.four_eyes');
      const officer = await call('POST', `/api/v1/requests/${reference}/steps`, prosecutor, { to: 'approved' });
      assert.equal(officer.status, 403);
      assert.equal(problemOf(officer).code, 'forbidden');
    });

    it('answers 409 with the allowed steps when a step does not exist from the current state', async () => {
      const approved = await call('POST', `/api/v1/requests/${reference}/steps`, supervisor, { to: 'approved' });
      assert.equal(approved.status, 200, approved.body);
      const jump = await call('POST', `/api/v1/requests/${reference}/steps?lang=en`, supervisor, { to: 'executed' });
      assert.equal(jump.status, 409);
      const p = problemOf(jump);
      assert.equal(p.code, 'cooperation.transition_not_allowed');
      assert.deepEqual(p.allowed, ['sent', 'withdrawn']);
      assert.equal(p.title, 'The request cannot go from “approved” to “executed”. Possible steps: sent, withdrawn.');
      const unknown = await call('POST', `/api/v1/requests/${reference}/steps`, supervisor, { to: 'lost' });
      assert.equal(unknown.status, 422);
      assert.equal(problemOf(unknown).errors?.[0]?.code, 'cooperation.state_unknown');
    });

    it('downloads the document as a PDF attachment: the draft marked, the sent version fixed', async () => {
      const draft = await call('GET', `/api/v1/requests/${reference}/document?lang=es`, prosecutor);
      assert.equal(draft.status, 200, draft.body);
      assert.equal(draft.headers['content-type'], 'application/pdf');
      assert.equal(draft.headers['content-disposition'], `attachment; filename="${reference}-v1-draft-es.pdf"; filename*=UTF-8''${reference}-v1-draft-es.pdf`);
      assert.equal(draft.headers['cache-control'], 'no-store');
      assert.equal(draft.headers['custodia-draft'], 'true');
      assert.equal(draft.raw.subarray(0, 5).toString('latin1'), '%PDF-');

      assert.equal((await call('POST', `/api/v1/requests/${reference}/steps`, authority, { to: 'sent' })).status, 200);
      const sent = await call('GET', `/api/v1/requests/${reference}/document?lang=en&version=1`, authority);
      assert.equal(sent.status, 200, sent.body);
      assert.match(String(sent.headers['content-disposition']), new RegExp(`^attachment; filename="${reference}-v1-en\\.pdf"`));
      assert.equal(sent.headers['custodia-draft'], 'false');
      const again = await call('GET', `/api/v1/requests/${reference}/document?lang=en`, prosecutor);
      assert.ok(again.raw.equals(sent.raw), 'a sent version renders to the same bytes');
      const html = await call('GET', `/api/v1/requests/${reference}/document?format=html`, prosecutor);
      assert.equal(html.headers['content-type'], 'text/html; charset=utf-8');
      assert.match(String(html.headers['content-disposition']), /^attachment; filename=".+-v1-es\.html"/);
      assert.equal((await call('GET', `/api/v1/requests/${reference}/document?version=9`, prosecutor)).status, 404);
      const badQuery = await call('GET', `/api/v1/requests/${reference}/document?format=docx&version=x`, prosecutor);
      assert.deepEqual(
        problemOf(badQuery).errors?.map((e) => e.path),
        ['format', 'version'],
      );
    });

    it('hides requests and cases from those off the access list and from other organisations (404)', async () => {
      for (const user of [outsider, foreigner]) {
        for (const url of [
          `/api/v1/requests/${reference}`,
          `/api/v1/requests/${reference}/document`,
          `/api/v1/requests?case=${CASE_PATH}`,
          `/api/v1/cases/${CASE_PATH}/details`,
        ]) {
          // The other organisation has its own case of that reference: its own, empty, answers.
          if (user === foreigner && url.includes(CASE_PATH)) continue;
          const res = await call('GET', url, user);
          assert.equal(res.status, 404, `${user.email} GET ${url}`);
        }
        const step = await call('POST', `/api/v1/requests/${reference}/steps`, user, { to: 'withdrawn', reason: 'curiosidad' });
        assert.equal(step.status, 404);
      }
      const theirs = await call('GET', `/api/v1/cases/${CASE_PATH}/details`, foreigner);
      assert.equal(theirs.json<{ orgId: string }>().orgId, 'policia', 'the same reference in one’s own organisation is a different case');
      assert.deepEqual((await call('GET', '/api/v1/requests', foreigner)).json<{ requests: unknown[] }>().requests, []);
      assert.deepEqual((await call('GET', `/api/v1/requests?case=${CASE_PATH}`, foreigner)).json<{ requests: unknown[] }>().requests, []);
      assert.deepEqual((await call('GET', '/api/v1/requests', outsider)).json<{ requests: unknown[] }>().requests, []);
    });

    it('registers an incoming request as received, fixed as version 1', async () => {
      const incoming = await call('POST', '/api/v1/requests', authority, {
        caseReference: CASE,
        direction: 'incoming',
        type: 'subscriber-information',
        requestingState: 'ES',
        requestedState: 'PE',
        requestingAuthority: 'Fiscalía de Madrid',
        languages: ['es'],
      });
      assert.equal(incoming.status, 201, incoming.body);
      const r = incoming.json<{ reference: string; state: string; direction: string }>();
      assert.equal(r.state, 'received');
      const view = (await call('GET', `/api/v1/requests/${r.reference}`, authority)).json<{ versions: Array<{ version: number; ledgerIndex: number }> }>();
      assert.equal(view.versions.length, 1);
      assert.ok(view.versions[0]?.ledgerIndex !== null);
    });

    it('enforces CSRF on state-changing requests of a browser session, not on API tokens', async () => {
      const cookie = await session(authority);
      const read = await call('GET', `/api/v1/requests/${reference}`, { cookie: { secret: cookie.secret } });
      assert.equal(read.status, 200);
      const forged = await call('POST', `/api/v1/requests/${reference}/steps`, { cookie: { secret: cookie.secret } }, { to: 'received' });
      assert.equal(forged.status, 403);
      assert.equal(problemOf(forged).code, 'csrf.invalid');
      const forgedPatch = await call('PATCH', `/api/v1/cases/${CASE_PATH}/details`, { cookie: { secret: cookie.secret } }, { title: 'x' });
      assert.equal(problemOf(forgedPatch).code, 'csrf.invalid');
      const ok = await call('POST', `/api/v1/requests/${reference}/steps`, { cookie }, { to: 'received' });
      assert.equal(ok.status, 200, ok.body);
      assert.equal(ok.json<{ state: string }>().state, 'received');
    });

    it('shows the due dashboard, statistics (JSON and CSV) and one’s notifications', async () => {
      const board = await call('GET', '/api/v1/cooperation/dashboard', prosecutor);
      assert.equal(board.status, 200, board.body);
      assert.deepEqual(Object.keys(board.json()).sort(), ['at', 'day', 'overdue', 'week']);

      const stats = await call('GET', '/api/v1/cooperation/statistics?from=2026-11-01&to=2026-11-30', supervisor);
      assert.equal(stats.status, 200, stats.body);
      const s = stats.json<{ total: number; rows: Array<{ type: string; state: string; outcome: string }> }>();
      assert.equal(s.total, 2, 'the sent preservation and the incoming request; drafts are not counted');
      assert.ok(s.rows.some((row) => row.type === 'preservation' && row.state === 'ES' && row.outcome === 'pending'));
      const before = await call('GET', '/api/v1/cooperation/statistics?to=2026-10-31', supervisor);
      assert.equal(before.json<{ total: number }>().total, 0);
      const badRange = await call('GET', '/api/v1/cooperation/statistics?from=2026-02-30&to=soon', supervisor);
      assert.deepEqual(
        problemOf(badRange).errors?.map((e) => e.path),
        ['from', 'to'],
      );

      const csv = await call('GET', '/api/v1/cooperation/statistics.csv', supervisor);
      assert.equal(csv.status, 200, csv.body);
      assert.equal(csv.headers['content-type'], 'text/csv; charset=utf-8');
      assert.match(String(csv.headers['content-disposition']), /^attachment; filename="statistics-fiscalia\.csv"/);
      assert.equal(csv.body.split('\r\n')[0], 'type,direction,state,outcome,count,answered,median_days_to_answer,p90_days_to_answer');
      assert.match(csv.body, /^preservation,outgoing,ES,pending,1,0,,\r$/m);
      assert.equal((await call('GET', '/api/v1/cooperation/statistics.csv', prosecutor)).status, 403, 'an officer has no statistics permission');

      const notes = await call('GET', '/api/v1/notifications?unread=true', prosecutor);
      assert.equal(notes.status, 200);
      assert.deepEqual(notes.json<{ notifications: unknown[] }>().notifications, []);
      assert.equal((await call('POST', '/api/v1/notifications/read', prosecutor, { all: true })).status, 204);
      assert.equal((await call('POST', '/api/v1/notifications/read', prosecutor, {})).status, 422);
    });

    it('documents every route in the OpenAPI description', async () => {
      const doc = (await server.inject({ method: 'GET', url: '/api/openapi.json' })).json() as { paths: Record<string, Record<string, { tags: string[] }>> };
      for (const [path, method] of [
        ['/api/v1/cases/{ref}/details', 'patch'],
        ['/api/v1/requests/{ref}/steps', 'post'],
        ['/api/v1/cooperation/statistics.csv', 'get'],
        ['/api/v1/notifications/read', 'post'],
      ] as const) {
        assert.deepEqual(doc.paths[path]?.[method]?.tags, ['cooperation'], `${method} ${path}`);
      }
    });
  });
}
