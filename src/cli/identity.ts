import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { App } from '../app.ts';
import { linkBase } from '../config/config.ts';
import { type Locale, t, tCount } from '../i18n/index.ts';
import { AppError } from '../lib/errors.ts';
import { isoWithOffset } from '../lib/time.ts';
import { type Actor, type Enrolment, isRole, type Member, systemActor } from '../modules/identity/index.ts';
import { type CommonOptions, collect, type Output, print, type WithApp, withOutputOptions } from './output.ts';

type Options = CommonOptions;

/** The operator at the shell: full power on the node, recorded by their login name. */
export function operator(): Actor {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    name = 'unknown';
  }
  return systemActor(`cli:${name}`);
}

const at = (app: App, iso: string) => isoWithOffset(new Date(iso), app.config.timeZone);
const roleList = (locale: Locale, roles: readonly string[]) =>
  roles.length === 0 ? t(locale, 'common.none') : roles.map((r) => (isRole(r) ? `${t(locale, `role.${r}`)} [${r}]` : r)).join(', ');

let warnedNoPublicUrl = false;

/**
 * The enrolment link printed to the operator: the node's public URL, else where the node last served,
 * else this machine's configured port. Without a public URL the operator is warned, once, on stderr.
 */
function enrolmentLink(app: App, out: Output, enrolment: Enrolment) {
  const { base, from } = linkBase(app.config);
  if (from !== 'public-url' && !warnedNoPublicUrl) {
    warnedNoPublicUrl = true;
    process.stderr.write(`${t(out.locale, from === 'serving' ? 'cli.publicUrlUnset.serving' : 'cli.publicUrlUnset.port', { base })}\n`);
  }
  return { token: enrolment.token, url: `${base}/enrol/${enrolment.token}`, expiresAt: enrolment.expiresAt };
}

async function memberByEmail(app: App, actor: Actor, orgId: string, email: string): Promise<Member> {
  const wanted = email.trim().toLowerCase();
  const member = (await app.identity.directory.members(actor, orgId)).find((m) => m.email === wanted);
  if (!member) {
    throw new AppError('not_found', {
      message: `${wanted} is not a member of ${orgId}`,
      fields: [{ path: 'email', code: 'identity.cli.not_member', message: `${wanted} is not a member of ${orgId}` }],
    });
  }
  return member;
}

