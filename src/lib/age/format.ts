// The age v1 header: strict base64, stanza parsing and encoding, header MAC.
// Spec: https://age-encryption.org/v1 (C2SP age).
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors.ts';

export const VERSION_LINE = 'age-encryption.org/v1';
const VERSION_PREFIX = 'age-encryption.org/';
/** Stanza bodies and armored files wrap at 64 columns. */
export const COLUMNS = 64;
/** Refuse headers larger than this (about nine thousand X25519 recipients): keeps memory bounded. */
export const MAX_HEADER_BYTES = 1024 * 1024;
export const FILE_KEY_SIZE = 16;

export interface Stanza {
  type: string;
  args: string[];
  body: Buffer;
}

export interface Header {
  stanzas: Stanza[];
  /** The header bytes covered by the MAC: everything up to and including `---`. */
  macInput: Buffer;
  mac: Buffer;
  /** Length of the whole header, including the MAC line's LF: the payload nonce starts here. */
  length: number;
}

export function headerError(message: string, details?: Record<string, unknown>): AppError {
  return new AppError('age.header_invalid', { message, details });
}

const B64_CHARS = /^[A-Za-z0-9+/]*$/;

/**
 * Decodes canonical unpadded standard base64 (RFC 4648 §4 without `=`), as the age header uses.
 * Rejects padding, characters outside the alphabet, impossible lengths and non-zero trailing bits.
 * Returns undefined when the input is not canonical.
 */
export function decodeBase64NoPad(text: string): Buffer | undefined {
  if (!B64_CHARS.test(text) || text.length % 4 === 1) return undefined;
  const out = Buffer.from(text, 'base64');
  return encodeBase64NoPad(out) === text ? out : undefined;
}

export function encodeBase64NoPad(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64').replace(/=+$/, '');
}

/** Decodes canonical padded standard base64 (used by the armor); undefined when not canonical. */
export function decodeBase64Padded(text: string): Buffer | undefined {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const out = Buffer.from(text, 'base64');
  return out.toString('base64') === text ? out : undefined;
}

