import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../../app.ts';
import { type Locale, t } from '../../../i18n/index.ts';
import { asActor, type Enrolment, type Member, ORGANISATION_KINDS, ROLES } from '../../../modules/identity/index.ts';
import { csrfField } from '../../auth/csrf.ts';
import { principalOf } from '../../context.ts';
import { html, type SafeHtml } from '../../html.ts';
import { href } from '../layout.ts';
import {
  bodyOf,
  checkboxGroup,
  checkboxId,
  doneNotice,
  errorSummary,
  type FieldErrors,
  formErrors,
  hidden,
  langField,
  many,
  one,
  onFields,
  selectField,
  sendPrivate,
  textField,
  when,
} from './common.ts';
import { roleNames } from './identity-common.ts';

const NEW_MEMBER_FIELDS = ['email', 'name', 'roles', 'locale'] as const;
const ORGANISATION_FIELDS = ['id', 'name', 'kind', 'adminEmail', 'adminName'] as const;

interface NewMemberValues {
  email?: string | undefined;
  name?: string | undefined;
  roles: string[];
  locale?: string | undefined;
}

/** Problems with one member's roles form: which member, and what to say. */
interface MemberErrors {
  userId: string;
  errors: FieldErrors;
  roles: string[];
}

const memberRolesId = (userId: string) => `member-${userId}-roles`;

function roleOptions(locale: Locale) {
  return ROLES.map((r) => ({ value: r, label: t(locale, `role.${r}`) }));
}

/** The address people open to enrol: the configured public URL, else the origin this request came to. */
function enrolmentLink(app: App, request: FastifyRequest, token: string): string {
  const base = (app.config.publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '');
  return `${base}/enrol/${token}`;
}

