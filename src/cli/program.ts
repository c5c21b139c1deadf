import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { type App, createApp } from '../app.ts';
import { type Config, loadConfig, operatorEnvironment, requireDataDir } from '../config/config.ts';
import { negotiateLocale, t } from '../i18n/index.ts';
import { AppError } from '../lib/errors.ts';
import { createLogger } from '../lib/log.ts';
import { validateKnowledgeDirectory } from '../modules/knowledge/index.ts';
import { registerCaseCommands } from './cases.ts';
import { registerEvidenceCommands } from './evidence.ts';
import { formatExplained } from './format.ts';
import { registerIdentityCommands } from './identity.ts';
import { registerLedgerCommands } from './ledger.ts';
import { type Output, print, reportError } from './output.ts';
import { registerRequestCommands } from './requests.ts';

const OPERATOR = operatorEnvironment();
const CLI_ACTOR = `cli:${OPERATOR.user}`;

interface GlobalOptions {
  json?: boolean;
  lang?: string;
}

function outputOf(options: GlobalOptions): Output {
  return { json: options.json === true, locale: negotiateLocale(options.lang, OPERATOR.language?.replace('_', '-')) };
}

/**
 * Runs one command with an App whose logs go to stderr, closing it whatever happens. The node must
 * exist: only `serve` and `migrate` create a data directory. A command naming an organisation
 * (`--org`) that does not exist answers "not found" (exit 3), never an empty list.
 */
async function withApp(options: GlobalOptions & { org?: string }, run: (app: App, out: Output) => Promise<void>): Promise<void> {
  const out = outputOf(options);
  let app: App | undefined;
  try {
    const config = loadConfig();
    requireDataDir(config);
    app = await createApp(config, { log: createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, process.stderr) });
    await app.knowledge.ensureLoaded(config.kbDir, 'system:first-start');
    if (options.org !== undefined && !(await app.identity.directory.organisation(options.org))) {
      throw new AppError('not_found', {
        message: `there is no organisation ${options.org} on this node`,
        fields: [{ path: 'org', code: 'identity.organisation_unknown' }],
      });
    }
    await run(app, out);
  } catch (error) {
    process.exitCode = reportError(out, error);
  } finally {
    await app?.close();
  }
}

const jsonOption = () => new Option('--json', 'print the answer as JSON');
const langOption = () => new Option('--lang <lang>', 'language of the explanation (es, en)').choices(['es', 'en']);

/** What the CLI is given by the composition root: starting a node is not the CLI's to do. */
export interface ProgramHooks {
  /** Starts a serving node (HTTP, jobs, schedules) and returns once it listens. */
  serve(overrides: Partial<Config>): Promise<void>;
}

