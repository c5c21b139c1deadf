import type { App } from '../../src/app.ts';
import type { Clock } from '../../src/lib/clock.ts';
import { base32Decode, totp } from '../../src/lib/totp.ts';
import { type Role, systemActor } from '../../src/modules/identity/index.ts';

/** A clock tests move by hand: TOTP codes are single use per 30-second step, so logins advance it. */
export class ManualClock implements Clock {
  #ms: number;
  constructor(iso = '2026-11-24T15:00:00.000Z') {
    this.#ms = Date.parse(iso);
  }
  now(): Date {
    return new Date(this.#ms);
  }
  advance(seconds: number): void {
    this.#ms += seconds * 1000;
  }
}

export const CLIENT = { ip: '192.0.2.10', userAgent: 'test' };
export const PASSWORD = 'correct horse battery staple';

export interface EnrolledUser {
  userId: string;
  email: string;
  secret: string;
  recoveryCodes: string[];
  /** The current TOTP code (advance the clock between uses). */
  code(): string;
}

export async function ensureOrganisation(app: App, id: string, name = `Org ${id}`): Promise<void> {
  if (!(await app.identity.directory.organisation(id))) await app.identity.directory.createOrganisation(systemActor('test'), { id, name, kind: 'prosecution' });
}

/** Creates and enrols someone with the given roles, as the shell operator would. */
export async function enrolUser(app: App, clock: Clock, input: { email: string; orgId: string; roles: Role[] }): Promise<EnrolledUser> {
  await ensureOrganisation(app, input.orgId);
  const created = await app.identity.directory.createUser(systemActor('test'), { ...input, name: input.email.split('@')[0] });
  if (!created.enrolment) throw new Error('expected an enrolment');
  const { totpSecret } = await app.identity.directory.enrolment(created.enrolment.token);
  const code = () => totp(base32Decode(totpSecret), clock.now().getTime() / 1000);
  const { recoveryCodes } = await app.identity.directory.completeEnrolment(created.enrolment.token, {
    password: PASSWORD,
    passwordConfirm: PASSWORD,
    code: code(),
  });
  return { userId: created.userId, email: input.email, secret: totpSecret, recoveryCodes, code };
}

/** Password then code; returns the session token. Moves the clock one TOTP step first. */
export async function login(app: App, clock: ManualClock, user: EnrolledUser, orgId?: string): Promise<string> {
  clock.advance(30);
  const { challenge } = await app.identity.sessions.beginLogin({ email: user.email, password: PASSWORD }, CLIENT);
  const session = await app.identity.sessions.completeLogin({ challenge, code: user.code(), ...(orgId ? { orgId } : {}) }, CLIENT);
  return session.token;
}
