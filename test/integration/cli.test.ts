import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../src/config/config.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'custodia-cli-'));
const env = { ...process.env, CUSTODIA_DATA_DIR: dataDir, LOG_LEVEL: 'warn', DATABASE_URL: '' };

function custodia(args: string[], options: { launcher?: string } = {}) {
  const command = options.launcher ?? process.execPath;
  const entry = options.launcher ? join(PROJECT_ROOT, 'bin', 'custodia.js') : join(PROJECT_ROOT, 'src', 'main.ts');
  const result = spawnSync(command, [entry, ...args], { env, encoding: 'utf8', cwd: PROJECT_ROOT });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, json: () => JSON.parse(result.stdout) };
}

describe('custodia CLI', () => {
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('answers the legal queries with --json, loading the knowledge base at first use', () => {
    const inForce = custodia(['legal', 'in-force', 'ETS185', 'PE', 'CL', '--on', '2020-01-01', '--json']);
    assert.equal(inForce.code, 0, inForce.stderr);
    assert.equal(inForce.json().inForce, true);
    const bases = custodia(['legal', 'bases', 'preservation', 'PE', 'ES', '--json']);
    assert.equal(bases.code, 0, bases.stderr);
    assert.equal(bases.json().bases[0].instrument, 'ETS185');
    const eif = custodia(['legal', 'eif', 'UNCC', '--json']);
    assert.equal(eif.json().general.status, 'pending');
    const dc = custodia([
      'legal',
      'dual-criminality',
      'computer-fraud',
      'PE',
      'CL',
      '--measure',
      'mutual-legal-assistance',
      '--instrument',
      'ETS185',
      '--json',
    ]);
    assert.equal(dc.code, 0, dc.stderr);
    assert.equal(dc.json().verdict, 'met');
  });

  it('explains in Spanish by default and in English on request', () => {
    const es = custodia(['legal', 'bases', 'preservation', 'PE', 'US']);
    assert.equal(es.code, 0, es.stderr);
    assert.match(es.stdout, /conservación rápida de datos/);
    assert.match(es.stdout, /#1 ETS185/);
    const en = custodia(['legal', 'in-force', 'ETS185', 'PE', 'US', '--lang', 'en']);
    assert.match(en.stdout, /is in force between Peru and United States/);
  });

  it('legal eif counts Parties once in force, never "1 of 40" beside "in force", and says the table may be incomplete', () => {
    for (const [lang, inForce, parties, ofThreshold] of [
      [
        'es',
        /^UNTOC: en vigor \d{4}-\d\d-\d\d \(\d+ Partes? registradas?; la tabla puede estar incompleta\)$/m,
        /registra \d+ Partes? en «/,
        /\d+ de \d+ instrumentos/,
      ],
      [
        'en',
        /^UNTOC: in force \d{4}-\d\d-\d\d \(\d+ (Party|Parties) recorded; the table may be incomplete\)$/m,
        /records \d+ (Party|Parties) to “/,
        /\d+ of \d+ instruments/,
      ],
    ] as const) {
      const eif = custodia(['legal', 'eif', 'UNTOC', '--lang', lang]);
      assert.equal(eif.code, 0, eif.stderr);
      assert.match(eif.stdout, inForce);
      assert.match(eif.stdout, parties);
      assert.doesNotMatch(eif.stdout, ofThreshold);
    }
    const json = custodia(['legal', 'eif', 'ETS185', '--json']).json();
    assert.equal(json.general.status, 'in-force');
    assert.ok(json.general.parties >= json.general.threshold, `ETS185: ${json.general.parties} Parties recorded`);
  });

  it('cites an offence as "<law>, art. <n>" once, and a curators\' source as a curators\' note', () => {
    const args = ['legal', 'dual-criminality', 'computer-fraud', 'PE', 'ES', '--measure', 'mutual-legal-assistance', '--instrument', 'ETS185'];
    const es = custodia(args);
    assert.equal(es.code, 0, es.stderr);
    assert.match(es.stdout, /^ {2}\[[^\]]+\] Ley 30096, art\. 8 — /m);
    assert.doesNotMatch(es.stdout, /art\. (Ley|Código)|Ley 30096 art\./);
    assert.doesNotMatch(es.stdout, /engineers|background knowledge|engineering reference/);
    assert.match(es.stdout, /— Nota de los curadores de Custodia \(/);
    const en = custodia([...args, '--lang', 'en']);
    assert.match(en.stdout, /^ {2}\[[^\]]+\] Ley 30096, Art\. 8 — /m);
    assert.match(en.stdout, /— Custodia curators' note \(/);
  });

  it('exits non-zero with every invalid field, as the API would', () => {
    const bad = custodia(['legal', 'bases', 'teleport', 'XX', 'ES', '--json', '--lang', 'en']);
    assert.equal(bad.code, 2);
    const problem = bad.json();
    assert.equal(problem.code, 'validation.failed');
    assert.deepEqual(problem.errors.map((e: { path: string }) => e.path).sort(), ['measure', 'requesting']);
    const human = custodia(['legal', 'in-force', 'ETS185', 'PE', 'QQ', '--on', 'yesterday']);
    assert.equal(human.code, 2);
    assert.match(human.stderr, /Estado desconocido: «QQ»/);
    assert.match(human.stderr, /Fecha no válida: «yesterday»/);
  });

  it('validates, imports status tables and exports the knowledge base', () => {
    assert.equal(custodia(['kb', 'validate', '--json']).json().valid, true);
    const broken = join(dataDir, 'broken-kb');
    cpSync(join(PROJECT_ROOT, 'kb'), broken, { recursive: true });
    writeFileSync(join(broken, 'conducts.json'), '[{"id": "Bad Id"}]');
    const invalid = custodia(['kb', 'validate', broken]);
    assert.equal(invalid.code, 2);
    assert.match(invalid.stderr, /conducts\.json\[0\]/);

    const csv = join(dataDir, 'status.csv');
    writeFileSync(
      csv,
      'instrument,state,event,date,source\nCETS224,PE,ratification,2026-09-01,https://www.coe.int/en/web/conventions/full-list?module=treaty-detail&treatynum=224\n',
    );
    const imported = custodia(['kb', 'import-status', csv, '--json']);
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(imported.json().events, 1);
    const badCsv = join(dataDir, 'bad.csv');
    writeFileSync(badCsv, 'instrument,state,event,date,source\nCETS224,PE,ratified,2026-09-01,x\n');
    const rejected = custodia(['kb', 'import-status', badCsv]);
    assert.equal(rejected.code, 2);
    assert.match(rejected.stderr, /line 2: event/);

    const out = join(dataDir, 'export');
    assert.equal(custodia(['kb', 'export', out]).code, 0);
    assert.ok(existsSync(join(out, 'instruments', 'ETS185.json')));
    assert.match(readFileSync(join(out, 'status', 'CETS224.json'), 'utf8'), /2026-09-01/);
    const versions = custodia(['kb', 'versions', '--json']).json().versions;
    assert.equal(versions[0].kind, 'status-csv');
  });

  it('runs through the package bin even when started by an older system Node', { skip: !existsSync('/usr/bin/node') && 'no system node' }, () => {
    const result = custodia(['legal', 'eif', 'ETS185', 'PE', '--json'], { launcher: '/usr/bin/node' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.json().state.status, 'party');
  });
});
