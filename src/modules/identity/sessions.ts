import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { AppError } from '../../lib/errors.ts';
import { base32Decode, matchTotp, newTotpSecret } from '../../lib/totp.ts';
import type { Database } from '../../storage/db/schema.ts';
import { asActor, type IdentityDeps, nowIso, type Principal, principalFrom, requireFreshAuthentication } from './context.ts';

export { REAUTH_MINUTES } from './context.ts';

import { parseInput } from '../../lib/validation.ts';
import { recordChange } from '../ledger/index.ts';
import { checkPassword, RECOVERY_CODES, rolesIn, sealTotp, unsealTotp, userSubjects } from './directory.ts';
import { createFailureRecorder } from './failures.ts';
import { decoyHash, hashPassword, PASSWORD_MAX, verifyPassword } from './passwords.ts';
import { newRecoveryCode, newSecret, normaliseRecoveryCode, secretHash } from './secrets.ts';
import { checkThrottle, clearThrottle, recordFailure, throttleKey } from './throttle.ts';
import { OrganisationId } from './validation.ts';

/** Session lifetimes: idle and absolute, and how recent a login must be for sensitive actions. */
export const SESSION_IDLE_MINUTES = 30;
export const SESSION_ABSOLUTE_HOURS = 12;
const CHALLENGE_MINUTES = 5;
const CHALLENGE_ATTEMPTS = 5;
/** last_seen is written at most this often: a write per request would serialise every reader. */
const TOUCH_SECONDS = 60;

export interface Client {
  ip: string;
  userAgent: string;
}

export interface NewSession {
  /** The cookie value; shown to the browser once, stored only as a hash. */
  token: string;
  sessionId: string;
  csrfToken: string;
  expiresAt: string;
}

export interface SessionInfo {
  id: string;
  orgId: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string;
  userAgent: string;
  current: boolean;
}

/**
 * A second factor that was right but is spent: a TOTP code whose step was just used (signing in
 * within the 30 s of enrolling, or twice in one window) or a recovery code used before. The person
 * is told which (the field code), so they wait for the next code rather than retype this one.
 */
export interface Spent {
  spent: 'identity.code_reused' | 'identity.recovery_code_used';
}

const LOGIN_FAILED = () => new AppError('identity.login_failed', { message: 'the email or the password is not correct' });

/** Sign-in in two steps (password, then a TOTP or recovery code), the sessions it opens, and the person's own second factors. */
export interface Sessions {
  /** First step: the password. Returns a short-lived challenge for the second factor. */
  beginLogin(input: { email: string; password: string }, client: Client): Promise<{ challenge: string }>;
  /** Second step: a TOTP or recovery code. A new session (and token) every time: no fixation. */
  completeLogin(input: { challenge: string; code: string; orgId?: string }, client: Client): Promise<NewSession>;
  /** The principal behind a session cookie, or undefined when it is unknown, revoked, idle or expired. */
  authenticate(token: string): Promise<Principal | undefined>;
  logout(principal: Principal): Promise<void>;
  list(principal: Principal): Promise<SessionInfo[]>;
  /** Ends one of one's own sessions (never someone else's). */
  revoke(principal: Principal, sessionId: string): Promise<void>;
  /** Password and second factor again, for sensitive actions; the session then counts as freshly authenticated. */
  reauthenticate(principal: Principal, input: { password: string; code: string }): Promise<void>;
  /** Sensitive actions need a login (or confirmation) within the last few minutes; else `identity.reauthentication_required`. */
  requireRecentAuthentication(principal: Principal): void;
  /** Acts in another of one's organisations: a new session token, since privileges change. */
  switchOrganisation(principal: Principal, orgId: string, client: Client): Promise<NewSession>;
  organisationsOf(userId: string): Promise<Array<{ id: string; name: string }>>;
  /** A new TOTP seed to scan; confirmed by `confirmNewTotp` with a code from it. Needs a recent login. */
  newTotpSeed(principal: Principal): { secret: string; sealed: string };
  confirmNewTotp(principal: Principal, sealed: string, code: string): Promise<void>;
  regenerateRecoveryCodes(principal: Principal): Promise<string[]>;
  /** Sets a new password for oneself (needs a recent login, `passwordRules`); the person's other sessions end. */
  changePassword(principal: Principal, input: { password: string; passwordConfirm: string }): Promise<void>;
  recoveryCodesLeft(userId: string): Promise<number>;
}