export function buildProgram(hooks: ProgramHooks): Command {
  const program = new Command('custodia')
    .description('Custodia: cross-border cooperation against cybercrime')
    .showHelpAfterError()
    .exitOverride((err) => {
      process.exitCode = err.exitCode === 0 ? 0 : 1;
      throw err;
    });

  program
    .command('serve')
    .description('start the HTTP server (loads the shipped knowledge base at first start)')
    .option('--port <port>', 'HTTP port (default: PORT or 8080)')
    .action(async (options: { port?: string }) => {
      await hooks.serve(options.port ? { port: Number(options.port) } : {});
    });

  program
    .command('migrate')
    .description('apply pending database migrations')
    .addOption(jsonOption())
    .action(async (options: GlobalOptions) => {
      const out = outputOf(options);
      try {
        const config = loadConfig();
        const app = await createApp(config, { log: createLogger('warn', process.stderr) });
        await app.close();
        print(out, { database: app.db.dialect, status: 'migrated' }, () => t(out.locale, 'cli.migrated', { database: app.db.dialect }));
      } catch (error) {
        process.exitCode = reportError(out, error);
      }
    });

  const kb = program.command('kb').description('knowledge base: import, export, validate, status tables');
  kb.command('validate')
    .argument('[dir]', 'knowledge-base directory (default: the shipped one)')
    .addOption(jsonOption())
    .addOption(langOption())
    .action(async (dir: string | undefined, options: GlobalOptions) => {
      const out = outputOf(options);
      try {
        const config = loadConfig();
        const target = resolve(dir ?? config.kbDir);
        // Validation needs no database: only the files.
        const dataset = validateKnowledgeDirectory(target);
        const counts = {
          sources: dataset.sources.length,
          states: dataset.states.length,
          instruments: dataset.instruments.length,
          statusEvents: dataset.statusEvents.length,
          declarations: dataset.declarations.length,
          authorities: dataset.authorities.length,
          offences: dataset.offenceCatalogues.reduce((n, c) => n + c.offences.length, 0),
          profileFacts: dataset.profileFacts.length,
        };
        print(out, { valid: true, dir: target, version: dataset.manifest.version, counts }, () =>
          t(out.locale, 'cli.kb.valid', { dir: target, version: dataset.manifest.version, ...counts }),
        );
      } catch (error) {
        process.exitCode = reportError(out, error);
      }
    });
  kb.command('import')
    .argument('[dir]', 'knowledge-base directory (default: the shipped one)')
    .addOption(jsonOption())
    .addOption(langOption())
    .action(async (dir: string | undefined, options: GlobalOptions) =>
      withApp(options, async (app, out) => {
        const result = await app.knowledge.importDirectory(resolve(dir ?? app.config.kbDir), CLI_ACTOR);
        print(out, result, () =>
          t(out.locale, 'cli.kb.imported', {
            seq: result.version.seq,
            id: result.version.id,
            added: result.version.addedCount,
            retired: result.version.retiredCount,
            records: result.version.recordCount,
            hash: result.version.dataHash,
            ledger: result.version.ledgerIndex ?? '-',
          }),
        );
      }),
    );
  kb.command('import-status')
    .argument('<file>', 'CSV with header instrument,state,event,date,source')
    .addOption(jsonOption())
    .addOption(langOption())
    .action(async (file: string, options: GlobalOptions) =>
      withApp(options, async (app, out) => {
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (err) {
          throw new AppError('validation.failed', {
            message: `cannot read ${file}: ${(err as Error).message}`,
            fields: [{ path: 'file', code: 'validation.invalid', message: (err as Error).message }],
          });
        }
        const result = await app.knowledge.importStatusCsv(text, CLI_ACTOR, file);
        print(out, result, () =>
          t(out.locale, 'cli.kb.statusImported', {
            events: result.events,
            seq: result.version.seq,
            added: result.version.addedCount,
            ledger: result.version.ledgerIndex ?? '-',
          }),
        );
      }),
    );
  kb.command('export')
    .argument('<dir>', 'directory to write the knowledge base to')
    .addOption(jsonOption())
    .action(async (dir: string, options: GlobalOptions) =>
      withApp(options, async (app, out) => {
        const result = await app.knowledge.exportDirectory(resolve(dir));
        print(out, { dir: resolve(dir), ...result }, () =>
          t(out.locale, 'cli.kb.exported', { files: result.files.length, dir: resolve(dir), hash: result.hash }),
        );
      }),
    );
  kb.command('versions')
    .description('list every import, newest first')
    .addOption(jsonOption())
    .action(async (options: GlobalOptions) =>
      withApp(options, async (app, out) => {
        const versions = await app.knowledge.versions();
        print(out, { versions }, () => versions.map((v) => `${v.seq}\t${v.importedAt}\t${v.kind}\t+${v.addedCount} −${v.retiredCount}\t${v.label}`).join('\n'));
      }),
    );

  registerLedgerCommands(program, withApp, outputOf);
  registerIdentityCommands(program, withApp);
  registerCaseCommands(program, withApp);
  registerEvidenceCommands(program, withApp);
  registerRequestCommands(program, withApp);

  const legal = program.command('legal').description('legal engine queries (answers explain themselves with citations)');
  legal
    .command('in-force')
    .argument('<instrument>')
    .argument('<stateA>')
    .argument('<stateB>')
    .option('--on <date>', 'ISO date (default: today)')
    .addOption(jsonOption())
    .addOption(langOption())
    .action(async (instrument: string, a: string, b: string, options: GlobalOptions & { on?: string }) =>
      withApp(options, async (app, out) => {
        const answer = await app.knowledge.inForce({ instrument, a, b, on: options.on });
        print(
          out,
          answer,
          () =>
            `${t(out.locale, answer.inForce ? 'cli.legal.yes' : 'cli.legal.no')} — ${answer.instrument} ${answer.states.join('–')} ${answer.on}\n${formatExplained(out.locale, answer)}`,
        );
      }),
    );
  legal
    .command('eif')
    .alias('entry-into-force')
    .argument('<instrument>')
    .argument('[state]')
    .option('--on <date>', 'status date (default: today)')
    .addOption(jsonOption())
    .addOption(langOption())
    .action(async (instrument: string, state: string | undefined, options: GlobalOptions & { on?: string }) =>
      withApp(options, async (app, out) => {
        const answer = await app.knowledge.entryIntoForce({ instrument, state, on: options.on });
        print(out, answer, () => {
          const g = answer.general;
          // Once in force the count is of Parties (never "10 of 5"); before, of consents against the threshold.
          const count =
            g.status === 'pending'
              ? t(out.locale, 'treaties.deposited', { deposited: g.deposited, threshold: g.threshold })
              : t(out.locale, 'legal.eif.parties', { count: g.parties });
          const head = `${answer.instrument}: ${t(out.locale, `status.${g.status}`)}${g.date ? ` ${g.date}` : ''} (${count})`;
          const own = answer.state
            ? `\n${answer.state.state}: ${t(out.locale, `status.${answer.state.status}`)}${answer.state.entryIntoForce ? ` ${answer.state.entryIntoForce}` : ''}\n${formatExplained(out.locale, answer.state)}`
            : '';
          return `${head}\n${formatExplained(out.locale, g)}${own}`;
        });
      }),
    );
  legal
    .command('bases')
    .argument('<measure>', 'request type, e.g. preservation')
    .argument('<requesting>')
    .argument('<requested>')
    .option('--on <date>', 'ISO date (default: today)')
    .addOption(jsonOption())
    .addOption(langOption())
    .action(async (measure: string, requesting: string, requested: string, options: GlobalOptions & { on?: string }) =>
      withApp(options, async (app, out) => {
        const answer = await app.knowledge.legalBases({ measure, requesting, requested, on: options.on });
        print(out, answer, () =>
          [
            `${t(out.locale, 'finder.results', { measure: t(out.locale, `measure.${answer.measure}`), requesting: answer.requesting, requested: answer.requested, on: answer.on })}`,
            ...answer.bases.map((b) =>
              [
                `\n${b.rank ? `#${b.rank}` : `(${t(out.locale, 'finder.unavailable')})`} ${b.instrument} — ${b.instrumentTitle[out.locale]} — art. ${b.articles.join(', ')}`,
                `  ${t(out.locale, 'finder.channels')}: ${b.channels.map((c) => `${t(out.locale, `channel.${c.channel}`)}${c.authority ? ` (${c.authority.name[out.locale]})` : ''}`).join('; ')}`,
                b.mandatoryContent.length > 0
                  ? `  ${t(out.locale, 'finder.mandatory')}: ${b.mandatoryContent.map((m) => `${m.label[out.locale]} [${m.article}]`).join('; ')}`
                  : '',
                formatExplained(out.locale, b, '  '),
              ]
                .filter(Boolean)
                .join('\n'),
            ),
          ].join('\n'),
        );
      }),
    );
  legal
    .command('dual-criminality')
    .argument('<conducts>', 'comma-separated conduct ids, e.g. computer-fraud')
    .argument('<requesting>')
    .argument('<requested>')
    .requiredOption('--measure <measure>', 'request type, e.g. mutual-legal-assistance')
    .requiredOption('--instrument <instrument>', 'instrument id, e.g. ETS185')
    .option('--on <date>', 'ISO date (default: today)')
    .addOption(jsonOption())
    .addOption(langOption())
    .action(async (conducts: string, requesting: string, requested: string, options: GlobalOptions & { on?: string; measure: string; instrument: string }) =>
      withApp(options, async (app, out) => {
        const answer = await app.knowledge.dualCriminality({
          conducts,
          requesting,
          requested,
          measure: options.measure,
          instrument: options.instrument,
          on: options.on,
        });
        print(
          out,
          answer,
          () => `${t(out.locale, 'dual.result', { verdict: t(out.locale, `verdict.${answer.verdict}`) })}\n${formatExplained(out.locale, answer)}`,
        );
      }),
    );
  return program;
}
