import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/app.ts';
import { type Config, loadConfig, PROJECT_ROOT } from '../../src/config/config.ts';
import { createLogger } from '../../src/lib/log.ts';
import { createTestDatabase } from '../support/app.ts';
import { DIALECTS } from '../support/dialects.ts';

/** An instant with the node's offset (America/Lima by default): no bare UTC in human output. */
const LIMA_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}-05:00/;
const LINK = /(http:\/\/localhost:8080\/enrol\/(cte_[A-Za-z0-9_-]{43}))/;

for (const dialect of DIALECTS) {
  describe(`custodia org, user and audit commands on ${dialect}`, () => {
    let overrides: Partial<Config>;
    let drop: () => Promise<void>;
    let env: NodeJS.ProcessEnv;

    function custodia(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
      const result = spawnSync(process.execPath, [join(PROJECT_ROOT, 'src', 'main.ts'), ...args], {
        env: { ...env, ...extraEnv },
        encoding: 'utf8',
        cwd: PROJECT_ROOT,
      });
      return { code: result.status, stdout: result.stdout, stderr: result.stderr, json: () => JSON.parse(result.stdout) };
    }

    /** The node's own services on the same data directory and database, as the web server would open them. */
    async function withNode<T>(run: (app: Awaited<ReturnType<typeof createApp>>) => Promise<T>): Promise<T> {
      const app = await createApp(loadConfig({ ...overrides, logLevel: 'silent' }, {}), { log: createLogger('silent') });
      try {
        return await run(app);
      } finally {
        await app.close();
      }
    }

    before(async () => {
      const database = await createTestDatabase(dialect);
      overrides = database.overrides;
      drop = database.drop;
      const { LANG: _lang, LC_ALL: _all, CUSTODIA_PUBLIC_URL: _url, CUSTODIA_CONFIG: _config, ...rest } = process.env;
      env = { ...rest, CUSTODIA_DATA_DIR: overrides.dataDir, DATABASE_URL: overrides.databaseUrl ?? '', LOG_LEVEL: 'warn', PORT: '8080' };
    });
    after(() => drop());

    it('creates and lists organisations, in Spanish by default and in English on request', () => {
      const created = custodia(['org', 'create', 'fiscalia-pe', '--name', 'Fiscalía de la Nación', '--kind', 'prosecution']);
      assert.equal(created.code, 0, created.stderr);
      assert.equal(created.stdout.trim(), 'Organización «fiscalia-pe» creada: Fiscalía de la Nación (Fiscalía).');
      const english = custodia(['org', 'create', 'csirt-pe', '--name', 'CSIRT Perú', '--kind', 'csirt', '--lang', 'en']);
      assert.equal(english.stdout.trim(), 'Organisation “csirt-pe” created: CSIRT Perú (CSIRT).');

      const list = custodia(['org', 'list', '--json']);
      assert.equal(list.code, 0, list.stderr);
      assert.deepEqual(
        list.json().organisations.map((o: { id: string; kind: string }) => `${o.id}:${o.kind}`),
        ['csirt-pe:csirt', 'fiscalia-pe:prosecution'],
      );
      const human = custodia(['org', 'list', '--lang', 'en']);
      assert.match(human.stdout, /^fiscalia-pe\tFiscalía de la Nación\tProsecution service\t/m);
      assert.match(human.stdout, LIMA_TIME);

      const withAdmin = custodia(['org', 'create', 'policia-pe', '--name', 'DIVINDAT', '--kind', 'police', '--admin', 'Jefe@Policia.PE', '--json']);
      assert.equal(withAdmin.code, 0, withAdmin.stderr);
      const admin = withAdmin.json().admin;
      assert.equal(admin.email, 'jefe@policia.pe');
      assert.equal(admin.enrolment.url, `http://localhost:8080/enrol/${admin.enrolment.token}`);

      const again = custodia(['org', 'create', 'fiscalia-pe', '--name', 'Otra', '--json']);
      assert.equal(again.code, 4);
      assert.equal(again.json().code, 'identity.organisation_exists');
    });

    it('adds a person and prints a one-time enrolment link that works', async () => {
      const created = custodia([
        'user',
        'create',
        'Ana.Fiscal@Example.PE',
        '--org',
        'fiscalia-pe',
        '--role',
        'officer',
        '--role',
        'supervisor',
        '--name',
        'Ana',
      ]);
      assert.equal(created.code, 0, created.stderr);
      assert.match(
        created.stdout,
        /^ana\.fiscal@example\.pe es miembro de fiscalia-pe con los roles: Fiscal o investigador \[officer\], Supervisor \(aprobador\) \[supervisor\]\.$/m,
      );
      assert.match(created.stdout, /enlace de activación de un solo uso; vale hasta /);
      assert.match(created.stdout, LIMA_TIME);
      const token = LINK.exec(created.stdout)?.[2] as string;
      assert.ok(token, created.stdout);
      const enrolment = await withNode((app) => app.identity.directory.enrolment(token));
      assert.equal(enrolment.email, 'ana.fiscal@example.pe');
      assert.equal(enrolment.name, 'Ana');

      // The public URL, when configured, is where the link points; JSON carries the same fields as the API.
      const json = custodia(['user', 'create', 'luis@example.pe', '--org', 'fiscalia-pe', '--role', 'auditor', '--locale', 'en', '--json'], {
        CUSTODIA_PUBLIC_URL: 'https://custodia.example.pe/',
      });
      assert.equal(json.code, 0, json.stderr);
      const body = json.json();
      assert.equal(body.email, 'luis@example.pe');
      assert.deepEqual(body.roles, ['auditor']);
      assert.equal(body.enrolment.url, `https://custodia.example.pe/enrol/${body.enrolment.token}`);
      assert.equal((await withNode((app) => app.identity.directory.enrolment(body.enrolment.token))).locale, 'en');

      const english = custodia(['user', 'create', 'eva@example.pe', '--org', 'csirt-pe', '--role', 'csirt_analyst', '--lang', 'en']);
      assert.match(english.stdout, /^eva@example\.pe is a member of csirt-pe with the roles: CSIRT analyst \[csirt_analyst\]\.$/m);
      assert.match(english.stdout, /one-time enrolment link; it is valid until /);
      assert.match(english.stdout, LINK);
    });

    it('lists members as JSON and as text', () => {
      const list = custodia(['user', 'list', '--org', 'fiscalia-pe', '--json']);
      assert.equal(list.code, 0, list.stderr);
      const members = list.json().members as Array<{ email: string; roles: string[]; status: string; userId: string }>;
      assert.deepEqual(
        members.map((m) => [m.email, m.roles, m.status]),
        [
          ['ana.fiscal@example.pe', ['officer', 'supervisor'], 'invited'],
          ['luis@example.pe', ['auditor'], 'invited'],
        ],
      );
      assert.match(custodia(['user', 'list', '--org', 'fiscalia-pe']).stdout, /^ana\.fiscal@example\.pe\tAna\tinvitado \(sin activar\)\t/m);
      assert.match(
        custodia(['user', 'list', '--org', 'fiscalia-pe', '--lang', 'en']).stdout,
        /^luis@example\.pe\tluis\tinvited \(not enrolled yet\)\tAuditor \[auditor\]$/m,
      );
    });

    it('refuses invalid input with a non-zero exit, naming every field as the API does', () => {
      const bad = custodia(['user', 'create', 'not an email', '--org', 'fiscalia-pe', '--role', 'wizard', '--locale', 'fr', '--json', '--lang', 'en']);
      assert.equal(bad.code, 2);
      const problem = bad.json();
      assert.equal(problem.type, 'urn:custodia:problem:validation.failed');
      assert.deepEqual(problem.errors.map((e: { path: string }) => e.path).sort(), ['email', 'locale', 'roles.0']);
      const human = custodia(['user', 'create', 'x'.repeat(300), '--org', 'fiscalia-pe']);
      assert.equal(human.code, 2);
      assert.match(human.stderr, /La solicitud tiene datos no válidos\./);
      assert.match(human.stderr, /- email: Indique una dirección de correo válida\./);
      assert.match(human.stderr, /- roles: Elija al menos un rol válido\./);
      assert.match(human.stderr, /- name: Indique un nombre/);
      const org = custodia(['org', 'create', 'Bad Org', '--name', 'x', '--kind', 'castle', '--lang', 'en']);
      assert.equal(org.code, 2);
      for (const field of ['id', 'name', 'kind']) assert.match(org.stderr, new RegExp(`- ${field}: `));
      // An organisation that does not exist is not found (exit 3), whatever the command.
      const unknownOrg = custodia(['user', 'create', 'x@example.pe', '--org', 'nowhere', '--role', 'officer', '--json']);
      assert.equal(unknownOrg.code, 3);
      assert.equal(unknownOrg.json().errors[0].code, 'identity.organisation_unknown');
    });

    it('answers "not found" (exit 3), never "no members", for an organisation that does not exist', () => {
      const listed = custodia(['user', 'list', '--org', 'no-such-org', '--json']);
      assert.equal(listed.code, 3, listed.stdout);
      const problem = listed.json();
      assert.equal(problem.code, 'not_found');
      assert.deepEqual(problem.errors, [{ path: 'org', code: 'identity.organisation_unknown', message: 'No existe esa organización.' }]);
      const human = custodia(['user', 'list', '--org', 'no-such-org', '--lang', 'en']);
      assert.equal(human.code, 3);
      assert.equal(human.stdout, '');
      assert.doesNotMatch(human.stderr, /no members/);
      for (const args of [
        ['audit', '--org', 'no-such-org'],
        ['case', 'list', '--org', 'no-such-org'],
        ['request', 'list', '--org', 'no-such-org'],
      ]) {
        const answer = custodia([...args, '--json']);
        assert.equal(answer.code, 3, `${args.join(' ')}: ${answer.stdout}`);
        assert.equal(answer.json().code, 'not_found');
      }
    });

    it('replaces roles, reissues links and shows the audit trail with the node’s offset', async () => {
      const roles = custodia(['user', 'roles', 'ana.fiscal@example.pe', '--org', 'fiscalia-pe', '--role', 'admin', '--json']);
      assert.equal(roles.code, 0, roles.stderr);
      assert.deepEqual(roles.json().roles, ['admin']);
      const noRole = custodia(['user', 'roles', 'ana.fiscal@example.pe', '--org', 'fiscalia-pe']);
      assert.equal(noRole.code, 2);
      assert.match(noRole.stderr, /- roles: /);
      const stranger = custodia(['user', 'roles', 'nobody@example.pe', '--org', 'fiscalia-pe', '--role', 'officer', '--lang', 'en']);
      assert.equal(stranger.code, 3);
      assert.match(stranger.stderr, /- email: Not a member of the organisation\./);

      const list = custodia(['user', 'list', '--org', 'fiscalia-pe', '--json']).json().members as Array<{ email: string; userId: string }>;
      const reissued = custodia(['user', 'enrol', 'ana.fiscal@example.pe', '--org', 'fiscalia-pe']);
      assert.equal(reissued.code, 0, reissued.stderr);
      assert.match(reissued.stdout, /^Nuevo enlace de activación para ana\.fiscal@example\.pe/);
      const token = LINK.exec(reissued.stdout)?.[2] as string;
      assert.equal((await withNode((app) => app.identity.directory.enrolment(token))).email, 'ana.fiscal@example.pe');

      const audit = custodia(['audit', '--org', 'fiscalia-pe', '--limit', '500', '--json']);
      assert.equal(audit.code, 0, audit.stderr);
      const types = new Set(audit.json().events.map((e: { type: string }) => e.type));
      for (const type of ['identity.organisation_created', 'identity.user_created', 'identity.roles_changed', 'identity.enrolment_issued'])
        assert.ok(types.has(type), type);
      assert.ok(audit.json().events.every((e: { actor: string }) => e.actor.startsWith('system:cli:')));
      const ana = list.find((m) => m.email === 'ana.fiscal@example.pe')?.userId as string;
      const page = custodia(['audit', '--org', 'fiscalia-pe', '--user', 'ana.fiscal@example.pe', '--type', 'identity.enrolment', '--limit', '1']);
      assert.equal(page.code, 0, page.stderr);
      const [line, more] = page.stdout.trim().split('\n');
      assert.match(
        line as string,
        new RegExp(`^\\d+\\t${LIMA_TIME.source}\\tidentity\\.enrolment_issued\\tsystem:cli:\\S+\\tuser:${ana} org:fiscalia-pe\\texpires=`),
      );
      assert.match(more as string, /^Hay más eventos: repita con --before \d+\.$/);
      const english = custodia(['audit', '--org', 'fiscalia-pe', '--type', 'identity.nothing', '--lang', 'en']);
      assert.equal(english.stdout.trim(), 'No event matches.');
      const bad = custodia(['audit', '--org', 'fiscalia-pe', '--from', 'yesterday', '--limit', '0', '--json']);
      assert.equal(bad.code, 2);
      assert.deepEqual(
        bad
          .json()
          .errors.map((e: { path: string }) => e.path)
          .sort(),
        ['from', 'limit'],
      );
    });
  });
}
