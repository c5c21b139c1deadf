import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../src/lib/errors.ts';
import { pageTexts } from '../../src/lib/pdf/testing.ts';
import { asActor, type Principal, systemActor } from '../../src/modules/identity/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { ART_29_2_CONTENT, preservationToSpain } from '../support/cooperation.ts';
import { DIALECTS } from '../support/dialects.ts';
import { type EnrolledUser, enrolUser, login, ManualClock } from '../support/identity.ts';

const code = (c: string) => (e: unknown) => e instanceof AppError && e.code === c;
const DAY = 86_400;

/** Budapest Art. 29(2): what a preservation request must say (the knowledge base's element ids). */
const ART_29_2 = ['requesting-authority', 'offence-and-facts', 'data-and-link', 'custodian-or-location', 'necessity', 'intent-to-request-mla'];
const content = ART_29_2_CONTENT;

for (const dialect of DIALECTS) {
  describe(`cooperation workflow on ${dialect}`, () => {
    const clock = new ManualClock('2026-11-24T15:00:00.000Z');
    let t: TestApp;
    let prosecutor: EnrolledUser;
    let supervisor: EnrolledUser;
    let authority: EnrolledUser;
    let outsider: EnrolledUser;
    const actor = async (user: EnrolledUser) => asActor((await t.app.identity.sessions.authenticate(await login(t.app, clock, user))) as Principal);
    let reference: string;

    before(async () => {
      t = await createTestApp({ dialect, clock });
      prosecutor = await enrolUser(t.app, clock, { email: 'fiscal@pe.example', orgId: 'fiscalia', roles: ['officer'] });
      supervisor = await enrolUser(t.app, clock, { email: 'jefa@pe.example', orgId: 'fiscalia', roles: ['supervisor'] });
      authority = await enrolUser(t.app, clock, { email: 'ac@pe.example', orgId: 'fiscalia', roles: ['central_authority'] });
      outsider = await enrolUser(t.app, clock, { email: 'otro@pe.example', orgId: 'fiscalia', roles: ['officer', 'supervisor'] });
      await t.app.cases.create(systemActor('test'), {
        reference: 'FRAUDE-1',
        orgId: 'fiscalia',
        members: [prosecutor.userId, supervisor.userId, authority.userId],
      });
    });
    after(() => t.cleanup());

    it('drafts a preservation request to Spain with the engine choosing the Budapest Convention', async () => {
      const p = await actor(prosecutor);
      await t.app.cooperation.caseDetails.setFacts(p, 'fiscalia', 'FRAUDE-1', { conducts: ['computer-fraud'], summaryEs: 'Fraude con banca en línea.' });
      await t.app.cooperation.caseDetails.addIdentifier(p, 'fiscalia', 'FRAUDE-1', {
        kind: 'ip',
        value: '203.0.113.7',
        port: 51234,
        observedAt: '2026-11-20T14:03:00-05:00',
        timeZone: 'America/Lima',
      });
      const r = await t.app.cooperation.create(p, 'fiscalia', preservationToSpain('FRAUDE-1', { content: { ...content, 'custodian-or-location': '' } }));
      reference = r.reference;
      assert.equal(r.state, 'draft');
      assert.equal(r.instrument, 'ETS185');
      assert.ok(r.kbVersion);
      const view = await t.app.cooperation.get(p, 'fiscalia', reference);
      assert.deepEqual(
        view.gaps.map((g) => g.path),
        ['content.custodian-or-location'],
      );
      assert.equal(view.gaps[0]?.article, '29(2)(d)');
    });

    it('refuses to submit an incomplete request, naming what is missing and the article', async () => {
      const p = await actor(prosecutor);
      await assert.rejects(t.app.cooperation.step(p, 'fiscalia', reference, { to: 'pending_approval' }), (e: unknown) => {
        assert.ok(e instanceof AppError && e.code === 'validation.failed');
        assert.equal(e.fields[0]?.path, 'content.custodian-or-location');
        assert.equal(e.fields[0]?.params?.article, '29(2)(d)');
        return true;
      });
      await t.app.cooperation.update(p, 'fiscalia', reference, { content: { 'custodian-or-location': content['custodian-or-location'] } });
      const done = await t.app.cooperation.step(p, 'fiscalia', reference, { to: 'pending_approval' });
      assert.equal(done.state, 'pending_approval');
    });

    it('refuses to submit or approve a request whose instrument is not in force between the two States', async () => {
      const p = await actor(prosecutor);
      // China is not a Party to the Budapest Convention: a complete request under it has no legal basis.
      const r = await t.app.cooperation.create(
        p,
        'fiscalia',
        preservationToSpain('FRAUDE-1', { requestedState: 'CN', instrument: 'ETS185', requestedAuthority: 'Autoridad de China' }),
      );
      assert.equal(r.instrument, 'ETS185');
      const view = await t.app.cooperation.get(p, 'fiscalia', r.reference);
      assert.deepEqual(
        view.gaps.map((g) => `${g.path}:${g.code}`),
        ['instrument:cooperation.basis_unavailable'],
      );
      await assert.rejects(t.app.cooperation.step(p, 'fiscalia', r.reference, { to: 'pending_approval' }), (e: unknown) => {
        assert.ok(e instanceof AppError && e.code === 'validation.failed');
        assert.deepEqual(
          e.fields.map((f) => f.path),
          ['instrument'],
        );
        return true;
      });
      assert.equal((await t.app.cooperation.get(p, 'fiscalia', r.reference)).request.state, 'draft', 'nothing moved');
    });

    it('four eyes: the drafter cannot approve; a supervisor can; an outsider sees nothing', async () => {
      const drafter = await actor(prosecutor);
      await assert.rejects(t.app.cooperation.step(drafter, 'fiscalia', reference, { to: 'approved' }), code('forbidden'));
      const o = await actor(outsider);
      await assert.rejects(t.app.cooperation.get(o, 'fiscalia', reference), code('not_found'));
      const s = await actor(supervisor);
      const approved = await t.app.cooperation.step(s, 'fiscalia', reference, { to: 'approved' });
      assert.equal(approved.state, 'approved');
      await assert.rejects(t.app.cooperation.step(s, 'fiscalia', reference, { to: 'executed' }), (e: unknown) => {
        assert.ok(e instanceof AppError && e.code === 'cooperation.transition_not_allowed');
        assert.deepEqual(e.details?.allowed, ['sent', 'withdrawn']);
        return true;
      });
    });

    it('sending fixes version 1 in the ledger; the PDF carries the six elements and the verification code', async () => {
      const a = await actor(authority);
      const sent = await t.app.cooperation.step(a, 'fiscalia', reference, { to: 'sent' });
      assert.equal(sent.state, 'sent');
      const view = await t.app.cooperation.get(a, 'fiscalia', reference);
      const v1 = view.versions[0];
      assert.ok(v1 && v1.ledgerIndex !== null);
      const entry = await t.app.ledger.entry(v1.ledgerIndex as number);
      assert.equal(entry.entry?.type, 'cooperation.request.sent');
      assert.equal(entry.entry?.hashes.content, `sha256:${v1.contentHash}`);
      const doc = await t.app.cooperation.documents.render(a, 'fiscalia', reference, { locale: 'es' });
      assert.equal(doc.draft, false);
      const text = (await pageTexts(doc.bytes)).join('\n').replace(/\s+/g, ' ');
      const kb = await t.app.knowledge.snapshot();
      const provision = kb.instruments.get('ETS185')?.measures.find((m) => m.measure === 'preservation');
      assert.deepEqual(
        provision?.mandatoryContent.map((e) => e.id),
        ART_29_2,
      );
      for (const element of provision?.mandatoryContent ?? []) assert.ok(text.includes(element.label.es.slice(0, 20)), `label of ${element.id}`);
      assert.match(text, new RegExp(`CUST-${v1.ledgerIndex}-${v1.contentHash.slice(0, 4).toUpperCase()}`));
      const again = await t.app.cooperation.documents.render(a, 'fiscalia', reference, { locale: 'es' });
      assert.ok(again.bytes.equals(doc.bytes), 'a sent version renders to the same bytes');
    });

    it('counts the 60 days of preservation from execution, reminds before it lapses, and a follow-up meets it', async () => {
      const a = await actor(authority);
      clock.advance(2 * DAY);
      await t.app.cooperation.step(a, 'fiscalia', reference, { to: 'received' });
      await t.app.cooperation.step(a, 'fiscalia', reference, { to: 'in_execution' });
      await t.app.cooperation.step(a, 'fiscalia', reference, { to: 'executed' });
      const executedAt = clock.now().getTime();
      let view = await t.app.cooperation.get(a, 'fiscalia', reference);
      const d = view.deadlines.find((x) => x.rule === 'minimum-preservation');
      assert.ok(d);
      assert.equal(d.status, 'running');
      assert.equal(d.estimated, false);
      assert.equal(Date.parse(d.dueAt as string), executedAt + 60 * DAY * 1000);
      // 54 days on: the week-before reminder falls due.
      clock.advance(54 * DAY);
      await t.app.cooperation.runDueJobs();
      const p = await actor(prosecutor);
      const notes = await t.app.cooperation.notifications.list(p, 'fiscalia');
      assert.equal(notes.length, 1);
      assert.equal(notes[0]?.kind, 'deadline.week');
      assert.equal(notes[0]?.params.request, reference);
      const board = await t.app.cooperation.dashboard.due(p, 'fiscalia');
      assert.equal(board.week.length, 1);
      assert.equal(board.week[0]?.requestReference, reference);
      // The follow-up MLA is drafted, approved and sent: the preservation deadline is met.
      const mla = await t.app.cooperation.create(p, 'fiscalia', {
        caseReference: 'FRAUDE-1',
        type: 'mutual-legal-assistance',
        requestingState: 'PE',
        requestedState: 'ES',
        parentReference: reference,
        requestingAuthority: 'pe-central-authority',
        requestedAuthority: 'Ministerio de Justicia de España',
        languages: ['es'],
      });
      assert.equal(mla.linkKind, 'follow-up');
      view = await t.app.cooperation.get(p, 'fiscalia', reference);
      assert.equal(view.linked[0]?.reference, mla.reference);
      assert.equal(view.deadlines.find((x) => x.rule === 'minimum-preservation')?.status, 'running', 'a drafted follow-up does not yet protect the data');
      await t.app.cooperation.step(p, 'fiscalia', mla.reference, { to: 'pending_approval' });
      await t.app.cooperation.step(await actor(supervisor), 'fiscalia', mla.reference, { to: 'approved' });
      await t.app.cooperation.step(a, 'fiscalia', mla.reference, { to: 'sent' });
      view = await t.app.cooperation.get(p, 'fiscalia', reference);
      assert.equal(view.deadlines.find((x) => x.rule === 'minimum-preservation')?.status, 'met');
      // The day-before reminder was cancelled with the deadline met: nothing more arrives.
      clock.advance(6 * DAY);
      await t.app.cooperation.runDueJobs();
      assert.equal((await t.app.cooperation.notifications.list(p, 'fiscalia')).length, 1);
    });

    it('four eyes holds for a supervisor who drafted: someone else must approve', async () => {
      const s = await actor(supervisor);
      const own = await t.app.cooperation.create(s, 'fiscalia', preservationToSpain('FRAUDE-1'));
      await t.app.cooperation.step(s, 'fiscalia', own.reference, { to: 'pending_approval' });
      await assert.rejects(t.app.cooperation.step(s, 'fiscalia', own.reference, { to: 'approved' }), code('cooperation.four_eyes'));
      const state = (await t.app.cooperation.get(s, 'fiscalia', own.reference)).request.state;
      assert.equal(state, 'pending_approval', 'nothing is half-written after a refused step');
      await t.app.cooperation.step(await actor(authority), 'fiscalia', own.reference, { to: 'approved' });
    });

    it('an emergency needs a justification, and a due date already past is a visible warning', async () => {
      const p = await actor(prosecutor);
      const r = await t.app.cooperation.create(p, 'fiscalia', preservationToSpain('FRAUDE-1', { urgency: 'emergency', dueAt: '2020-01-01T10:00:00-05:00' }));
      const view = await t.app.cooperation.get(p, 'fiscalia', r.reference);
      assert.deepEqual(
        view.gaps.map((g) => g.code),
        ['cooperation.justification_required'],
      );
      assert.equal(view.warnings[0]?.code, 'cooperation.deadline_past');
      await t.app.cooperation.update(p, 'fiscalia', r.reference, { urgencyJustification: 'Riesgo inminente para la vida de una menor.', dueAt: '' });
      const after = await t.app.cooperation.get(p, 'fiscalia', r.reference);
      assert.deepEqual(after.gaps, []);
      assert.deepEqual(after.warnings, []);
    });

    it('registers an incoming request, checks it against the instrument and dual criminality, and refuses only on its grounds', async () => {
      const a = await actor(authority);
      const incoming = await t.app.cooperation.create(a, 'fiscalia', {
        caseReference: 'FRAUDE-1',
        direction: 'incoming',
        type: 'stored-data-access',
        requestingState: 'ES',
        requestedState: 'PE',
        instrument: 'ETS185',
        conducts: ['computer-fraud'],
        languages: ['es'],
        requestingAuthority: 'Juzgado de Instrucción n.º 5 de Madrid',
      });
      assert.equal(incoming.state, 'received');
      const view = await t.app.cooperation.get(a, 'fiscalia', incoming.reference);
      assert.equal(view.versions.length, 1, 'what arrived is fixed as received');
      assert.ok(view.dualCriminality, 'the engine answered on dual criminality');
      await assert.rejects(
        t.app.cooperation.step(a, 'fiscalia', incoming.reference, { to: 'refused', reason: 'No procede', grounds: ['made-up'] }),
        (e: unknown) => {
          assert.ok(e instanceof AppError && e.code === 'validation.failed');
          assert.equal(e.fields[0]?.code, 'cooperation.grounds_unknown');
          return true;
        },
      );
      const refused = await t.app.cooperation.step(a, 'fiscalia', incoming.reference, {
        to: 'refused',
        reason: 'Afecta a intereses esenciales.',
        grounds: ['essential-interests'],
      });
      assert.equal(refused.state, 'refused');
      assert.ok(refused.answeredAt);
    });

    it('numbers requests drafted at the same moment without collisions', async () => {
      const p = await actor(prosecutor);
      const made = await Promise.all(
        Array.from({ length: 6 }, () =>
          t.app.cooperation.create(p, 'fiscalia', { caseReference: 'FRAUDE-1', type: 'mutual-legal-assistance', requestingState: 'PE', requestedState: 'ES' }),
        ),
      );
      assert.equal(new Set(made.map((r) => r.reference)).size, 6);
    });

    it('statistics count the request by type, State and outcome, with the time to answer', async () => {
      const s = await actor(supervisor);
      const stats = await t.app.cooperation.statistics.compute(s, 'fiscalia');
      const row = stats.rows.find((r) => r.type === 'preservation');
      assert.ok(row);
      assert.equal(row.state, 'ES');
      assert.equal(row.outcome, 'executed');
      assert.equal(row.medianDays, 2);
    });
  });
}
