import type {
  AuthenticationResponseJSON,
  AuthenticatorTransport,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { Kysely } from 'kysely';
import { AppError } from '../../lib/errors.ts';
import type { Database } from '../../storage/db/schema.ts';
import { recordChange } from '../ledger/index.ts';
import { type IdentityDeps, nowIso, type Principal } from './context.ts';
import type { Client, NewSession, PendingLogins, Sessions } from './sessions.ts';

/** Who the passkeys are for: the site's host name (RP ID), its origin, and the name authenticators show. */
export interface RelyingParty {
  id: string;
  origin: string;
  name: string;
}

export interface PasskeyInfo {
  id: string;
  name: string;
  deviceType: string;
  backedUp: boolean;
  createdAt: string;
  lastUsedAt: string | null;
}

const CEREMONY_MINUTES = 5;

// Loaded on the first ceremony: the library and its X.509 and CBOR dependencies are the largest
// part of the app's start-up, which every CLI command pays and only passkey sign-ins use.
const webauthn = () => import('@simplewebauthn/server');

const refused = (path: string) =>
  new AppError('validation.failed', { message: 'the passkey could not be verified', fields: [{ path, code: 'identity.passkey_invalid' }] });

/**
 * WebAuthn passkeys as a second factor (after the password), verified with @simplewebauthn/server.
 * Each ceremony's challenge is kept server-side, used once, and expires in a few minutes; the
 * signature counter is checked so that a cloned authenticator shows.
 */
export interface Passkeys {
  list(principal: Principal): Promise<PasskeyInfo[]>;
  /** Adding a second factor is sensitive: it needs a recent sign-in. */
  registrationOptions(principal: Principal, rp: RelyingParty): Promise<PublicKeyCredentialCreationOptionsJSON>;
  register(principal: Principal, rp: RelyingParty, response: unknown, name: string): Promise<PasskeyInfo>;
  remove(principal: Principal, id: string): Promise<void>;
  /** How many passkeys the person behind a pending sign-in has (0 when the sign-in is not valid). */
  countForLogin(challengeToken: string): Promise<number>;
  /** For the second step of a sign-in whose password was accepted: which passkeys may answer. */
  loginOptions(challengeToken: string, rp: RelyingParty): Promise<PublicKeyCredentialRequestOptionsJSON>;
  /** The second step with a passkey instead of a code: a new session, like `Sessions.completeLogin`. */
  completeLogin(challengeToken: string, rp: RelyingParty, response: unknown, client: Client): Promise<NewSession>;
}

export function createPasskeys(deps: IdentityDeps, sessions: Sessions & PendingLogins): Passkeys {
  const { db } = deps;

  async function keepChallenge(key: string, challenge: string): Promise<void> {
    const expires = new Date(deps.clock.now().getTime() + CEREMONY_MINUTES * 60_000).toISOString();
    await db
      .insertInto('webauthn_challenges')
      .values({ key, challenge, expires_at: expires })
      .onConflict((oc) => oc.column('key').doUpdateSet({ challenge, expires_at: expires }))
      .execute();
  }

  /** The challenge of a ceremony, consumed: a response can be checked against it only once. */
  async function takeChallenge(trx: Kysely<Database>, key: string): Promise<string | undefined> {
    const row = await trx.selectFrom('webauthn_challenges').selectAll().where('key', '=', key).executeTakeFirst();
    await trx.deleteFrom('webauthn_challenges').where('key', '=', key).execute();
    return row && Date.parse(row.expires_at) > deps.clock.now().getTime() ? row.challenge : undefined;
  }

  async function credentialsOf(userId: string) {
    return db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
  }

  return {
    async list(principal: Principal): Promise<PasskeyInfo[]> {
      return (await credentialsOf(principal.userId)).map((r) => ({
        id: r.id,
        name: r.name,
        deviceType: r.device_type,
        backedUp: r.backed_up === 1,
        createdAt: r.created_at,
        lastUsedAt: r.last_used_at,
      }));
    },

    /** Adding a second factor is sensitive: it needs a recent sign-in. */
    async registrationOptions(principal: Principal, rp: RelyingParty): Promise<PublicKeyCredentialCreationOptionsJSON> {
      sessions.requireRecentAuthentication(principal);
      const existing = await credentialsOf(principal.userId);
      const options = await (await webauthn()).generateRegistrationOptions({
        rpName: rp.name,
        rpID: rp.id,
        userName: principal.email,
        userDisplayName: principal.name,
        userID: new TextEncoder().encode(principal.userId),
        attestationType: 'none',
        excludeCredentials: existing.map((c) => ({ id: c.id, transports: c.transports ? c.transports.split(' ') : [] })),
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      });
      await keepChallenge(`register:${principal.sessionId}`, options.challenge);
      return options;
    },

    async register(principal: Principal, rp: RelyingParty, response: unknown, name: string): Promise<PasskeyInfo> {
      sessions.requireRecentAuthentication(principal);
      const label =
        String(name ?? '')
          .trim()
          .slice(0, 100) || 'Passkey';
      return recordChange(deps, `user:${principal.userId}`, async (trx, { audit }) => {
        const expectedChallenge = await takeChallenge(trx, `register:${principal.sessionId}`);
        if (!expectedChallenge) throw refused('response');
        let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
        try {
          verified = await (await webauthn()).verifyRegistrationResponse({
            response: response as RegistrationResponseJSON,
            expectedChallenge,
            expectedOrigin: rp.origin,
            expectedRPID: rp.id,
          });
        } catch {
          throw refused('response');
        }
        if (!verified.verified) throw refused('response');
        const { credential, credentialDeviceType, credentialBackedUp } = verified.registrationInfo;
        const createdAt = nowIso(deps);
        await trx
          .insertInto('passkeys')
          .values({
            id: credential.id,
            user_id: principal.userId,
            name: label,
            public_key: Buffer.from(credential.publicKey).toString('base64url'),
            counter: credential.counter,
            transports: (credential.transports ?? []).join(' '),
            device_type: credentialDeviceType,
            backed_up: credentialBackedUp ? 1 : 0,
            created_at: createdAt,
            last_used_at: null,
          })
          .execute();
        audit({ type: 'identity.passkey_added', subjects: [`user:${principal.userId}`, `org:${principal.orgId}`], data: { name: label } });
        return { id: credential.id, name: label, deviceType: credentialDeviceType, backedUp: credentialBackedUp, createdAt, lastUsedAt: null };
      });
    },

    async remove(principal: Principal, id: string): Promise<void> {
      sessions.requireRecentAuthentication(principal);
      await recordChange(deps, `user:${principal.userId}`, async (trx, { audit }) => {
        const done = await trx.deleteFrom('passkeys').where('id', '=', id).where('user_id', '=', principal.userId).executeTakeFirst();
        if (Number(done.numDeletedRows) !== 1) throw new AppError('not_found', { message: 'no such passkey' });
        audit({ type: 'identity.passkey_removed', subjects: [`user:${principal.userId}`, `org:${principal.orgId}`], data: {} });
      });
    },

    /** How many passkeys the person behind a pending sign-in has (0 when the sign-in is not valid). */
    async countForLogin(challengeToken: string): Promise<number> {
      const pending = await sessions.pendingLogin(challengeToken).catch(() => undefined);
      return pending ? (await credentialsOf(pending.userId)).length : 0;
    },

    /** For the second step of a sign-in whose password was accepted: which passkeys may answer. */
    async loginOptions(challengeToken: string, rp: RelyingParty): Promise<PublicKeyCredentialRequestOptionsJSON> {
      const pending = await sessions.pendingLogin(challengeToken);
      const credentials = await credentialsOf(pending.userId);
      if (credentials.length === 0) throw new AppError('identity.no_passkey', { message: 'this account has no passkey; use a code' });
      const options = await (await webauthn()).generateAuthenticationOptions({
        rpID: rp.id,
        allowCredentials: credentials.map((c) => ({ id: c.id, transports: (c.transports ? c.transports.split(' ') : []) as AuthenticatorTransport[] })),
        userVerification: 'preferred',
      });
      await keepChallenge(`login:${pending.tokenHash}`, options.challenge);
      return options;
    },

    async completeLogin(challengeToken: string, rp: RelyingParty, response: unknown, client: Client): Promise<NewSession> {
      const pending = await sessions.pendingLogin(challengeToken);
      return sessions.finishLogin(
        { challenge: challengeToken },
        client,
        async (trx, userId) => {
          const expectedChallenge = await takeChallenge(trx, `login:${pending.tokenHash}`);
          const answer = response as AuthenticationResponseJSON;
          const stored =
            typeof answer?.id === 'string'
              ? await trx.selectFrom('passkeys').selectAll().where('id', '=', answer.id).where('user_id', '=', userId).executeTakeFirst()
              : undefined;
          if (!expectedChallenge || !stored) return undefined;
          try {
            const result = await (await webauthn()).verifyAuthenticationResponse({
              response: answer,
              expectedChallenge,
              expectedOrigin: rp.origin,
              expectedRPID: rp.id,
              credential: {
                id: stored.id,
                publicKey: Buffer.from(stored.public_key, 'base64url'),
                counter: Number(stored.counter),
                transports: stored.transports ? stored.transports.split(' ') : [],
              },
            });
            if (!result.verified) return undefined;
            await trx
              .updateTable('passkeys')
              .set({ counter: result.authenticationInfo.newCounter, last_used_at: nowIso(deps) })
              .where('id', '=', stored.id)
              .execute();
            return 'passkey';
          } catch {
            return undefined;
          }
        },
        { path: 'passkey', code: 'identity.passkey_invalid' },
      );
    },
  };
}
