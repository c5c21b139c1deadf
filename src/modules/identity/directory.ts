import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import { AppError } from '../../lib/errors.ts';
import { seal, unseal } from '../../lib/seal.ts';
import { base32Decode, matchTotp, newTotpSecret } from '../../lib/totp.ts';
import { parseInput } from '../../lib/validation.ts';
import type { Database } from '../../storage/db/schema.ts';
import { type Audit, recordChange } from '../ledger/index.ts';
import { type Actor, actorId, authorize, type IdentityDeps, nowIso, type Principal, requireFreshAuthentication } from './context.ts';
import { type Erasure, erasePersonalData } from './erasure.ts';
import { hashPassword, PASSWORD_MAX, PASSWORD_MIN, passwordRules } from './passwords.ts';
import { isRole, OPERATOR_ONLY, OPERATOR_ORGANISATION, PERMISSIONS, type Permission, type Role } from './roles.ts';
import { newRecoveryCode, newSecret, secretHash } from './secrets.ts';
import { NewOrganisation, NewUser, OrganisationId, RoleList } from './validation.ts';

const ENROLMENT_HOURS = 72;
export const RECOVERY_CODES = 10;

export interface Organisation {
  id: string;
  name: string;
  kind: string;
  operator: boolean;
  createdAt: string;
}

export interface Member {
  userId: string;
  email: string;
  name: string;
  status: 'invited' | 'active' | 'disabled';
  roles: Role[];
}

/** Who could help a person refused a permission: the roles that give it, and colleagues who hold one. */
export interface PermissionHolders {
  permission: Permission;
  roles: Role[];
  /** Only the node's operating organisation can hold it (creating organisations, erasure). */
  operatorOnly: boolean;
  orgId: string;
  people: Array<{ name: string; email: string }>;
}

export interface Enrolment {
  userId: string;
  /** The secret of the one-time link; shown once, stored only as a hash. */
  token: string;
  expiresAt: string;
}

export const sealTotp = (deps: IdentityDeps, userId: string, secret: string) => seal(deps.kek, secret, `totp|${userId}`);
export const unsealTotp = (deps: IdentityDeps, userId: string, sealed: string) =>
  Buffer.from(unseal(deps.kek, sealed, `totp|${userId}`, 'identity.secret_unsealable'));

export async function rolesIn(db: Kysely<Database>, userId: string, orgId: string): Promise<Role[]> {
  const rows = await db.selectFrom('memberships').select('role').where('user_id', '=', userId).where('org_id', '=', orgId).orderBy('role').execute();
  return rows.map((r) => r.role).filter(isRole);
}

/** A person and every organisation they belong to: events about them reach each organisation's auditors. */
export async function userSubjects(db: Kysely<Database>, userId: string): Promise<string[]> {
  const rows = await db.selectFrom('memberships').select('org_id').distinct().where('user_id', '=', userId).orderBy('org_id').execute();
  return [`user:${userId}`, ...rows.map((r) => `org:${r.org_id}`)];
}

/**
 * Password rules (`passwordRules`, the list the pages show): length only (NIST SP 800-63B), not the
 * part of the e-mail address before the @, and the confirmation matching.
 */
export function checkPassword(password: string, confirm: string, email: string): void {
  const fields = [];
  for (const rule of passwordRules(email)) {
    if (rule.kind === 'length' && (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX))
      fields.push({ path: 'password', code: 'identity.password_length', params: rule.params });
    else if (rule.kind === 'email_name' && fields.length === 0 && password.toLowerCase().includes(String(rule.params.name)))
      fields.push({ path: 'password', code: 'identity.password_contains_email', params: rule.params });
    else if (rule.kind === 'confirm' && password !== confirm) fields.push({ path: 'passwordConfirm', code: 'identity.password_mismatch' });
  }
  if (fields.length > 0) throw new AppError('validation.failed', { message: 'the password is not acceptable', fields });
}