/** `-> ` argument characters: any visible ASCII (VCHAR), at least one. */
function isValidArg(arg: string): boolean {
  if (arg.length === 0) return false;
  for (let i = 0; i < arg.length; i++) {
    const c = arg.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/** Where a header scan resumes: the start of the first line not yet known to be complete. */
export interface HeaderScan {
  lineStart: number;
}

/**
 * Finds the end of the header in the bytes seen so far: the index just after the LF that ends the
 * first line starting with `---`. Returns -1 when more bytes are needed; pass the same `scan` object
 * on the next call so lines are examined once. Throws when the bytes cannot start an age v1 header
 * (so callers do not buffer garbage up to the size limit) or when the header grows too large.
 */
export function findHeaderEnd(buf: Uint8Array, length = buf.length, scan: HeaderScan = { lineStart: 0 }): number {
  const prefix = VERSION_LINE + '\n';
  if (scan.lineStart < prefix.length) {
    const n = Math.min(length, prefix.length);
    for (let i = 0; i < n; i++) {
      if (buf[i] !== prefix.charCodeAt(i)) {
        const seen = Buffer.from(buf.subarray(0, Math.min(length, 64))).toString('latin1');
        if (seen.startsWith(VERSION_LINE + '\r')) throw headerError('header lines must end with LF, not CRLF');
        if (seen.startsWith(VERSION_PREFIX)) throw headerError('unsupported age format version', { start: seen.split('\n')[0] });
        throw headerError('not an age file: the version line is missing');
      }
    }
    if (length < prefix.length) return -1;
    scan.lineStart = prefix.length;
  }
  // A line starting with "---" can only be the MAC line: body lines are base64, stanza lines start with "->".
  while (scan.lineStart < length) {
    const at = scan.lineStart;
    const lf = indexOfByte(buf, 0x0a, at, length);
    if (at + 3 <= length && buf[at] === 0x2d && buf[at + 1] === 0x2d && buf[at + 2] === 0x2d) {
      if (lf === -1) break;
      return checkSize(lf + 1, lf + 1);
    }
    if (lf === -1) break;
    scan.lineStart = lf + 1;
  }
  return checkSize(length, -1);
}

function checkSize(seen: number, result: number): number {
  if ((result === -1 ? seen : result) > MAX_HEADER_BYTES) throw headerError('header too large', { limit: MAX_HEADER_BYTES });
  return result;
}

function indexOfByte(buf: Uint8Array, byte: number, from: number, to: number): number {
  const i = buf.indexOf(byte, from);
  return i === -1 || i >= to ? -1 : i;
}

/** Parses a complete header (as delimited by findHeaderEnd). Structure only: no MAC check here. */
export function parseHeader(bytes: Buffer): Header {
  const text = bytes.toString('latin1');
  if (!text.endsWith('\n')) throw headerError('header is incomplete');
  const lines = text.slice(0, -1).split('\n');
  if (lines[0] !== VERSION_LINE) {
    if (lines[0]?.startsWith(VERSION_PREFIX)) throw headerError('unsupported age format version');
    throw headerError('not an age file: the version line is missing');
  }
  const stanzas: Stanza[] = [];
  let i = 1;
  for (;;) {
    const line = lines[i];
    if (line === undefined) throw headerError('header ends without a MAC line');
    if (line.startsWith('---')) break;
    if (!line.startsWith('-> ')) throw headerError('malformed stanza line', { line: i + 1 });
    const args = line.slice(3).split(' ');
    if (!args.every(isValidArg)) throw headerError('malformed stanza arguments', { line: i + 1 });
    i++;
    let body = '';
    for (;;) {
      const bodyLine = lines[i];
      if (bodyLine === undefined || bodyLine.startsWith('---')) throw headerError('stanza body does not end with a short line', { line: i + 1 });
      if (bodyLine.length > COLUMNS || !B64_CHARS.test(bodyLine)) throw headerError('malformed stanza body line', { line: i + 1 });
      body += bodyLine;
      i++;
      if (bodyLine.length < COLUMNS) break;
    }
    const decoded = decodeBase64NoPad(body);
    if (decoded === undefined) throw headerError('stanza body is not canonical base64', { line: i });
    stanzas.push({ type: args[0]!, args: args.slice(1), body: decoded });
  }
  if (i !== lines.length - 1) throw headerError('data after the MAC line');
  const macLine = lines[i]!;
  const macText = macLine.startsWith('--- ') ? macLine.slice(4) : undefined;
  const mac = macText === undefined || macText.length !== 43 ? undefined : decodeBase64NoPad(macText);
  if (mac === undefined || mac.length !== 32) throw headerError('malformed MAC line');
  if (stanzas.length === 0) throw headerError('header has no recipient stanza');
  const macInputLength = text.length - macLine.length - 1 + 3;
  return { stanzas, macInput: bytes.subarray(0, macInputLength), mac, length: bytes.length };
}

function headerMacKey(fileKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', fileKey, Buffer.alloc(0), 'header', 32));
}

export function computeHeaderMac(fileKey: Buffer, macInput: Buffer): Buffer {
  return createHmac('sha256', headerMacKey(fileKey)).update(macInput).digest();
}

export function verifyHeaderMac(fileKey: Buffer, header: Header): void {
  const expected = computeHeaderMac(fileKey, header.macInput);
  if (!timingSafeEqual(expected, header.mac)) throw new AppError('age.hmac_mismatch', { message: 'header MAC mismatch' });
}

/** Encodes stanzas and the MAC into a complete header (ending with LF). */
export function encodeHeader(fileKey: Buffer, stanzas: Stanza[]): Buffer {
  let text = VERSION_LINE + '\n';
  for (const s of stanzas) {
    const args = [s.type, ...s.args];
    if (!args.every(isValidArg)) throw headerError('invalid stanza argument');
    text += '-> ' + args.join(' ') + '\n';
    const body = encodeBase64NoPad(s.body);
    // Full lines, then a final short line (possibly empty).
    for (let at = 0; ; at += COLUMNS) {
      const line = body.slice(at, at + COLUMNS);
      text += line + '\n';
      if (line.length < COLUMNS) break;
    }
  }
  text += '---';
  const macInput = Buffer.from(text, 'latin1');
  const mac = computeHeaderMac(fileKey, macInput);
  return Buffer.concat([macInput, Buffer.from(' ' + encodeBase64NoPad(mac) + '\n', 'latin1')]);
}
