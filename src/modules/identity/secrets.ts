import { createHash, randomBytes, randomInt } from 'node:crypto';

/** A bearer secret: 256 random bits, base64url, with a prefix that says what it is (and lets scanners find leaks). */
export function newSecret(prefix: 'cts' | 'cta' | 'cte' | 'ctl'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** Only this is stored: a leaked table gives nobody a working token. */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Recovery codes people can type: 12 characters in three groups, without look-alikes (no 0/o, 1/l/i). */
export function newRecoveryCode(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  let code = '';
  for (let i = 0; i < 12; i++) code += alphabet[randomInt(alphabet.length)];
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

export function normaliseRecoveryCode(input: string): string {
  const clean = input.toLowerCase().replace(/[^a-z0-9]/g, '');
  return `${clean.slice(0, 4)}-${clean.slice(4, 8)}-${clean.slice(8)}`;
}