/** Organisations, the people in them and their roles, and enrolment (the one-time link that sets a password and an authenticator). */
export interface Directory {
  organisation(id: string): Promise<Organisation | undefined>;
  organisations(): Promise<Organisation[]>;
  /** A new organisation; with `admin` (email, name) its first admin too, who gets an enrolment link. */
  createOrganisation(
    actor: Actor,
    input: unknown,
    options?: { operator?: boolean },
  ): Promise<Organisation & { admin?: { userId: string; enrolment?: Enrolment } }>;
  /** Adds a person to an organisation with roles; a person new to the node gets an enrolment link. */
  createUser(actor: Actor, input: unknown): Promise<{ userId: string; enrolment?: Enrolment }>;
  /** A fresh enrolment link (the earlier one stops working), for someone not yet enrolled. */
  reissueEnrolment(actor: Actor, orgId: string, userId: string): Promise<Enrolment>;
  /** The roles a person holds in an organisation (none: not a member). */
  rolesOf(userId: string, orgId: string): Promise<Role[]>;
  members(actor: Actor, orgId: string): Promise<Member[]>;
  /**
   * Who holds a permission a person was refused, so that the refusal can say whom to ask: the active
   * members of the organisation the person acts in (of the node's operating organisation for an
   * operator-only permission) with a role that gives it. Only names and e-mail addresses of colleagues.
   */
  holdersOf(principal: Principal, permission: Permission): Promise<PermissionHolders>;
  /** Replaces someone's roles in an organisation; no roles removes the membership. An organisation always keeps an admin. */
  setRoles(actor: Actor, orgId: string, userId: string, roles: unknown): Promise<Role[]>;
  /** What the enrolment page shows: who it is for and the TOTP seed to scan. */
  enrolment(token: string): Promise<{ email: string; name: string; locale: string; totpSecret: string }>;
  /** Sets the password and confirms the authenticator with a code; returns recovery codes (shown once). */
  completeEnrolment(token: string, input: { password: string; passwordConfirm: string; code: string }): Promise<{ userId: string; recoveryCodes: string[] }>;
  userCount(): Promise<number>;
  /** Erases a person who is in no organisation any more: their ledger entries crypto-shredded, their account stripped (erasure.ts). */
  erasePersonalData(actor: Actor, input: unknown): Promise<Erasure>;
}

