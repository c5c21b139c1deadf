// Bech32 (BIP 173, the original checksum constant 1, not bech32m), as age uses it for keys.
// Differences from BIP 173 that age makes: no 90-character limit, and the data part is 8-bit bytes
// converted to 5-bit groups with zero padding (checked strictly on decoding).
import { AppError } from '../errors.ts';

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
const CHARSET_REV = new Map<string, number>([...CHARSET].map((c, i) => [c, i]));

function polymod(values: number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GENERATOR[i]!;
  }
  return chk >>> 0;
}

function hrpExpand(hrp: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) >>> 5);
  out.push(0);
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) & 31);
  return out;
}

function convertBits(data: Uint8Array | number[], from: number, to: number, pad: boolean): number[] | undefined {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  const maxv = (1 << to) - 1;
  for (const value of data) {
    if (value < 0 || value >> from !== 0) return undefined;
    acc = ((acc << from) | value) & 0xffffff;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >>> bits) & maxv);
    }
  }
  if (pad) {
    if (bits > 0) out.push((acc << (to - bits)) & maxv);
  } else if (bits >= from || ((acc << (to - bits)) & maxv) !== 0) {
    // More than a group's worth of padding, or non-zero padding bits: not canonical.
    return undefined;
  }
  return out;
}

function invalid(message: string): AppError {
  return new AppError('age.bech32_invalid', { message });
}

/** Encodes bytes with the given human-readable part; the result is lowercase unless `upper`. */
export function bech32Encode(hrp: string, data: Uint8Array, upper = false): string {
  const lowerHrp = hrp.toLowerCase();
  if (lowerHrp.length === 0) throw invalid('empty human-readable part');
  for (let i = 0; i < lowerHrp.length; i++) {
    const c = lowerHrp.charCodeAt(i);
    if (c < 33 || c > 126) throw invalid('invalid character in human-readable part');
  }
  const values = convertBits(data, 8, 5, true)!;
  const mod = polymod([...hrpExpand(lowerHrp), ...values, 0, 0, 0, 0, 0, 0]) ^ 1;
  let out = lowerHrp + '1';
  for (const v of values) out += CHARSET[v];
  for (let i = 0; i < 6; i++) out += CHARSET[(mod >>> (5 * (5 - i))) & 31];
  return upper ? out.toUpperCase() : out;
}

/**
 * Decodes a Bech32 string, verifying the checksum. Mixed case is rejected; the returned `hrp` keeps
 * the case of the input, so callers can compare it with the exact prefix they expect.
 */
export function bech32Decode(value: string): { hrp: string; data: Buffer } {
  const lower = value.toLowerCase();
  if (lower !== value && value.toUpperCase() !== value) throw invalid('mixed case');
  const pos = lower.lastIndexOf('1');
  if (pos < 1 || pos + 7 > lower.length) throw invalid('separator misplaced');
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    if (c < 33 || c > 126) throw invalid('invalid character');
  }
  const hrp = lower.slice(0, pos);
  const values: number[] = [];
  for (const c of lower.slice(pos + 1)) {
    const v = CHARSET_REV.get(c);
    if (v === undefined) throw invalid('invalid data character');
    values.push(v);
  }
  if (polymod([...hrpExpand(hrp), ...values]) !== 1) throw invalid('checksum mismatch');
  const bytes = convertBits(values.slice(0, -6), 5, 8, false);
  if (bytes === undefined) throw invalid('invalid padding');
  return { hrp: value.slice(0, pos), data: Buffer.from(bytes) };
}
