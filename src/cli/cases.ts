import type { Command } from 'commander';
import { t } from '../i18n/index.ts';
import { AppError } from '../lib/errors.ts';
import { isoWithOffset } from '../lib/time.ts';
import { operator } from './identity.ts';
import { type CommonOptions, collect, print, type WithApp, withOutputOptions } from './output.ts';

type Options = CommonOptions;

/** `custodia case create|list`: the minimal case record the evidence vault needs (the workflow, #6, extends it). */
export function registerCaseCommands(program: Command, withApp: WithApp): void {
  const common = withOutputOptions;
  const cases = program.command('case').description('cases (investigations) and who may see them');

  common(
    cases
      .command('create')
      .argument('<reference>', 'the case reference, unique in the organisation')
      .requiredOption('--org <id>', 'the owning organisation')
      .option('--title <title>', 'a short title', '')
      .option('--member <email>', 'a member of the organisation put on the access list (repeatable; at least one)', collect, [])
      .description('open a case and put people on its access list'),
  ).action((reference: string, options: Options & { org: string; title: string; member: string[] }) =>
    withApp(options, async (app, out) => {
      const members = await app.identity.directory.members(operator(), options.org);
      const ids = options.member.map((email) => {
        const found = members.find((m) => m.email === email.trim().toLowerCase());
        if (!found)
          throw new AppError('validation.failed', {
            message: `${email} is not a member of ${options.org}`,
            fields: [{ path: 'members', code: 'identity.not_a_member' }],
          });
        return found.userId;
      });
      const record = await app.cases.create(operator(), { reference, orgId: options.org, title: options.title, members: ids });
      print(out, record, () => t(out.locale, 'case.created', { reference: record.reference, org: record.orgId, id: record.id }));
    }),
  );

  common(cases.command('list').requiredOption('--org <id>', 'organisation').description('list the cases of an organisation')).action(
    (options: Options & { org: string }) =>
      withApp(options, async (app, out) => {
        const list = await app.cases.list(operator(), options.org);
        print(out, { orgId: options.org, cases: list }, () =>
          list.length === 0
            ? t(out.locale, 'case.none')
            : list
                .map((c) =>
                  t(out.locale, 'case.line', { reference: c.reference, title: c.title || '—', at: isoWithOffset(new Date(c.createdAt), app.config.timeZone) }),
                )
                .join('\n'),
        );
      }),
  );
}
