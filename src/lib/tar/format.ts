// POSIX.1-2001 tar headers (pax interchange format, IEEE Std 1003.1 `pax`): 512-byte ustar blocks,
// `x` extended headers of `<len> <key>=<value>\n` records for what ustar cannot hold.
import { AppError } from '../errors.ts';

export const BLOCK = 512;
/** Largest value an 11-digit octal size/mtime field holds (8 GiB - 1). */
const MAX_OCTAL_11 = 8 ** 11 - 1;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes of zero padding that bring `size` up to a whole block. */
export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

export function malformed(message: string): AppError {
  return new AppError('tar.malformed', { message });
}

/** UTF-8 decoding that fails instead of inventing U+FFFD: a mangled evidence name must not pass silently. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw malformed('a name is not valid UTF-8');
  }
}

export type EntryType = 'file' | 'directory';

export interface HeaderInput {
  name: string;
  type: EntryType;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
}

function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(value.toString(8).padStart(length - 1, '0') + '\0', offset, length, 'ascii');
}

/** GNU base-256 number (first byte 0x80): what old ustar-only readers can still size a > 8 GiB entry by. */
function writeBase256(block: Buffer, offset: number, length: number, value: number): void {
  let rest = BigInt(value);
  for (let i = offset + length - 1; i > offset; i--) {
    block[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  block[offset] = 0x80;
}

function ustarHeader(name: string, typeflag: string, size: number, mtime: number, mode: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 100, 'utf8');
  writeOctal(block, 100, 8, mode);
  writeOctal(block, 108, 8, 0); // uid: owners of the exporting host mean nothing to the recipient
  writeOctal(block, 116, 8, 0); // gid
  if (size > MAX_OCTAL_11) writeBase256(block, 124, 12, size);
  else writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, mtime >= 0 && mtime <= MAX_OCTAL_11 ? mtime : 0);
  block.write(typeflag, 156, 1, 'ascii');
  block.write('ustar\u000000', 257, 8, 'ascii');
  block.write(checksum(block).toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return block;
}

/** Unsigned sum of the header bytes with the checksum field read as eight spaces. */
function checksum(block: Uint8Array): number {
  let sum = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += block[i]!;
  return sum;
}

/** One pax record; its decimal length prefix counts itself, hence the fixed-point loop. */
export function paxRecord(key: string, value: string): Buffer {
  const body = Buffer.byteLength(` ${key}=${value}\n`);
  let digits = 1;
  while (String(body + digits).length !== digits) digits++;
  return Buffer.from(`${body + digits} ${key}=${value}\n`, 'utf8');
}

/**
 * The header block(s) of one entry: a pax `x` header when the name is not short printable ASCII,
 * the size needs more than 11 octal digits or mtime is out of the ustar range, then the ustar
 * header itself (with an ASCII stand-in name, so ustar-only readers still get something sane).
 */
export function entryHeaders(entry: HeaderInput): Buffer {
  const records: Buffer[] = [];
  const asciiName = /^[\x20-\x7e]*$/.test(entry.name);
  if (!asciiName || entry.name.length > 100) records.push(paxRecord('path', entry.name));
  if (entry.size > MAX_OCTAL_11) records.push(paxRecord('size', String(entry.size)));
  if (entry.mtime < 0 || entry.mtime > MAX_OCTAL_11) records.push(paxRecord('mtime', String(entry.mtime)));
  const typeflag = entry.type === 'directory' ? '5' : '0';
  const mode = entry.type === 'directory' ? 0o755 : 0o644;
  const fallback = entry.name.replace(/[^\x20-\x7e]/g, '_').slice(0, 100);
  const header = ustarHeader(fallback, typeflag, entry.size, entry.mtime, mode);
  if (records.length === 0) return header;
  const data = Buffer.concat(records);
  // A fixed name keeps the archive deterministic; pax readers ignore it.
  return Buffer.concat([ustarHeader('PaxHeader', 'x', data.length, 0, 0o644), data, Buffer.alloc(padding(data.length)), header]);
}

export interface ParsedHeader {
  name: string;
  typeflag: string;
  size: number;
  mtime: number;
}

/** Octal (NUL/space terminated, maybe space padded) or GNU base-256; anything else is malformed. */
function readNumber(block: Buffer, offset: number, length: number, field: string): number {
  const first = block[offset]!;
  if (first & 0x80) {
    if (first !== 0x80) throw malformed(`negative ${field}`);
    let value = 0n;
    for (let i = offset + 1; i < offset + length; i++) value = (value << 8n) | BigInt(block[i]!);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed(`${field} too large`);
    return Number(value);
  }
  const text = block
    .toString('latin1', offset, offset + length)
    .replace(/[\0 ]+$/, '')
    .trimStart();
  if (!/^[0-7]*$/.test(text)) throw malformed(`${field} is not an octal number`);
  return text === '' ? 0 : Number.parseInt(text, 8);
}

function readString(block: Buffer, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return decodeUtf8(end === -1 ? field : field.subarray(0, end));
}

export function isZeroBlock(block: Uint8Array): boolean {
  for (const byte of block) if (byte !== 0) return false;
  return true;
}

/** Parses and checks one header block: checksum (unsigned, or the signed sum old tars wrote) and magic. */
export function parseHeader(block: Buffer): ParsedHeader {
  const stored = readNumber(block, 148, 8, 'checksum');
  let signed = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) signed += (block[i]! << 24) >> 24;
  if (stored !== checksum(block) && stored !== signed) throw malformed('header checksum mismatch');
  const magic = block.toString('latin1', 257, 265);
  const posix = magic === 'ustar\u000000';
  if (!posix && magic !== 'ustar  \0') throw malformed('not a ustar, pax or GNU tar header');
  const name = readString(block, 0, 100);
  // In GNU headers the prefix area holds atime/ctime, so only POSIX ustar joins it.
  const prefix = posix ? readString(block, 345, 155) : '';
  return {
    name: prefix ? `${prefix}/${name}` : name,
    typeflag: String.fromCharCode(block[156]!),
    size: readNumber(block, 124, 12, 'size'),
    mtime: readNumber(block, 136, 12, 'mtime'),
  };
}

/** pax extended header data; strict about framing so a garbled header cannot smuggle a path. */
export function parsePax(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length && data[at] !== 0) {
    const space = data.indexOf(0x20, at);
    const length = space === -1 ? '' : data.toString('latin1', at, space);
    if (!/^[1-9][0-9]{0,8}$/.test(length)) throw malformed('bad pax record length');
    const end = at + Number(length);
    if (end > data.length || end <= space + 1 || data[end - 1] !== 0x0a) throw malformed('bad pax record');
    const record = decodeUtf8(data.subarray(space + 1, end - 1));
    const eq = record.indexOf('=');
    if (eq <= 0) throw malformed('bad pax record');
    records.set(record.slice(0, eq), record.slice(eq + 1));
    at = end;
  }
  return records;
}