export function registerAdminPages(server: FastifyInstance, app: App): void {
  const read = { config: { policy: { permission: 'users.read' as const } } };
  const manage = { config: { policy: { permission: 'users.manage' as const } } };
  const organisations = { config: { policy: { permission: 'organisations.create' as const } } };
  const tz = app.config.timeZone;

  function statusName(locale: Locale, status: Member['status']): string {
    return t(locale, `admin.status.${status}`);
  }

  function memberActions(request: FastifyRequest, reply: FastifyReply, member: Member, failed: MemberErrors | undefined): SafeHtml {
    const locale = request.locale;
    const csrf = csrfField(request, reply);
    const groupId = memberRolesId(member.userId);
    const errors = failed?.userId === member.userId ? failed.errors : new Map();
    const selected = failed?.userId === member.userId ? failed.roles : member.roles;
    return html`<details${errors.size > 0 ? html` open` : ''}>
<summary>${t(locale, 'admin.members.changeRoles')}${hidden(` ${member.email}`)}</summary>
<form method="post" action="/admin/members/${member.userId}/roles" novalidate>
${csrf}${langField(locale)}
${checkboxGroup({
  id: groupId,
  name: 'roles',
  legend: t(locale, 'admin.members.rolesOf', { email: member.email }),
  hint: t(locale, 'admin.members.rolesHint'),
  options: roleOptions(locale),
  selected,
  errors,
})}
<div><button type="submit">${t(locale, 'admin.members.saveRoles')}${hidden(` ${member.email}`)}</button></div>
</form>
</details>
${
  member.status === 'invited'
    ? html`<form method="post" action="/admin/members/${member.userId}/enrolment">${csrf}${langField(locale)}<button type="submit" class="secondary">${t(
        locale,
        'admin.members.reissue',
      )}${hidden(` ${member.email}`)}</button></form>`
    : ''
}`;
  }

  async function adminPage(
    request: FastifyRequest,
    reply: FastifyReply,
    state: { errors?: FieldErrors; status?: number; values?: NewMemberValues; member?: MemberErrors } = {},
  ): Promise<FastifyReply> {
    const locale = request.locale;
    const principal = principalOf(request);
    const canManage = principal.permissions.has('users.manage');
    const members = await app.identity.directory.members(asActor(principal), principal.orgId);
    const errors = state.errors ?? new Map();
    const values = state.values ?? { roles: [] };
    const title = t(locale, 'admin.title');
    const memberErrors = state.member?.errors ?? new Map();

    const rows = members.map(
      (m) => html`<tr>
<th scope="row">${m.email}</th>
<td>${m.name}</td>
<td>${statusName(locale, m.status)}</td>
<td>${roleNames(locale, m.roles)}</td>
${canManage ? html`<td>${memberActions(request, reply, m, state.member)}</td>` : ''}
</tr>`,
    );

    const addForm = canManage
      ? html`<section aria-labelledby="add-member-title">
<h2 id="add-member-title">${t(locale, 'admin.add')}</h2>
<p>${t(locale, 'admin.add.intro')}</p>
<form class="query" method="post" action="/admin/members" novalidate>
${csrfField(request, reply)}${langField(locale)}
${textField({ id: 'email', label: t(locale, 'account.email'), value: values.email, errors, type: 'email', autocomplete: 'off', required: true })}
${textField({ id: 'name', label: t(locale, 'account.name'), value: values.name, errors, autocomplete: 'off', required: true })}
${checkboxGroup({ id: 'roles', name: 'roles', legend: t(locale, 'account.roles'), hint: t(locale, 'admin.add.rolesHint'), options: roleOptions(locale), selected: values.roles, errors })}
${selectField({
  id: 'locale',
  label: t(locale, 'admin.add.locale'),
  options: [
    { value: 'es', label: t(locale, 'admin.add.locale.es') },
    { value: 'en', label: t(locale, 'admin.add.locale.en') },
  ],
  selected: values.locale ?? locale,
  errors,
})}
<div><button type="submit">${t(locale, 'admin.add.submit')}</button></div>
</form>
</section>`
      : '';

    const summary = html`${errorSummary(locale, memberErrors, (f) => (f === memberRolesId(state.member?.userId ?? '') ? checkboxId(f, ROLES[0]) : f))}
${errorSummary(locale, errors, (f) => (f === 'roles' ? checkboxId('roles', ROLES[0]) : f))}`;

    return sendPrivate(reply, request, app, {
      title,
      path: '/admin',
      status: state.status ?? 200,
      body: html`${summary}
<h1>${title}</h1>
${doneNotice(locale, request, 'admin.done.', ['roles'])}
${principal.permissions.has('organisations.create') ? html`<p><a href="${href(locale, '/admin/organisations')}">${t(locale, 'admin.orgs.title')}</a></p>` : ''}
${principal.permissions.has('ledger.erase') ? html`<p><a href="${href(locale, '/admin/erasure')}">${t(locale, 'erasure.title')}</a></p>` : ''}
<section aria-labelledby="members-title">
<h2 id="members-title">${t(locale, 'admin.members', { org: principal.orgName })}</h2>
<div class="table-scroll">
<table class="identity-table">
<caption>${t(locale, 'admin.members.caption', { org: principal.orgName, count: members.length })}</caption>
<thead><tr><th scope="col">${t(locale, 'account.email')}</th><th scope="col">${t(locale, 'account.name')}</th><th scope="col">${t(
        locale,
        'admin.members.status',
      )}</th><th scope="col">${t(locale, 'account.roles')}</th>${canManage ? html`<th scope="col">${t(locale, 'account.actions')}</th>` : ''}</tr></thead>
<tbody>${rows}</tbody>
</table>
</div>
</section>
${addForm}`,
    });
  }

  function enrolmentPage(request: FastifyRequest, reply: FastifyReply, email: string, enrolment: Enrolment | undefined) {
    const locale = request.locale;
    const title = enrolment ? t(locale, 'admin.enrolment.title') : t(locale, 'admin.added.title');
    return sendPrivate(reply, request, app, {
      title,
      path: '/admin',
      status: 201,
      body: html`<h1>${title}</h1>
${
  enrolment
    ? html`<div class="notice" role="status"><p>${t(locale, 'admin.enrolment.send', { email })}</p>
<p><code class="secret" id="enrolment-link">${enrolmentLink(app, request, enrolment.token)}</code></p>
<p>${t(locale, 'admin.enrolment.expires')} ${when(locale, enrolment.expiresAt, tz)}</p></div>`
    : html`<p class="notice" role="status">${t(locale, 'admin.added.existing', { email })}</p>`
}
<p><a href="${href(locale, '/admin')}">${t(locale, 'admin.back')}</a></p>`,
    });
  }

  server.get('/admin', read, async (request, reply) => adminPage(request, reply));

  server.post('/admin/members', manage, async (request, reply) => {
    const principal = principalOf(request);
    const body = bodyOf(request);
    const values: NewMemberValues = { email: one(body.email), name: one(body.name), roles: many(body.roles), locale: one(body.locale) };
    try {
      const created = await app.identity.directory.createUser(asActor(principal), {
        email: values.email ?? '',
        name: values.name ?? '',
        orgId: principal.orgId,
        roles: values.roles,
        ...(values.locale ? { locale: values.locale } : {}),
      });
      return enrolmentPage(request, reply, (values.email ?? '').trim().toLowerCase(), created.enrolment);
    } catch (error) {
      const { errors, status } = formErrors(request, error, 'email');
      return adminPage(request, reply, { errors: onFields(errors, NEW_MEMBER_FIELDS, 'email'), status, values });
    }
  });

  server.post('/admin/members/:userId/roles', manage, async (request, reply) => {
    const principal = principalOf(request);
    const { userId } = request.params as { userId: string };
    const roles = many(bodyOf(request).roles);
    try {
      await app.identity.directory.setRoles(asActor(principal), principal.orgId, userId, roles);
    } catch (error) {
      const groupId = memberRolesId(userId);
      const { errors, status } = formErrors(request, error, groupId);
      return adminPage(request, reply, { status, member: { userId, roles, errors: onFields(errors, [], groupId) } });
    }
    return reply.redirect(`/admin?lang=${request.locale}&done=roles`, 303);
  });

  server.post('/admin/members/:userId/enrolment', manage, async (request, reply) => {
    const principal = principalOf(request);
    const { userId } = request.params as { userId: string };
    try {
      const enrolment = await app.identity.directory.reissueEnrolment(asActor(principal), principal.orgId, userId);
      const members = await app.identity.directory.members(asActor(principal), principal.orgId);
      return enrolmentPage(request, reply, members.find((m) => m.userId === userId)?.email ?? '', enrolment);
    } catch (error) {
      const groupId = memberRolesId(userId);
      const { errors, status } = formErrors(request, error, groupId);
      return adminPage(request, reply, { status, member: { userId, roles: [], errors: onFields(errors, [], groupId) } });
    }
  });

  async function organisationsPage(
    request: FastifyRequest,
    reply: FastifyReply,
    state: { errors?: FieldErrors; status?: number; values?: Record<string, string | undefined> } = {},
  ): Promise<FastifyReply> {
    const locale = request.locale;
    const errors = state.errors ?? new Map();
    const values = state.values ?? {};
    const list = await app.identity.directory.organisations();
    const title = t(locale, 'admin.orgs.title');
    const createdId = one((request.query as Record<string, unknown>).created);
    const created = createdId ? list.find((o) => o.id === createdId) : undefined;
    return sendPrivate(reply, request, app, {
      title,
      path: '/admin/organisations',
      status: state.status ?? 200,
      body: html`${errorSummary(locale, errors, (f) => f)}
<h1>${title}</h1>
${created ? html`<p class="notice" role="status">${t(locale, 'admin.orgs.created', { name: created.name })}</p>` : ''}
<section aria-labelledby="orgs-list-title">
<h2 id="orgs-list-title">${t(locale, 'admin.orgs.list')}</h2>
<div class="table-scroll">
<table class="identity-table">
<caption>${t(locale, 'admin.orgs.caption', { count: list.length })}</caption>
<thead><tr><th scope="col">${t(locale, 'admin.orgs.id')}</th><th scope="col">${t(locale, 'account.name')}</th><th scope="col">${t(
        locale,
        'admin.orgs.kind',
      )}</th><th scope="col">${t(locale, 'admin.orgs.createdAt')}</th></tr></thead>
<tbody>${list.map(
        (
          o,
        ) => html`<tr><th scope="row"><code>${o.id}</code></th><td>${o.name}${o.operator ? html` <strong class="tag">${t(locale, 'admin.orgs.operator')}</strong>` : ''}</td>
<td>${t(locale, `orgKind.${o.kind}`)}</td><td>${when(locale, o.createdAt, tz)}</td></tr>`,
      )}</tbody>
</table>
</div>
</section>
<section aria-labelledby="orgs-new-title">
<h2 id="orgs-new-title">${t(locale, 'admin.orgs.new')}</h2>
<form class="query" method="post" action="/admin/organisations" novalidate>
${csrfField(request, reply)}${langField(locale)}
${textField({ id: 'id', label: t(locale, 'admin.orgs.id'), hint: t(locale, 'admin.orgs.id.hint'), value: values.id, errors, required: true })}
${textField({ id: 'name', label: t(locale, 'account.name'), value: values.name, errors, required: true })}
${selectField({
  id: 'kind',
  label: t(locale, 'admin.orgs.kind'),
  options: ORGANISATION_KINDS.filter((k) => k !== 'operator').map((k) => ({ value: k, label: t(locale, `orgKind.${k}`) })),
  selected: values.kind,
  errors,
  placeholder: t(locale, 'form.choose'),
})}
<fieldset><legend>${t(locale, 'admin.orgs.firstAdmin')}</legend>
<p class="hint">${t(locale, 'admin.orgs.firstAdmin.hint')}</p>
${textField({ id: 'adminEmail', label: t(locale, 'admin.orgs.adminEmail'), value: values.adminEmail, errors, type: 'email', autocomplete: 'off' })}
${textField({ id: 'adminName', label: t(locale, 'admin.orgs.adminName'), value: values.adminName, errors })}
</fieldset>
<div><button type="submit">${t(locale, 'admin.orgs.submit')}</button></div>
</form>
</section>
<p><a href="${href(locale, '/admin')}">${t(locale, 'admin.back')}</a></p>`,
    });
  }

  server.get('/admin/organisations', organisations, async (request, reply) => organisationsPage(request, reply));

  server.post('/admin/organisations', organisations, async (request, reply) => {
    const body = bodyOf(request);
    const values = { id: one(body.id), name: one(body.name), kind: one(body.kind), adminEmail: one(body.adminEmail), adminName: one(body.adminName) };
    try {
      const admin =
        values.adminEmail || values.adminName ? { admin: { email: values.adminEmail ?? '', name: values.adminName ?? '', locale: request.locale } } : {};
      const created = await app.identity.directory.createOrganisation(asActor(principalOf(request)), {
        id: values.id ?? '',
        name: values.name ?? '',
        kind: values.kind ?? '',
        ...admin,
      });
      if (created.admin) return enrolmentPage(request, reply, values.adminEmail ?? '', created.admin.enrolment);
      return reply.redirect(`/admin/organisations?lang=${request.locale}&created=${encodeURIComponent(created.id)}`, 303);
    } catch (error) {
      const found = formErrors(request, error, 'id');
      const status = found.status;
      // The first admin's problems come back as admin.email / admin.name: shown beside those fields.
      const errors: FieldErrors = new Map(
        [...found.errors].map(([path, messages]) => [path === 'admin.email' ? 'adminEmail' : path === 'admin.name' ? 'adminName' : path, messages]),
      );
      return organisationsPage(request, reply, { errors: onFields(errors, ORGANISATION_FIELDS, 'id'), status, values });
    }
  });
}
