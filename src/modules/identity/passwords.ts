import { argon2, randomBytes, timingSafeEqual } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { AppError } from '../../lib/errors.ts';
import { Semaphore } from '../../lib/semaphore.ts';

/**
 * argon2id with OWASP's minimum for argon2id (m = 19 MiB, t = 2, p = 1): about 50 ms on one core
 * of the reference machine. Stored as a PHC string, so the parameters can be raised later and old
 * hashes still verify.
 */
export const ARGON2_PARAMS = { memory: 19_456, passes: 2, parallelism: 1, tagLength: 32 } as const;
/**
 * One core is always left to the rest of the server (two hashes at a time on two cores tripled the
 * p99 of other requests during a login flood; one at a time kept it within 1.4×, docs/benchmarks.md).
 */
const HASHING = new Semaphore(Math.max(1, availableParallelism() - 1));
/**
 * The share of a hashing slot's time spent hashing while others wait. Measured (bench/login.ts): with
 * the slot always busy a flood of 20 logins raised other requests' p99 2.2–2.8×; at 0.4, 1.7×, at the
 * cost of 10 rather than 25 logins/s under that flood.
 */
const FLOOD_DUTY = 0.4;
/** Beyond this many waiting logins the node answers "busy" at once rather than queue without end. */
const MAX_WAITING = 64;

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;
/**
 * The part of the e-mail address before the @ is refused inside a password only from this length
 * on: a one- or two-letter name ("jo@…") would otherwise rule out every password containing it.
 */
export const EMAIL_NAME_MIN = 3;

/** The part of an address before its last @, lower-cased: what a password must not contain. */
export function emailName(email: string): string {
  const at = email.lastIndexOf('@');
  return (at < 0 ? email : email.slice(0, at)).trim().toLowerCase();
}

/** One password rule, to check and to show next to the field (`password.rule.<kind>` with these params). */
export interface PasswordRule {
  kind: 'length' | 'email_name' | 'confirm';
  params: Record<string, string | number>;
}

/** Every rule a new password for this address must meet: what the enrolment and password pages list, and what `checkPassword` checks. */
export function passwordRules(email: string): PasswordRule[] {
  const name = emailName(email);
  return [
    { kind: 'length', params: { min: PASSWORD_MIN, max: PASSWORD_MAX } },
    ...(name.length >= EMAIL_NAME_MIN ? [{ kind: 'email_name' as const, params: { name } }] : []),
    { kind: 'confirm', params: {} },
  ];
}

function derive(password: string, salt: Buffer, params: { memory: number; passes: number; parallelism: number; tagLength: number }): Promise<Buffer> {
  if (HASHING.waiting >= MAX_WAITING) return Promise.reject(new AppError('identity.busy', { message: 'too many logins at once; try again in a moment' }));
  return HASHING.run(async () => {
    const started = performance.now();
    const key = await new Promise<Buffer>((resolve, reject) =>
      argon2('argon2id', { message: password, nonce: salt, ...params }, (err, derived) => (err ? reject(err) : resolve(Buffer.from(derived)))),
    );
    // Under contention the slot then stays idle for a while: a flood gets at most FLOOD_DUTY of a
    // core, and a lone login is not slowed at all.
    if (HASHING.waiting > 0) await new Promise((resolve) => setTimeout(resolve, (performance.now() - started) * (1 / FLOOD_DUTY - 1)));
    return key;
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, ARGON2_PARAMS);
  const { memory, passes, parallelism } = ARGON2_PARAMS;
  return `$argon2id$v=19$m=${memory},t=${passes},p=${parallelism}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = PHC.exec(stored);
  if (!m) return false;
  const expected = Buffer.from(m[5] as string, 'base64url');
  const key = await derive(password, Buffer.from(m[4] as string, 'base64url'), {
    memory: Number(m[1]),
    passes: Number(m[2]),
    parallelism: Number(m[3]),
    tagLength: expected.length,
  });
  return timingSafeEqual(key, expected);
}

/** A hash to verify against when the account does not exist, so timing does not reveal which accounts do. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  return decoy;
}
