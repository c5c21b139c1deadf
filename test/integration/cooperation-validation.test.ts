import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fieldMessage } from '../../src/i18n/index.ts';
import { AppError } from '../../src/lib/errors.ts';
import { gapProblems, presentGaps } from '../../src/modules/cooperation/index.ts';
import { asActor, type Principal, systemActor } from '../../src/modules/identity/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { ART_29_2_CONTENT, preservationToSpain } from '../support/cooperation.ts';
import { DIALECTS } from '../support/dialects.ts';
import { type EnrolledUser, enrolUser, login, ManualClock } from '../support/identity.ts';

/** Issue 17: what a prosecutor's first week found the cooperation module accepting or saying wrongly. */
for (const dialect of DIALECTS) {
  describe(`cooperation input checks on ${dialect}`, () => {
    const clock = new ManualClock('2026-11-24T15:00:00.000Z');
    let t: TestApp;
    let prosecutor: EnrolledUser;
    let supervisor: EnrolledUser;
    let authority: EnrolledUser;
    const actor = async (user: EnrolledUser) => asActor((await t.app.identity.sessions.authenticate(await login(t.app, clock, user))) as Principal);
    const fieldsOf = (e: unknown) => {
      assert.ok(e instanceof AppError && e.code === 'validation.failed', String(e));
      return e.fields;
    };
    const entries = async (subject: string, type: string) =>
      // Oldest first (the ledger answers newest first).
      (await t.app.ledger.findEntries({ subjects: [subject], limit: 100 }))
        .filter((f) => f.entry.type === type)
        .map((f) => f.entry.data)
        .reverse();

    before(async () => {
      t = await createTestApp({ dialect, clock });
      prosecutor = await enrolUser(t.app, clock, { email: 'fiscal@pe.example', orgId: 'fiscalia', roles: ['officer'] });
      supervisor = await enrolUser(t.app, clock, { email: 'jefa@pe.example', orgId: 'fiscalia', roles: ['supervisor'] });
      authority = await enrolUser(t.app, clock, { email: 'ac@pe.example', orgId: 'fiscalia', roles: ['central_authority'] });
      await t.app.cases.create(systemActor('test'), {
        reference: 'IP-1',
        orgId: 'fiscalia',
        members: [prosecutor.userId, supervisor.userId, authority.userId],
      });
    });
    after(() => t.cleanup());

    it('refuses an IP identifier that is no IP address, and a moment seen in the future; takes IPv4 and IPv6', async () => {
      const p = await actor(prosecutor);
      const ip = (value: string, observedAt = '2026-11-20T14:03:00-05:00') =>
        t.app.cooperation.caseDetails.addIdentifier(p, 'fiscalia', 'IP-1', { kind: 'ip', value, port: 443, observedAt });
      for (const bad of ['999.1.1.1', '203.0.113', '2001:db8::zz', 'example.org']) {
        await assert.rejects(ip(bad), (e: unknown) => {
          const [field] = fieldsOf(e);
          assert.equal(field?.path, 'value');
          assert.equal(field?.code, 'cooperation.ip_invalid');
          assert.equal(fieldMessage('es', field), `«${bad}» no es una dirección IP (IPv4 como 203.0.113.7, o IPv6 como 2001:db8::7).`);
          assert.match(fieldMessage('en', field), /is not an IP address/);
          return true;
        });
      }
      await assert.rejects(ip('203.0.113.7', '2030-01-01T10:00:00-05:00'), (e: unknown) => {
        const [field] = fieldsOf(e);
        assert.equal(field?.path, 'observedAt');
        assert.equal(field?.code, 'cooperation.observedAt_future');
        assert.match(fieldMessage('en', field), /^The moment 2030-01-01T10:00:00-05:00 is in the future/);
        return true;
      });
      // Four minutes ahead is a drifting clock, not the future.
      assert.ok(await ip('203.0.113.7', '2026-11-24T15:04:00Z'));
      assert.ok(await ip('2001:db8::7'));
      // Other kinds are not read as IP addresses.
      assert.ok(await t.app.cooperation.caseDetails.addIdentifier(p, 'fiscalia', 'IP-1', { kind: 'account', value: '999.1.1.1' }));
      const details = await t.app.cooperation.caseDetails.get(p, 'fiscalia', 'IP-1');
      assert.deepEqual(details.identifiers.map((i) => `${i.kind}:${i.value}`).sort(), ['account:999.1.1.1', 'ip:2001:db8::7', 'ip:203.0.113.7']);
    });

    it('says an answer of one or two characters is too short, not missing, and names the minimum', async () => {
      const p = await actor(prosecutor);
      const r = await t.app.cooperation.create(
        p,
        'fiscalia',
        preservationToSpain('IP-1', { content: { ...ART_29_2_CONTENT, necessity: 'x', 'custodian-or-location': ' ', 'data-and-link': 'ok' } }),
      );
      const view = await t.app.cooperation.get(p, 'fiscalia', r.reference);
      assert.deepEqual(
        view.gaps.map((g) => `${g.path}:${g.code}`),
        [
          'content.data-and-link:cooperation.content_too_short',
          'content.custodian-or-location:cooperation.content_missing',
          'content.necessity:cooperation.content_too_short',
        ],
      );
      const [short, missing] = presentGaps(view.gaps, 'es');
      assert.match(short?.message ?? '', /^«.+» es demasiado breve: escriba al menos 3 caracteres \(art\. 29\(2\)\(c\), ETS185\)\.$/);
      assert.equal(short?.element, 'data-and-link');
      assert.equal(short?.min, 3);
      assert.match(missing?.message ?? '', /^Falta «.+» \(art\. 29\(2\)\(d\), ETS185\)\.$/);
      assert.match(presentGaps(view.gaps, 'en')[0]?.message ?? '', /^".+" is too short: write at least 3 characters \(art\. 29\(2\)\(c\), ETS185\)\.$/);
      // A step refused for it carries the same code and minimum.
      await assert.rejects(t.app.cooperation.step(p, 'fiscalia', r.reference, { to: 'pending_approval' }), (e: unknown) => {
        const fields = fieldsOf(e);
        assert.deepEqual(fields, gapProblems(view.gaps));
        assert.equal(fields[0]?.params?.min, 3);
        return true;
      });
    });

    it('the ledger names only the fields an edit changed (a draft, a sent request, the case facts)', async () => {
      const p = await actor(prosecutor);
      const r = await t.app.cooperation.create(p, 'fiscalia', preservationToSpain('IP-1'));
      /** Everything the edit form sends: all eleven fields, as the request stands. */
      const form = (x: Awaited<ReturnType<typeof t.app.cooperation.create>>) => ({
        instrument: x.instrument ?? '',
        requestingAuthority: x.requestingAuthority ?? '',
        requestedAuthority: x.requestedAuthority ?? '',
        content: { ...x.content },
        urgency: x.urgency,
        urgencyJustification: x.urgencyJustification,
        confidential: x.confidential,
        noNotification: x.noNotification,
        languages: [...x.languages],
        conducts: [...x.conducts],
        dueAt: x.dueAt ?? '',
      });
      const whole = form(r);
      assert.equal(Object.keys(whole).length, 11);
      await t.app.cooperation.update(p, 'fiscalia', r.reference, {
        ...whole,
        urgency: 'urgent',
        content: { ...whole.content, necessity: 'Los registros se borran a los 30 días; sin conservación se perderán.' },
      });
      assert.deepEqual(await entries(`request:${r.id}`, 'cooperation.request.edited'), [{ reference: r.reference, fields: 'content.necessity,urgency' }]);
      // Sent the same form again: nothing changed, nothing recorded.
      const again = await t.app.cooperation.get(p, 'fiscalia', r.reference);
      await t.app.cooperation.update(p, 'fiscalia', r.reference, form(again.request));
      assert.equal((await entries(`request:${r.id}`, 'cooperation.request.edited')).length, 1);

      await t.app.cooperation.step(p, 'fiscalia', r.reference, { to: 'pending_approval' });
      await t.app.cooperation.step(await actor(supervisor), 'fiscalia', r.reference, { to: 'approved' });
      const sent = await t.app.cooperation.step(await actor(authority), 'fiscalia', r.reference, { to: 'sent' });
      assert.equal(sent.version, 1);
      const amended = await t.app.cooperation.update(p, 'fiscalia', r.reference, { ...form(sent), confidential: true, languages: ['es', 'en'] });
      assert.equal(amended.version, 2);
      const amendments = await entries(`request:${r.id}`, 'cooperation.request.amended');
      assert.equal(amendments.length, 1);
      assert.equal(amendments[0]?.fields, 'confidential,languages');
      const unchanged = await t.app.cooperation.update(p, 'fiscalia', r.reference, form(amended));
      assert.equal(unchanged.version, 2, 'an amendment that changes nothing is no new version');

      await t.app.cooperation.caseDetails.setFacts(p, 'fiscalia', 'IP-1', { conducts: ['computer-fraud'], title: 'Fraude', summaryEs: 'Hechos.' });
      await t.app.cooperation.caseDetails.setFacts(p, 'fiscalia', 'IP-1', {
        conducts: ['computer-fraud'],
        offences: [],
        title: 'Fraude bancario',
        summaryEs: 'Hechos.',
        summaryEn: '',
      });
      const kase = await t.app.cooperation.caseDetails.get(p, 'fiscalia', 'IP-1');
      assert.deepEqual(
        (await entries(`case:${kase.id}`, 'cooperation.case_updated')).map((d) => d.fields),
        ['conducts,summaryEs,title', 'title'],
      );
    });
  });
}