/** `custodia org …`, `custodia user …`, `custodia audit`: the node operator administers identity at the shell. */
export function registerIdentityCommands(program: Command, withApp: WithApp): void {
  const common = withOutputOptions;

  const org = program.command('org').description('organisations on this node');
  common(
    org
      .command('create')
      .argument('<id>', 'lowercase letters, digits and hyphens')
      .requiredOption('--name <name>', 'the organisation’s name')
      .option('--kind <kind>', 'prosecution, central_authority, police, csirt, provider, operator or other', 'other')
      .option('--admin <email>', 'its first admin, who gets a one-time enrolment link')
      .option('--admin-name <name>', 'the first admin’s name (default: the part of the email before @)')
      .option('--admin-locale <locale>', 'the first admin’s language: es or en', 'es')
      .description('create an organisation (and, with --admin, its first admin)'),
  ).action((id: string, options: Options & { name: string; kind: string; admin?: string; adminName?: string; adminLocale: string }) =>
    withApp(options, async (app, out) => {
      const admin = options.admin ? { email: options.admin, name: options.adminName ?? options.admin.split('@')[0], locale: options.adminLocale } : undefined;
      const { admin: invited, ...created } = await app.identity.directory.createOrganisation(operator(), {
        id,
        name: options.name,
        kind: options.kind,
        ...(admin ? { admin } : {}),
      });
      const enrolment = invited?.enrolment ? enrolmentLink(app, out, invited.enrolment) : undefined;
      const adminEmail = options.admin?.trim().toLowerCase() ?? '';
      const value = invited ? { ...created, admin: { userId: invited.userId, email: adminEmail, ...(enrolment ? { enrolment } : {}) } } : created;
      print(out, value, () =>
        [
          t(out.locale, 'identity.cli.orgCreated', { id: created.id, name: created.name, kind: t(out.locale, `orgKind.${created.kind}`) }),
          ...(invited ? [t(out.locale, 'identity.cli.userAdded', { email: adminEmail, org: created.id, roles: roleList(out.locale, ['admin']) })] : []),
          ...(invited && !enrolment ? [t(out.locale, 'identity.cli.alreadyEnrolled', { email: adminEmail })] : []),
          ...(enrolment ? [`${t(out.locale, 'identity.cli.enrolmentLink', { expires: at(app, enrolment.expiresAt) })}\n  ${enrolment.url}`] : []),
        ].join('\n'),
      );
    }),
  );
  common(org.command('list').description('list the organisations on this node')).action((options: Options) =>
    withApp(options, async (app, out) => {
      const organisations = await app.identity.directory.organisations();
      print(out, { organisations }, () =>
        organisations.length === 0
          ? t(out.locale, 'identity.cli.noOrganisations')
          : organisations
              .map((o) =>
                [
                  o.id,
                  o.name,
                  `${t(out.locale, `orgKind.${o.kind}`)}${o.operator ? ` ${t(out.locale, 'identity.cli.operator')}` : ''}`,
                  at(app, o.createdAt),
                ].join('\t'),
              )
              .join('\n'),
      );
    }),
  );

  const user = program.command('user').description('people, their roles and enrolment links');
  common(
    user
      .command('create')
      .argument('<email>')
      .requiredOption('--org <id>', 'organisation')
      .option('--role <role>', 'a role (repeat for several)', collect)
      .option('--name <name>', 'the person’s name (default: the part of the email before @)')
      .option('--locale <locale>', 'es or en', 'es')
      .description('add a person to an organisation; someone new gets a one-time enrolment link'),
  ).action((email: string, options: Options & { org: string; role?: string[]; name?: string; locale: string }) =>
    withApp(options, async (app, out) => {
      const roles = options.role ?? [];
      const created = await app.identity.directory.createUser(operator(), {
        email,
        name: options.name ?? email.split('@')[0],
        orgId: options.org,
        roles,
        locale: options.locale,
      });
      const normalised = email.trim().toLowerCase();
      const enrolment = created.enrolment ? enrolmentLink(app, out, created.enrolment) : undefined;
      print(out, { userId: created.userId, email: normalised, orgId: options.org, roles: [...new Set(roles)], ...(enrolment ? { enrolment } : {}) }, () =>
        [
          t(out.locale, 'identity.cli.userAdded', { email: normalised, org: options.org, roles: roleList(out.locale, [...new Set(roles)]) }),
          enrolment
            ? `${t(out.locale, 'identity.cli.enrolmentLink', { expires: at(app, enrolment.expiresAt) })}\n  ${enrolment.url}`
            : t(out.locale, 'identity.cli.alreadyEnrolled', { email: normalised }),
        ].join('\n'),
      );
    }),
  );
  common(
    user
      .command('erase')
      .argument('<email>')
      .requiredOption('--basis <text>', 'the decision behind it (the data-protection request and its reference)')
      .description('erase a person who belongs to no organisation any more: their ledger entries crypto-shredded, their account stripped'),
  ).action((email: string, options: Options & { basis: string }) =>
    withApp(options, async (app, out) => {
      const erased = await app.identity.directory.erasePersonalData(operator(), { email, basis: options.basis });
      print(out, erased, () => tCount(out.locale, 'identity.cli.erased', erased.shredded, { index: erased.recordIndex }));
    }),
  );
  common(user.command('list').requiredOption('--org <id>', 'organisation').description('list the members of an organisation')).action(
    (options: Options & { org: string }) =>
      withApp(options, async (app, out) => {
        const members = await app.identity.directory.members(operator(), options.org);
        print(out, { orgId: options.org, members }, () =>
          members.length === 0
            ? t(out.locale, 'identity.cli.noMembers', { org: options.org })
            : [
                t(out.locale, 'identity.cli.members', { org: options.org }),
                ...members.map((m) => [m.email, m.name, t(out.locale, `identity.cli.status.${m.status}`), roleList(out.locale, m.roles)].join('\t')),
              ].join('\n'),
        );
      }),
  );
  common(
    user
      .command('roles')
      .argument('<email>')
      .requiredOption('--org <id>', 'organisation')
      .option('--role <role>', 'a role (repeat for several); the person’s roles become exactly these', collect)
      .description('replace a member’s roles (their sessions in the organisation end)'),
  ).action((email: string, options: Options & { org: string; role?: string[] }) =>
    withApp(options, async (app, out) => {
      const actor = operator();
      // Forgetting --role must not silently remove someone from their organisation.
      if (!options.role || options.role.length === 0) {
        throw new AppError('validation.failed', {
          message: 'name at least one --role',
          fields: [{ path: 'roles', code: 'identity.roles_invalid', message: 'name at least one --role' }],
        });
      }
      const member = await memberByEmail(app, actor, options.org, email);
      const roles = await app.identity.directory.setRoles(actor, options.org, member.userId, options.role);
      print(out, { userId: member.userId, email: member.email, orgId: options.org, roles }, () =>
        t(out.locale, 'identity.cli.rolesSet', { email: member.email, org: options.org, roles: roleList(out.locale, roles) }),
      );
    }),
  );
  common(
    user
      .command('enrol')
      .argument('<email>')
      .requiredOption('--org <id>', 'organisation')
      .description('a new one-time enrolment link for someone not yet enrolled (the earlier link stops working)'),
  ).action((email: string, options: Options & { org: string }) =>
    withApp(options, async (app, out) => {
      const actor = operator();
      const member = await memberByEmail(app, actor, options.org, email);
      const enrolment = enrolmentLink(app, out, await app.identity.directory.reissueEnrolment(actor, options.org, member.userId));
      print(
        out,
        { userId: member.userId, email: member.email, orgId: options.org, enrolment },
        () => `${t(out.locale, 'identity.cli.newLink', { email: member.email, expires: at(app, enrolment.expiresAt) })}\n  ${enrolment.url}`,
      );
    }),
  );

  common(
    program
      .command('audit')
      .requiredOption('--org <id>', 'organisation whose events to show')
      .option('--type <prefix>', 'event type or prefix, e.g. identity.login')
      .option('--user <user>', 'only events about this person (email or user id)')
      .option('--from <datetime>', 'ISO 8601 date-time with offset')
      .option('--to <datetime>', 'ISO 8601 date-time with offset')
      .option('--before <index>', 'events before this ledger index (the "next" of the previous page)')
      .option('--limit <n>', '1 to 500 (default 100)')
      .description('security events naming an organisation, newest first, from the custody ledger'),
  ).action((options: Options & { org: string; type?: string; user?: string; from?: string; to?: string; before?: string; limit?: string }) =>
    withApp(options, async (app, out) => {
      const actor = operator();
      const userId = options.user?.includes('@') ? (await memberByEmail(app, actor, options.org, options.user)).userId : options.user;
      const query = Object.fromEntries(
        Object.entries({ type: options.type, user: userId, from: options.from, to: options.to, before: options.before, limit: options.limit }).filter(
          ([, v]) => v !== undefined,
        ),
      );
      const page = await app.identity.auditLog.events(actor, options.org, query);
      print(out, page, () => {
        if (page.events.length === 0) return t(out.locale, 'identity.cli.noEvents');
        const lines = page.events.map((e) =>
          [
            e.index,
            at(app, e.at),
            e.type,
            e.actor,
            e.subjects.join(' '),
            Object.entries(e.data)
              .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
              .join(' '),
          ].join('\t'),
        );
        if (page.next !== undefined) lines.push(t(out.locale, 'identity.cli.moreEvents', { next: page.next }));
        return lines.join('\n');
      });
    }),
  );
}