/** The steps another second factor (passkeys) finishes a password-accepted sign-in with; not used outside the module. */
export interface PendingLogins {
  /** The user a pending sign-in (password accepted) belongs to; refuses a used, expired or exhausted one. */
  pendingLogin(challengeToken: string): Promise<{ userId: string; tokenHash: string; attempts: number }>;
  /** Ends a sign-in whose second factor `verify` checks inside the transaction: a session, or a counted failure. */
  finishLogin(
    input: { challenge: string; orgId?: string },
    client: Client,
    verify: (trx: Kysely<Database>, userId: string) => Promise<string | Spent | undefined>,
    fields?: { path: string; code: string },
  ): Promise<NewSession>;
}

export function createSessions(deps: IdentityDeps): Sessions & PendingLogins {
  const { db } = deps;
  const now = () => deps.clock.now();

  const failure = createFailureRecorder(deps);

  /** The organisation a login starts in: the one asked for if the person belongs to it, else their first. */
  async function homeOrganisation(trx: Kysely<Database>, userId: string, wanted?: string): Promise<string> {
    const rows = await trx.selectFrom('memberships').select('org_id').distinct().where('user_id', '=', userId).orderBy('org_id').execute();
    const ids = rows.map((r) => r.org_id);
    if (wanted && ids.includes(wanted)) return wanted;
    const first = ids[0];
    if (!first) throw new AppError('identity.no_membership', { message: 'this account belongs to no organisation' });
    return first;
  }

  async function openSession(trx: Kysely<Database>, userId: string, orgId: string, client: Client, authenticatedAt: string): Promise<NewSession> {
    const token = newSecret('cts');
    const csrfToken = newSecret('cts').slice(4);
    const at = now();
    const expiresAt = new Date(at.getTime() + SESSION_ABSOLUTE_HOURS * 3600_000).toISOString();
    const sessionId = randomUUID();
    await trx
      .insertInto('sessions')
      .values({
        id: sessionId,
        token_hash: secretHash(token),
        user_id: userId,
        org_id: orgId,
        csrf_token: csrfToken,
        created_at: at.toISOString(),
        last_seen_at: at.toISOString(),
        expires_at: expiresAt,
        authenticated_at: authenticatedAt,
        ip: client.ip.slice(0, 64),
        user_agent: client.userAgent.slice(0, 300),
        revoked_at: null,
      })
      .execute();
    return { token, sessionId, csrfToken, expiresAt };
  }

  /**
   * Checks a TOTP code or a recovery code for a user, consuming it; undefined when neither matches,
   * `Spent` when it matches but was already used (never a way in, only a clearer refusal).
   */
  async function secondFactor(trx: Kysely<Database>, userId: string, code: string): Promise<'totp' | 'recovery' | Spent | undefined> {
    const user = await trx.selectFrom('users').select(['totp_secret', 'totp_last_step']).where('id', '=', userId).executeTakeFirstOrThrow();
    const clean = code.trim();
    if (/^\d{6}$/.test(clean) && user.totp_secret) {
      const secret = base32Decode(unsealTotp(deps, userId, user.totp_secret).toString());
      const at = now().getTime() / 1000;
      const step = matchTotp(secret, clean, at, Number(user.totp_last_step));
      if (step === undefined) return matchTotp(secret, clean, at, -1) === undefined ? undefined : { spent: 'identity.code_reused' };
      // Conditional on the old step: two concurrent logins with one code cannot both pass.
      const moved = await trx.updateTable('users').set({ totp_last_step: step }).where('id', '=', userId).where('totp_last_step', '<', step).executeTakeFirst();
      return Number(moved.numUpdatedRows) === 1 ? 'totp' : { spent: 'identity.code_reused' };
    }
    if (clean.replace(/[^a-zA-Z0-9]/g, '').length === 12) {
      const used = await trx
        .updateTable('recovery_codes')
        .set({ used_at: now().toISOString() })
        .where('code_hash', '=', secretHash(normaliseRecoveryCode(clean)))
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (Number(used.numUpdatedRows) === 1) return 'recovery';
      const spent = await trx
        .selectFrom('recovery_codes')
        .select('used_at')
        .where('code_hash', '=', secretHash(normaliseRecoveryCode(clean)))
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return spent ? { spent: 'identity.recovery_code_used' } : undefined;
    }
    return undefined;
  }

  async function principalForSession(row: {
    id: string;
    user_id: string;
    org_id: string;
    csrf_token: string;
    authenticated_at: string;
  }): Promise<Principal | undefined> {
    const user = await db.selectFrom('users').select(['id', 'email', 'name', 'locale', 'status']).where('id', '=', row.user_id).executeTakeFirst();
    const org = await db.selectFrom('organisations').select(['id', 'name', 'operator']).where('id', '=', row.org_id).executeTakeFirst();
    if (!user || !org || user.status !== 'active') return undefined;
    return {
      via: 'session',
      ...principalFrom(user, org, await rolesIn(db, user.id, org.id)),
      sessionId: row.id,
      authenticatedAt: row.authenticated_at,
      csrfToken: row.csrf_token,
    };
  }

  return {
    /** First step: the password. Returns a short-lived challenge for the second factor. */
    async beginLogin(input: { email: string; password: string }, client: Client): Promise<{ challenge: string }> {
      const email = String(input.email ?? '')
        .trim()
        .toLowerCase()
        .slice(0, 254);
      const keys = [throttleKey('account', email), throttleKey('source', client.ip)];
      await checkThrottle(db, keys, now());
      const password = String(input.password ?? '');
      const user = email ? await db.selectFrom('users').select(['id', 'password_hash', 'status']).where('email', '=', email).executeTakeFirst() : undefined;
      // The same work whether or not the account exists, so timing does not tell.
      const ok = password.length <= PASSWORD_MAX && (await verifyPassword(password, user?.password_hash ?? (await decoyHash())));
      if (!user || !ok || user.status !== 'active' || !user.password_hash) {
        await failure(keys, user ? { userId: user.id, reason: user.status === 'active' ? 'password' : 'not_enrolled' } : { reason: 'unknown_account' });
        throw LOGIN_FAILED();
      }
      const challenge = newSecret('ctl');
      await db
        .insertInto('login_challenges')
        .values({
          token_hash: secretHash(challenge),
          user_id: user.id,
          expires_at: new Date(now().getTime() + CHALLENGE_MINUTES * 60_000).toISOString(),
          attempts: 0,
          used_at: null,
        })
        .execute();
      return { challenge };
    },

    /** Second step: a TOTP or recovery code. A new session (and token) every time: no fixation. */
    async completeLogin(input: { challenge: string; code: string; orgId?: string }, client: Client): Promise<NewSession> {
      return this.finishLogin(input, client, (trx, userId) => secondFactor(trx, userId, String(input.code ?? '')));
    },

    /** The user a pending sign-in (password accepted) belongs to; refuses a used, expired or exhausted one. */
    async pendingLogin(challengeToken: string): Promise<{ userId: string; tokenHash: string; attempts: number }> {
      const challenge = await db
        .selectFrom('login_challenges')
        .selectAll()
        .where('token_hash', '=', secretHash(String(challengeToken ?? '')))
        .executeTakeFirst();
      if (!challenge || challenge.used_at !== null || Date.parse(challenge.expires_at) <= now().getTime() || challenge.attempts >= CHALLENGE_ATTEMPTS) {
        throw new AppError('identity.challenge_invalid', { message: 'the sign-in has expired; enter your password again' });
      }
      return { userId: challenge.user_id, tokenHash: challenge.token_hash, attempts: challenge.attempts };
    },

    /**
     * Ends a sign-in whose second factor `verify` checks (inside the transaction, consuming it):
     * a session on success; on failure, a counted attempt, the throttle and an audit event.
     */
    async finishLogin(
      input: { challenge: string; orgId?: string },
      client: Client,
      verify: (trx: Kysely<Database>, userId: string) => Promise<string | Spent | undefined>,
      fields: { path: string; code: string } = { path: 'code', code: 'identity.code_invalid' },
    ): Promise<NewSession> {
      let spent: Spent['spent'] | undefined;
      const challenge = await this.pendingLogin(input.challenge);
      const user = await db.selectFrom('users').select(['email']).where('id', '=', challenge.userId).executeTakeFirstOrThrow();
      const keys = [throttleKey('account', user.email), throttleKey('source', client.ip)];
      await checkThrottle(db, keys, now());
      const result = await recordChange(deps, `user:${challenge.userId}`, async (trx, { audit }) => {
        const factor = await verify(trx, challenge.userId);
        if (typeof factor !== 'string') {
          spent = factor?.spent;
          return undefined;
        }
        await trx.updateTable('login_challenges').set({ used_at: now().toISOString() }).where('token_hash', '=', challenge.tokenHash).execute();
        const orgId = await homeOrganisation(trx, challenge.userId, input.orgId);
        const session = await openSession(trx, challenge.userId, orgId, client, now().toISOString());
        audit({
          type: 'identity.login',
          subjects: [`user:${challenge.userId}`, `org:${orgId}`, `session:${session.sessionId}`],
          data: { second_factor: factor },
        });
        return session;
      });
      if (!result) {
        await db
          .updateTable('login_challenges')
          .set({ attempts: challenge.attempts + 1 })
          .where('token_hash', '=', challenge.tokenHash)
          .execute();
        await recordChange(deps, `user:${challenge.userId}`, async (trx, { audit }) => {
          for (const key of keys) await recordFailure(trx, key, now());
          audit({ type: 'identity.second_factor_failed', subjects: await userSubjects(trx, challenge.userId), data: {} });
        });
        // A spent code still counts as a failed attempt above: only the message differs.
        if (spent) throw new AppError('validation.failed', { message: 'the code is right but was just used', fields: [{ path: fields.path, code: spent }] });
        throw new AppError('validation.failed', { message: 'the second factor is not correct or was used already', fields: [fields] });
      }
      await clearThrottle(db, keys[0] as string);
      return result;
    },

    /** The principal behind a session cookie, or undefined when it is unknown, revoked, idle or expired. */
    async authenticate(token: string): Promise<Principal | undefined> {
      if (!/^cts_[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
      const row = await db.selectFrom('sessions').selectAll().where('token_hash', '=', secretHash(token)).executeTakeFirst();
      const at = now().getTime();
      if (!row || row.revoked_at !== null || Date.parse(row.expires_at) <= at || Date.parse(row.last_seen_at) + SESSION_IDLE_MINUTES * 60_000 <= at)
        return undefined;
      if (at - Date.parse(row.last_seen_at) > TOUCH_SECONDS * 1000)
        await db
          .updateTable('sessions')
          .set({ last_seen_at: new Date(at).toISOString() })
          .where('id', '=', row.id)
          .execute();
      return principalForSession(row);
    },

    async logout(principal: Principal): Promise<void> {
      if (!principal.sessionId) return;
      await recordChange(deps, `user:${principal.userId}`, async (trx, { audit }) => {
        await trx
          .updateTable('sessions')
          .set({ revoked_at: nowIso(deps) })
          .where('id', '=', principal.sessionId as string)
          .execute();
        audit({ type: 'identity.logout', subjects: [`user:${principal.userId}`, `org:${principal.orgId}`, `session:${principal.sessionId}`], data: {} });
      });
    },

    async list(principal: Principal): Promise<SessionInfo[]> {
      const at = now().getTime();
      const rows = await db
        .selectFrom('sessions')
        .selectAll()
        .where('user_id', '=', principal.userId)
        .where('revoked_at', 'is', null)
        .orderBy('created_at', 'desc')
        .execute();
      return rows
        .filter((r) => Date.parse(r.expires_at) > at && Date.parse(r.last_seen_at) + SESSION_IDLE_MINUTES * 60_000 > at)
        .map((r) => ({
          id: r.id,
          orgId: r.org_id,
          createdAt: r.created_at,
          lastSeenAt: r.last_seen_at,
          expiresAt: r.expires_at,
          ip: r.ip,
          userAgent: r.user_agent,
          current: r.id === principal.sessionId,
        }));
    },

    /** Ends one of one's own sessions (never someone else's: the id is looked up under the user). */
    async revoke(principal: Principal, sessionId: string): Promise<void> {
      await recordChange(deps, `user:${principal.userId}`, async (trx, { audit }) => {
        const done = await trx
          .updateTable('sessions')
          .set({ revoked_at: nowIso(deps) })
          .where('id', '=', sessionId)
          .where('user_id', '=', principal.userId)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        if (Number(done.numUpdatedRows) !== 1) throw new AppError('not_found', { message: 'no such session' });
        audit({ type: 'identity.session_revoked', subjects: [`user:${principal.userId}`, `org:${principal.orgId}`, `session:${sessionId}`], data: {} });
      });
    },

    /** Password and second factor again, for sensitive actions; the session then counts as freshly authenticated. */
    async reauthenticate(principal: Principal, input: { password: string; code: string }): Promise<void> {
      if (!principal.sessionId) throw new AppError('forbidden', { message: 'only a signed-in person can confirm their identity' });
      const keys = [throttleKey('account', principal.email)];
      await checkThrottle(db, keys, now());
      const user = await db.selectFrom('users').select('password_hash').where('id', '=', principal.userId).executeTakeFirstOrThrow();
      const password = String(input.password ?? '');
      const passwordOk = password.length <= PASSWORD_MAX && user.password_hash !== null && (await verifyPassword(password, user.password_hash));
      let spent: Spent['spent'] | undefined;
      const ok = await recordChange(deps, `user:${principal.userId}`, async (trx, { audit }) => {
        const factor = passwordOk ? await secondFactor(trx, principal.userId, String(input.code ?? '')) : undefined;
        if (typeof factor !== 'string') {
          spent = factor?.spent;
          return false;
        }
        await trx
          .updateTable('sessions')
          .set({ authenticated_at: nowIso(deps) })
          .where('id', '=', principal.sessionId as string)
          .execute();
        audit({ type: 'identity.reauthenticated', subjects: [`user:${principal.userId}`, `org:${principal.orgId}`], data: { second_factor: factor } });
        return true;
      });
      if (!ok) {
        await failure(keys, { userId: principal.userId, reason: 'reauthentication' });
        // Only once the password was right does the refusal say the code was right but spent.
        throw new AppError('validation.failed', {
          message: spent ? 'the code is right but was just used' : 'the password or the code is not correct',
          fields: [{ path: 'code', code: spent ?? 'identity.reauth_failed' }],
        });
      }
    },

    /** Sensitive actions need a login (or confirmation) within the last few minutes. */
    requireRecentAuthentication(principal: Principal): void {
      if (principal.via !== 'session' || !principal.authenticatedAt) throw new AppError('forbidden', { message: 'this action needs a signed-in person' });
      requireFreshAuthentication(asActor(principal), now());
    },

    /** Acts in another of one's organisations: a new session token, since privileges change. */
    async switchOrganisation(principal: Principal, orgId: string, client: Client): Promise<NewSession> {
      if (!principal.sessionId) throw new AppError('forbidden', { message: 'only a signed-in person can switch organisation' });
      parseInput(OrganisationId, orgId, 'orgId');
      if ((await rolesIn(db, principal.userId, orgId)).length === 0) throw new AppError('forbidden', { message: `not a member of ${orgId}` });
      return recordChange(deps, `user:${principal.userId}`, async (trx, { audit }) => {
        const old = await trx
          .selectFrom('sessions')
          .select('authenticated_at')
          .where('id', '=', principal.sessionId as string)
          .executeTakeFirstOrThrow();
        await trx
          .updateTable('sessions')
          .set({ revoked_at: nowIso(deps) })
          .where('id', '=', principal.sessionId as string)
          .execute();
        const session = await openSession(trx, principal.userId, orgId, client, old.authenticated_at);
        audit({
          type: 'identity.organisation_switched',
          subjects: [`user:${principal.userId}`, `org:${orgId}`, `org:${principal.orgId}`],
          data: { from: principal.orgId, to: orgId },
        });
        return session;
      });
    },

    async organisationsOf(userId: string): Promise<Array<{ id: string; name: string }>> {
      return db
        .selectFrom('memberships')
        .innerJoin('organisations', 'organisations.id', 'memberships.org_id')
        .select(['organisations.id', 'organisations.name'])
        .distinct()
        .where('memberships.user_id', '=', userId)
        .orderBy('organisations.name')
        .execute();
    },

    /** A new TOTP seed to scan; confirmed by `confirmNewTotp` with a code from it. Needs a recent login. */
    newTotpSeed(principal: Principal): { secret: string; sealed: string } {
      this.requireRecentAuthentication(principal);
      const secret = newTotpSecret();
      return { secret, sealed: sealTotp(deps, principal.userId, secret) };
    },

    async confirmNewTotp(principal: Principal, sealed: string, code: string): Promise<void> {
      this.requireRecentAuthentication(principal);
      // The sealed key comes back from the form: one that does not open (changed, another person's, or
      // sealed before the master key was replaced) is the caller's to redo, not a failure of the node.
      let secret: string;
      try {
        secret = unsealTotp(deps, principal.userId, String(sealed ?? '')).toString();
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== 'identity.secret_unsealable') throw error;
        throw new AppError('validation.failed', {
          message: 'the new key was not issued by this node to this person; start again',
          fields: [{ path: 'code', code: 'identity.totp_key_invalid' }],
        });
      }
      const step = matchTotp(base32Decode(secret), String(code ?? '').trim(), now().getTime() / 1000, 0);
      if (step === undefined)
        throw new AppError('validation.failed', { message: 'the code does not match', fields: [{ path: 'code', code: 'identity.code_invalid' }] });
      await recordChange(deps, `user:${principal.userId}`, async (trx, { audit }) => {
        await trx.updateTable('users').set({ totp_secret: sealed, totp_last_step: step }).where('id', '=', principal.userId).execute();
        audit({ type: 'identity.totp_changed', subjects: [`user:${principal.userId}`, `org:${principal.orgId}`], data: {} });
      });
    },

    async regenerateRecoveryCodes(principal: Principal): Promise<string[]> {
      this.requireRecentAuthentication(principal);
      const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
      await recordChange(deps, `user:${principal.userId}`, async (trx, { audit }) => {
        await trx.deleteFrom('recovery_codes').where('user_id', '=', principal.userId).execute();
        for (const code of codes)
          await trx
            .insertInto('recovery_codes')
            .values({ code_hash: secretHash(code), user_id: principal.userId, used_at: null })
            .execute();
        audit({ type: 'identity.recovery_codes_regenerated', subjects: [`user:${principal.userId}`, `org:${principal.orgId}`], data: {} });
      });
      return codes;
    },

    /** Sets a new password for oneself (needs a recent login, `passwordRules`); the person's other sessions end. */
    async changePassword(principal: Principal, input: { password: string; passwordConfirm: string }): Promise<void> {
      this.requireRecentAuthentication(principal);
      const password = String(input.password ?? '');
      checkPassword(password, String(input.passwordConfirm ?? ''), principal.email);
      const passwordHash = await hashPassword(password);
      await recordChange(deps, `user:${principal.userId}`, async (trx, { audit }) => {
        await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', principal.userId).execute();
        await trx
          .updateTable('sessions')
          .set({ revoked_at: nowIso(deps) })
          .where('user_id', '=', principal.userId)
          .where('id', '!=', principal.sessionId as string)
          .where('revoked_at', 'is', null)
          .execute();
        audit({ type: 'identity.password_changed', subjects: await userSubjects(trx, principal.userId), data: {} });
      });
    },

    async recoveryCodesLeft(userId: string): Promise<number> {
      const row = await db
        .selectFrom('recovery_codes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
