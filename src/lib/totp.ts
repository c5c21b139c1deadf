import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** RFC 4648 base32 without padding: how authenticator apps take TOTP seeds. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Buffer {
  const clean = text.toUpperCase().replace(/[\s=-]/g, '');
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const index = ALPHABET.indexOf(ch);
    if (index < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export interface TotpParams {
  /** Seconds per step (RFC 6238 X). */
  period: number;
  digits: number;
  algorithm: 'sha1' | 'sha256' | 'sha512';
}

/** What every common authenticator app supports. */
export const DEFAULT_TOTP: TotpParams = { period: 30, digits: 6, algorithm: 'sha1' };

/** RFC 4226 HOTP value for a counter, as a zero-padded decimal string. */
export function hotp(secret: Uint8Array, counter: number, digits = 6, algorithm: TotpParams['algorithm'] = 'sha1'): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, secret).update(message).digest();
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  const binary = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(binary).padStart(digits, '0');
}

/** The RFC 6238 time step of an instant. */
export function totpStep(unixSeconds: number, params: TotpParams = DEFAULT_TOTP): number {
  return Math.floor(unixSeconds / params.period);
}

export function totp(secret: Uint8Array, unixSeconds: number, params: TotpParams = DEFAULT_TOTP): string {
  return hotp(secret, totpStep(unixSeconds, params), params.digits, params.algorithm);
}

/**
 * The step a code matches, within one step of clock drift either way, or undefined. Only steps
 * after `lastStep` count: a code, once accepted, is never accepted again (RFC 6238 §5.2).
 */
export function matchTotp(secret: Uint8Array, code: string, unixSeconds: number, lastStep: number, params: TotpParams = DEFAULT_TOTP): number | undefined {
  if (!new RegExp(`^\\d{${params.digits}}$`).test(code)) return undefined;
  const now = totpStep(unixSeconds, params);
  let matched: number | undefined;
  // Every candidate is computed and compared in constant time, so timing does not tell which matched.
  for (const step of [now - 1, now, now + 1]) {
    const expected = Buffer.from(hotp(secret, step, params.digits, params.algorithm));
    if (timingSafeEqual(expected, Buffer.from(code)) && step > lastStep && matched === undefined) matched = step;
  }
  return matched;
}

export function newTotpSecret(): string {
  return base32Encode(randomBytes(20));
}

/** The otpauth:// URI authenticator apps read (Key Uri Format). */
export function otpauthUri(secret: string, account: string, issuer: string, params: TotpParams = DEFAULT_TOTP): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const query = new URLSearchParams({
    secret,
    issuer,
    algorithm: params.algorithm.toUpperCase(),
    digits: String(params.digits),
    period: String(params.period),
  });
  return `otpauth://totp/${label}?${query.toString()}`;
}