export function createDirectory(deps: IdentityDeps): Directory {
  const { db } = deps;

  async function organisation(id: string): Promise<Organisation | undefined> {
    const row = await db.selectFrom('organisations').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? { id: row.id, name: row.name, kind: row.kind, operator: row.operator === 1, createdAt: row.created_at } : undefined;
  }

  async function newEnrolment(trx: Kysely<Database>, userId: string): Promise<Enrolment> {
    const token = newSecret('cte');
    const now = deps.clock.now();
    const expiresAt = new Date(now.getTime() + ENROLMENT_HOURS * 3600_000).toISOString();
    // A new link replaces any earlier one that was not used.
    await trx.updateTable('enrolments').set({ used_at: now.toISOString() }).where('user_id', '=', userId).where('used_at', 'is', null).execute();
    await trx
      .insertInto('enrolments')
      .values({
        token_hash: secretHash(token),
        user_id: userId,
        totp_secret: sealTotp(deps, userId, newTotpSecret()),
        expires_at: expiresAt,
        used_at: null,
        created_at: now.toISOString(),
      })
      .execute();
    return { userId, token, expiresAt };
  }

  async function enrolmentRow(token: string) {
    const row = await db
      .selectFrom('enrolments')
      .innerJoin('users', 'users.id', 'enrolments.user_id')
      .select([
        'enrolments.user_id',
        'enrolments.totp_secret',
        'enrolments.expires_at',
        'enrolments.used_at',
        'enrolments.token_hash',
        'users.email',
        'users.name',
        'users.locale',
      ])
      .where('enrolments.token_hash', '=', secretHash(token))
      .executeTakeFirst();
    if (!row || row.used_at !== null || Date.parse(row.expires_at) <= deps.clock.now().getTime()) {
      throw new AppError('identity.enrolment_invalid', { message: 'this enrolment link is not valid: it was used, replaced or has expired' });
    }
    return row;
  }

  /**
   * Adds a person to an organisation with roles. A new person gets a one-time enrolment link;
   * someone already on the node simply gains the membership.
   */
  async function addMember(
    trx: Kysely<Database>,
    audit: Audit,
    by: string,
    user: z.output<typeof NewUser>,
  ): Promise<{ userId: string; enrolment?: Enrolment }> {
    const existing = await trx.selectFrom('users').select(['id', 'status']).where('email', '=', user.email).executeTakeFirst();
    const userId = existing?.id ?? randomUUID();
    const now = nowIso(deps);
    if (!existing) {
      await trx
        .insertInto('users')
        .values({
          id: userId,
          email: user.email,
          name: user.name,
          locale: user.locale,
          password_hash: null,
          totp_secret: null,
          totp_last_step: 0,
          status: 'invited',
          created_at: now,
        })
        .execute();
      audit({ type: 'identity.user_created', subjects: [`user:${userId}`, `org:${user.orgId}`], data: {} });
    } else if ((await rolesIn(trx, userId, user.orgId)).length > 0) {
      throw new AppError('identity.member_exists', {
        message: `${user.email} is already a member of ${user.orgId}`,
        fields: [{ path: 'email', code: 'identity.member_exists' }],
      });
    }
    const roles = [...new Set(user.roles)];
    for (const role of roles)
      await trx.insertInto('memberships').values({ user_id: userId, org_id: user.orgId, role, granted_at: now, granted_by: by }).execute();
    audit({ type: 'identity.membership_granted', subjects: [`user:${userId}`, `org:${user.orgId}`], data: { roles: roles.join(',') } });
    const enrolment = existing?.status === 'active' ? undefined : await newEnrolment(trx, userId);
    if (enrolment) audit({ type: 'identity.enrolment_issued', subjects: [`user:${userId}`, `org:${user.orgId}`], data: { expires: enrolment.expiresAt } });
    return enrolment ? { userId, enrolment } : { userId };
  }

  return {
    organisation,
    erasePersonalData: (actor, input) => erasePersonalData(deps, actor, input),

    async organisations(): Promise<Organisation[]> {
      const rows = await db.selectFrom('organisations').selectAll().orderBy('name').execute();
      return rows.map((row) => ({ id: row.id, name: row.name, kind: row.kind, operator: row.operator === 1, createdAt: row.created_at }));
    },

    /**
     * Creates an organisation; with `admin` (email, name) its first admin too, who gets an
     * enrolment link. That is the only membership anyone outside an organisation can create in it.
     */
    async createOrganisation(
      actor: Actor,
      input: unknown,
      options: { operator?: boolean } = {},
    ): Promise<Organisation & { admin?: { userId: string; enrolment?: Enrolment } }> {
      authorize(actor, 'organisations.create', undefined);
      requireFreshAuthentication(actor, deps.clock.now());
      const org = parseInput(NewOrganisation, input);
      const admin = org.admin ? parseInput(NewUser, { ...org.admin, orgId: org.id, roles: ['admin'] }, 'admin.') : undefined;
      if (await organisation(org.id)) {
        throw new AppError('identity.organisation_exists', {
          message: `organisation ${org.id} exists`,
          fields: [{ path: 'id', code: 'identity.organisation_exists' }],
        });
      }
      const createdAt = nowIso(deps);
      const created = await recordChange(deps, actorId(actor), async (trx, { audit }) => {
        await trx
          .insertInto('organisations')
          .values({ id: org.id, name: org.name, kind: org.kind, operator: options.operator ? 1 : 0, created_at: createdAt })
          .execute();
        audit({ type: 'identity.organisation_created', subjects: [`org:${org.id}`], data: { name: org.name, kind: org.kind } });
        return admin ? addMember(trx, audit, actorId(actor), admin) : undefined;
      });
      const result = { id: org.id, name: org.name, kind: org.kind, operator: options.operator === true, createdAt };
      return created ? { ...result, admin: created } : result;
    },

    /**
     * Adds a person to an organisation with roles. A new person gets a one-time enrolment link;
     * someone already on the node simply gains the membership.
     */
    async createUser(actor: Actor, input: unknown): Promise<{ userId: string; enrolment?: Enrolment }> {
      const user = parseInput(NewUser, input);
      authorize(actor, 'users.manage', user.orgId);
      requireFreshAuthentication(actor, deps.clock.now());
      if (!(await organisation(user.orgId))) {
        throw new AppError('validation.failed', {
          message: `no organisation ${user.orgId}`,
          fields: [{ path: 'orgId', code: 'identity.organisation_unknown' }],
        });
      }
      return recordChange(deps, actorId(actor), (trx, { audit }) => addMember(trx, audit, actorId(actor), user));
    },

    /** A fresh enrolment link (the earlier one stops working), for someone not yet enrolled. */
    async reissueEnrolment(actor: Actor, orgId: string, userId: string): Promise<Enrolment> {
      authorize(actor, 'users.manage', orgId);
      requireFreshAuthentication(actor, deps.clock.now());
      if ((await rolesIn(db, userId, orgId)).length === 0) throw new AppError('not_found', { message: 'no such member' });
      return recordChange(deps, actorId(actor), async (trx, { audit }) => {
        const user = await trx.selectFrom('users').select('status').where('id', '=', userId).executeTakeFirstOrThrow();
        if (user.status === 'active') throw new AppError('identity.already_enrolled', { message: 'this person has already enrolled' });
        const enrolment = await newEnrolment(trx, userId);
        audit({ type: 'identity.enrolment_issued', subjects: [`user:${userId}`, `org:${orgId}`], data: { expires: enrolment.expiresAt } });
        return enrolment;
      });
    },

    /** The roles a person holds in an organisation (none: not a member). */
    rolesOf: (userId: string, orgId: string): Promise<Role[]> => rolesIn(db, userId, orgId),

    async members(actor: Actor, orgId: string): Promise<Member[]> {
      parseInput(OrganisationId, orgId, 'orgId');
      authorize(actor, 'users.read', orgId);
      const rows = await db
        .selectFrom('memberships')
        .innerJoin('users', 'users.id', 'memberships.user_id')
        .select(['users.id', 'users.email', 'users.name', 'users.status', 'memberships.role'])
        .where('memberships.org_id', '=', orgId)
        .orderBy('users.email')
        .orderBy('memberships.role')
        .execute();
      const members = new Map<string, Member>();
      for (const row of rows) {
        const member = members.get(row.id) ?? { userId: row.id, email: row.email, name: row.name, status: row.status as Member['status'], roles: [] };
        if (isRole(row.role)) member.roles.push(row.role);
        members.set(row.id, member);
      }
      return [...members.values()];
    },

    async holdersOf(principal: Principal, permission: Permission): Promise<PermissionHolders> {
      const roles = [...PERMISSIONS[permission]] as Role[];
      const operatorOnly = OPERATOR_ONLY.has(permission);
      const orgId = operatorOnly ? OPERATOR_ORGANISATION : principal.orgId;
      const rows = await db
        .selectFrom('memberships')
        .innerJoin('users', 'users.id', 'memberships.user_id')
        .select(['users.name', 'users.email'])
        .where('memberships.org_id', '=', orgId)
        .where('memberships.role', 'in', roles)
        .where('users.status', '=', 'active')
        .where('users.id', '!=', principal.userId)
        .distinct()
        .orderBy('users.name')
        .limit(10)
        .execute();
      return { permission, roles, operatorOnly, orgId, people: rows.map((r) => ({ name: r.name, email: r.email })) };
    },

    /** Replaces someone's roles in an organisation; no roles removes the membership. An organisation always keeps an admin. */
    async setRoles(actor: Actor, orgId: string, userId: string, roles: unknown): Promise<Role[]> {
      authorize(actor, 'users.manage', orgId);
      requireFreshAuthentication(actor, deps.clock.now());
      const wanted = [...new Set(parseInput(RoleList, roles, 'roles.'))].sort();
      return recordChange(deps, actorId(actor), async (trx, { audit }) => {
        const before = await rolesIn(trx, userId, orgId);
        if (before.length === 0) throw new AppError('not_found', { message: 'no such member' });
        if (before.includes('admin') && !wanted.includes('admin')) {
          const admins = await trx.selectFrom('memberships').select('user_id').where('org_id', '=', orgId).where('role', '=', 'admin').execute();
          if (admins.length <= 1) {
            throw new AppError('identity.last_admin', {
              message: 'an organisation must keep at least one admin',
              fields: [{ path: 'roles', code: 'identity.last_admin' }],
            });
          }
        }
        await trx.deleteFrom('memberships').where('user_id', '=', userId).where('org_id', '=', orgId).execute();
        const now = nowIso(deps);
        for (const role of wanted)
          await trx
            .insertInto('memberships')
            .values({ user_id: userId, org_id: orgId, role, granted_at: now, granted_by: actorId(actor) })
            .execute();
        // Sessions acting with the old roles end: privileges change only through a new login.
        await trx
          .updateTable('sessions')
          .set({ revoked_at: now })
          .where('user_id', '=', userId)
          .where('org_id', '=', orgId)
          .where('revoked_at', 'is', null)
          .execute();
        audit({
          type: wanted.length === 0 ? 'identity.membership_revoked' : 'identity.roles_changed',
          subjects: [`user:${userId}`, `org:${orgId}`],
          data: { before: before.join(','), after: wanted.join(',') },
        });
        return wanted;
      });
    },

    /** What the enrolment page shows: who it is for and the TOTP seed to scan. */
    async enrolment(token: string): Promise<{ email: string; name: string; locale: string; totpSecret: string }> {
      const row = await enrolmentRow(token);
      return { email: row.email, name: row.name, locale: row.locale, totpSecret: unsealTotp(deps, row.user_id, row.totp_secret).toString() };
    },

    /** Sets the password and confirms the authenticator with a code; returns recovery codes (shown once). */
    async completeEnrolment(
      token: string,
      input: { password: string; passwordConfirm: string; code: string },
    ): Promise<{ userId: string; recoveryCodes: string[] }> {
      const row = await enrolmentRow(token);
      checkPassword(input.password, input.passwordConfirm, row.email);
      const secret = unsealTotp(deps, row.user_id, row.totp_secret).toString();
      const step = matchTotp(base32Decode(secret), input.code.trim(), deps.clock.now().getTime() / 1000, 0);
      if (step === undefined)
        throw new AppError('validation.failed', { message: 'the code does not match', fields: [{ path: 'code', code: 'identity.code_invalid' }] });
      const passwordHash = await hashPassword(input.password);
      const recoveryCodes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
      await recordChange(deps, `user:${row.user_id}`, async (trx, { audit }) => {
        const used = await trx
          .updateTable('enrolments')
          .set({ used_at: nowIso(deps) })
          .where('token_hash', '=', row.token_hash)
          .where('used_at', 'is', null)
          .executeTakeFirst();
        if (Number(used.numUpdatedRows) !== 1) throw new AppError('identity.enrolment_invalid', { message: 'this enrolment link was used already' });
        await trx
          .updateTable('users')
          .set({ password_hash: passwordHash, totp_secret: sealTotp(deps, row.user_id, secret), totp_last_step: step, status: 'active' })
          .where('id', '=', row.user_id)
          .execute();
        await trx.deleteFrom('recovery_codes').where('user_id', '=', row.user_id).execute();
        for (const code of recoveryCodes)
          await trx
            .insertInto('recovery_codes')
            .values({ code_hash: secretHash(code), user_id: row.user_id, used_at: null })
            .execute();
        audit({ type: 'identity.enrolled', subjects: await userSubjects(trx, row.user_id), data: { second_factor: 'totp' } });
      });
      return { userId: row.user_id, recoveryCodes };
    },

    async userCount(): Promise<number> {
      const row = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
