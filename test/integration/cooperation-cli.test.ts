import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../src/config/config.ts';
import { createTestDatabase } from '../support/app.ts';
import { DIALECTS } from '../support/dialects.ts';

/** Budapest Art. 29(2), less (d): the custodian or location, added later. */
const PARTIAL = {
  'requesting-authority': 'Fiscalía Especializada en Ciberdelincuencia, Lima',
  'offence-and-facts': 'Fraude informático (art. 8 Ley 30096): transferencias no autorizadas desde banca en línea.',
  'data-and-link': 'Datos de tráfico y de abonado de la cuenta que recibió los fondos; vínculo con el fraude.',
  necessity: 'x',
  'intent-to-request-mla': 'Perú presentará una solicitud de asistencia mutua para obtener los datos.',
};
const CASE = 'FISC/2026:7';

for (const dialect of DIALECTS) {
  describe(`custodia case facts, request and jobs commands on ${dialect}`, () => {
    let drop: () => Promise<void>;
    let env: NodeJS.ProcessEnv;
    let work: string;
    let reference: string;

    function custodia(args: string[]) {
      const result = spawnSync(process.execPath, [join(PROJECT_ROOT, 'src', 'main.ts'), ...args], { env, encoding: 'utf8', cwd: PROJECT_ROOT });
      return { code: result.status, stdout: result.stdout, stderr: result.stderr, json: () => JSON.parse(result.stdout) };
    }
    const ok = (args: string[]) => {
      const r = custodia(args);
      assert.equal(r.code, 0, `${args.join(' ')}\n${r.stderr}${r.stdout}`);
      return r;
    };

    before(async () => {
      const database = await createTestDatabase(dialect);
      drop = database.drop;
      work = mkdtempSync(join(tmpdir(), 'custodia-requests-'));
      const { LANG: _lang, LC_ALL: _all, CUSTODIA_CONFIG: _config, ...rest } = process.env;
      env = { ...rest, CUSTODIA_DATA_DIR: database.overrides.dataDir, DATABASE_URL: database.overrides.databaseUrl ?? '', LOG_LEVEL: 'warn' };
      ok(['org', 'create', 'fiscalia', '--name', 'Fiscalía', '--kind', 'prosecution']);
      ok(['user', 'create', 'fiscal@pe.example', '--org', 'fiscalia', '--name', 'Fiscal', '--role', 'officer']);
      ok(['case', 'create', CASE, '--org', 'fiscalia', '--member', 'fiscal@pe.example']);
    });
    after(async () => {
      rmSync(work, { recursive: true, force: true });
      await drop();
    });

    it('records a case’s facts and identifiers, refusing what the API refuses', () => {
      const facts = ok(['case', 'facts', CASE, '--org', 'fiscalia', '--conduct', 'computer-fraud', '--summary-es', 'Fraude con banca en línea.', '--json']);
      assert.deepEqual(facts.json().conducts, ['computer-fraud']);
      assert.equal(facts.json().summary.es, 'Fraude con banca en línea.');
      const unknown = custodia(['case', 'facts', CASE, '--org', 'fiscalia', '--conduct', 'wizardry', '--lang', 'en']);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /conducts: Unknown conduct: "wizardry"\./);

      const bare = custodia(['case', 'identifier', CASE, '--org', 'fiscalia', '--kind', 'ip', '--value', '203.0.113.7']);
      assert.equal(bare.code, 2);
      assert.match(bare.stderr, /observedAt: /);
      const ip = ok([
        'case',
        'identifier',
        CASE,
        '--org',
        'fiscalia',
        '--kind',
        'ip',
        '--value',
        '203.0.113.7',
        '--port',
        '51234',
        '--observed-at',
        '2026-11-20T14:03:00-05:00',
        '--time-zone',
        'America/Lima',
        '--json',
      ]);
      assert.ok(ip.json().id);
      const shown = ok(['case', 'facts', CASE, '--org', 'fiscalia']);
      assert.match(shown.stdout, /ip\t203\.0\.113\.7:51234\t2026-11-20T14:03:00-05:00 \(America\/Lima\)/);
    });

    it('creates a request, lists its gaps with their articles (non-zero exit), refuses to submit it, and writes its document', () => {
      const contentFile = join(work, 'content.json');
      writeFileSync(contentFile, JSON.stringify(PARTIAL));
      const created = ok([
        'request',
        'create',
        '--org',
        'fiscalia',
        '--case',
        CASE,
        '--type',
        'preservation',
        '--from',
        'PE',
        '--to',
        'ES',
        '--requesting-authority',
        'pe-ufec',
        '--requested-authority',
        'Punto de contacto 24/7 de España',
        '--language',
        'es',
        '--content-file',
        contentFile,
        '--content',
        'necessity=Los registros se borran a los 90 días; sin conservación se perderán.',
        '--json',
      ]);
      const r = created.json();
      reference = r.reference;
      assert.equal(r.state, 'draft');
      assert.equal(r.instrument, 'ETS185');
      assert.match(r.content.necessity, /^Los registros/, '--content wins over the file');

      const gaps = custodia(['request', 'gaps', reference, '--org', 'fiscalia']);
      assert.equal(gaps.code, 5, gaps.stderr);
      assert.match(gaps.stdout, /^ {2}- content\.custodian-or-location: Falta «.+» \(art\. 29\(2\)\(d\), ETS185\)\.$/m);
      assert.equal(gaps.stdout.trim().split('\n').length, 2, 'one gap, under its heading');
      const gapsJson = custodia(['request', 'gaps', reference, '--org', 'fiscalia', '--json']);
      assert.equal(gapsJson.code, 5);
      assert.deepEqual(
        gapsJson.json().gaps.map((g: { element: string; article: string }) => [g.element, g.article]),
        [['custodian-or-location', '29(2)(d)']],
      );

      const submit = custodia(['request', 'step', reference, 'pending_approval', '--org', 'fiscalia', '--lang', 'en']);
      assert.equal(submit.code, 2);
      assert.match(submit.stderr, /^The request has invalid data\.$/m);
      assert.match(submit.stderr, /content\.custodian-or-location: Missing: ".+" \(art\. 29\(2\)\(d\), ETS185\)\./);
      const jump = custodia(['request', 'step', reference, 'approved', '--org', 'fiscalia', '--json']);
      assert.equal(jump.code, 4);
      assert.equal(jump.json().code, 'cooperation.transition_not_allowed');
      assert.equal(jump.json().title, 'La solicitud no puede pasar de «draft» a «approved». Pasos posibles: pending_approval, withdrawn.');

      const out = join(work, 'solicitud.pdf');
      const doc = ok(['request', 'document', reference, '--org', 'fiscalia', '--lang', 'es', '--out', out, '--json']);
      assert.equal(doc.json().draft, true);
      assert.equal(doc.json().fileName, `${reference}-v1-draft-es.pdf`);
      assert.equal(readFileSync(out).subarray(0, 5).toString('latin1'), '%PDF-');
      const again = custodia(['request', 'document', reference, '--org', 'fiscalia', '--out', out]);
      assert.equal(again.code, 2, 'an existing file is not replaced without --force');
      const html = ok(['request', 'document', reference, '--org', 'fiscalia', '--lang', 'en', '--format', 'html', '--out', out, '--force']);
      assert.match(html.stdout, /draft of version 1, marked DRAFT/);
      assert.match(readFileSync(out, 'utf8'), /^<!DOCTYPE html>/i);
      assert.equal(custodia(['request', 'document', reference, '--org', 'fiscalia', '--out', out, '--force', '--version', '0']).code, 2);
    });

    it('completes the request; the operator who drafted it cannot approve it (four eyes)', () => {
      ok(['request', 'update', reference, '--org', 'fiscalia', '--content', 'custodian-or-location=Proveedor de correo con sede en Madrid.']);
      const gaps = ok(['request', 'gaps', reference, '--org', 'fiscalia', '--lang', 'en']);
      assert.equal(gaps.stdout.trim(), `Request ${reference} lacks nothing: it can go for approval and be sent.`);
      assert.match(ok(['request', 'step', reference, 'pending_approval', '--org', 'fiscalia']).stdout, /ahora en estado pending_approval/);
      const self = custodia(['request', 'step', reference, 'approved', '--org', 'fiscalia', '--json']);
      assert.equal(self.code, 2);
      assert.equal(self.json().code, 'cooperation.four_eyes');
      assert.equal(self.json().status, 403);
    });

    it('imports an incoming request from a JSON file, and refuses one that is not incoming', () => {
      const file = join(work, 'incoming.json');
      writeFileSync(
        file,
        JSON.stringify({
          caseReference: CASE,
          type: 'subscriber-information',
          requestingState: 'ES',
          requestedState: 'PE',
          requestingAuthority: 'Fiscalía Provincial de Madrid',
          languages: ['es'],
          content: { 'offence-and-facts': 'Estafa informática cometida desde cuentas peruanas.' },
        }),
      );
      const imported = ok(['request', 'import', file, '--org', 'fiscalia', '--json']);
      assert.equal(imported.json().direction, 'incoming');
      assert.equal(imported.json().state, 'received');
      const human = ok(['request', 'show', imported.json().reference, '--org', 'fiscalia', '--lang', 'en']);
      assert.match(human.stdout, /^Request SOL-2026-\d{5} \(incoming\) of case FISC\/2026:7$/m);

      const outgoing = join(work, 'outgoing.json');
      writeFileSync(
        outgoing,
        JSON.stringify({ caseReference: CASE, direction: 'outgoing', type: 'preservation', requestingState: 'ES', requestedState: 'PE' }),
      );
      const refused = custodia(['request', 'import', outgoing, '--org', 'fiscalia', '--json']);
      assert.equal(refused.code, 2);
      assert.deepEqual(
        refused.json().errors.map((e: { path: string }) => e.path),
        ['direction'],
      );
      const broken = join(work, 'broken.json');
      writeFileSync(broken, '{ "caseReference": ');
      assert.equal(custodia(['request', 'import', broken, '--org', 'fiscalia']).code, 2);
      const invalid = join(work, 'invalid.json');
      writeFileSync(invalid, JSON.stringify({ caseReference: CASE, type: 'nope', requestingState: 'ES', requestedState: 'ES' }));
      const both = custodia(['request', 'import', invalid, '--org', 'fiscalia', '--json']);
      assert.equal(both.code, 2);
      assert.deepEqual(
        both.json().errors.map((e: { path: string }) => e.path),
        ['type'],
      );
    });

    it('lists, shows the dashboard and the statistics, and runs the due jobs', () => {
      const list = ok(['request', 'list', '--org', 'fiscalia', '--json']);
      assert.equal(list.json().requests.length, 2);
      const incoming = ok(['request', 'list', '--org', 'fiscalia', '--direction', 'incoming', '--case', CASE]);
      assert.match(incoming.stdout, /· entrante · ES → PE · received ·/);
      assert.equal(custodia(['request', 'list', '--org', 'fiscalia', '--state', 'lost']).code, 2);
      const board = ok(['request', 'dashboard', '--org', 'fiscalia', '--json']);
      assert.deepEqual(Object.keys(board.json()).sort(), ['at', 'day', 'overdue', 'week']);
      const csv = ok(['request', 'stats', '--org', 'fiscalia', '--csv']);
      assert.equal(csv.stdout.split('\r\n')[0], 'type,direction,state,outcome,count,answered,median_days_to_answer,p90_days_to_answer');
      assert.match(csv.stdout, /^subscriber-information,incoming,ES,pending,1,0,,\r$/m);
      assert.match(ok(['request', 'stats', '--org', 'fiscalia']).stdout, /^1 solicitud contada \(sin borradores\)\.$/m, 'one request, in the singular');
      assert.equal(custodia(['request', 'stats', '--org', 'fiscalia', '--from', '2026-02-30']).code, 2);
      assert.equal(ok(['request', 'show', reference, '--org', 'fiscalia', '--json']).json().request.state, 'pending_approval');
      assert.equal(custodia(['request', 'show', 'SOL-1999-00001', '--org', 'fiscalia']).code, 3);
      assert.equal(typeof ok(['jobs', 'run', '--json']).json().ran, 'number');
    });
  });
}
