// age ASCII armor: strict PEM-like encoding of a whole age file.
// Begin and end lines are exact; the body is padded standard base64 in lines of exactly 64
// columns, the last one 1 to 64 columns; LF or CRLF; whitespace allowed only before and after.
import { AppError } from '../errors.ts';
import { COLUMNS, decodeBase64Padded } from './format.ts';
import { ByteQueue } from './stream.ts';

export const ARMOR_BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';
export const ARMOR_END = '-----END AGE ENCRYPTED FILE-----';
const BYTES_PER_LINE = (COLUMNS / 4) * 3;
// Longest line worth buffering: a full base64 line plus a CR (longer than the begin line).
const MAX_LINE = Math.max(COLUMNS, ARMOR_BEGIN.length) + 1;

function armorError(message: string): AppError {
  return new AppError('age.armor_invalid', { message });
}

/** Whitespace allowed around an armored file: space, \t, \n, \v, \f, \r. */
export function isArmorWhitespace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}

const BASE64_ALPHABET = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') BASE64_ALPHABET[c.charCodeAt(0)] = 1;

/**
 * The fast path of the decoder: from `start`, the end (after the line break) of the run of complete
 * full lines, 64 unpadded base64 characters then LF or CRLF. Returns `start` if there is none.
 */
function fullLinesEnd(data: Uint8Array, start: number): number {
  let at = start;
  for (;;) {
    const eol = at + COLUMNS;
    let next: number;
    if (data[eol] === 0x0a) next = eol + 1;
    else if (data[eol] === 0x0d && data[eol + 1] === 0x0a) next = eol + 2;
    else return at;
    for (let k = at; k < eol; k++) if (BASE64_ALPHABET[data[k]!] === 0) return at;
    at = next;
  }
}

/** Incremental armor encoder. */
export class Armorer {
  #pending = new ByteQueue();
  #started = false;

  update(data: Uint8Array): Buffer[] {
    const out: Buffer[] = [];
    if (!this.#started) {
      this.#started = true;
      out.push(Buffer.from(ARMOR_BEGIN + '\n'));
    }
    this.#pending.push(data);
    const lines = Math.floor(this.#pending.length / BYTES_PER_LINE);
    if (lines > 0) {
      // Encode the whole run at once (a multiple of 48 bytes: no padding), then cut it into lines.
      const b64 = Buffer.from(this.#pending.take(lines * BYTES_PER_LINE).toString('base64'), 'latin1');
      const text = Buffer.allocUnsafe(lines * (COLUMNS + 1));
      for (let i = 0; i < lines; i++) {
        b64.copy(text, i * (COLUMNS + 1), i * COLUMNS, (i + 1) * COLUMNS);
        text[i * (COLUMNS + 1) + COLUMNS] = 0x0a;
      }
      out.push(text);
    }
    return out;
  }

  final(): Buffer[] {
    const out = this.#started ? [] : this.update(Buffer.alloc(0));
    const rest = this.#pending.take(this.#pending.length);
    out.push(Buffer.from((rest.length > 0 ? rest.toString('base64') + '\n' : '') + ARMOR_END + '\n', 'latin1'));
    return out;
  }
}

type DearmorState = 'leading' | 'begin' | 'body' | 'end' | 'trailing';

/** Incremental, strict armor decoder. Throws `age.armor_invalid`. */
export class Dearmorer {
  #state: DearmorState = 'leading';
  #line = '';

  update(data: Uint8Array): Buffer[] {
    const out: Buffer[] = [];
    for (let i = 0; i < data.length; i++) {
      const byte = data[i]!;
      if (this.#state === 'trailing') {
        if (!isArmorWhitespace(byte)) throw armorError('data after the end line');
        continue;
      }
      if (this.#state === 'leading') {
        if (isArmorWhitespace(byte)) continue;
        this.#state = 'begin';
      }
      if (this.#state === 'body' && this.#line.length === 0) {
        const end = fullLinesEnd(data, i);
        if (end > i) {
          // Node's base64 decoder skips the line breaks; every line was checked to be 64 alphabet characters.
          out.push(Buffer.from(Buffer.from(data.buffer, data.byteOffset + i, end - i).toString('latin1'), 'base64'));
          i = end - 1;
          continue;
        }
      }
      if (byte === 0x0a) {
        const decoded = this.#endLine();
        if (decoded !== undefined) out.push(decoded);
        continue;
      }
      // Scan to the next LF in one go.
      let end = data.indexOf(0x0a, i);
      if (end === -1) end = data.length;
      this.#line += Buffer.from(data.buffer, data.byteOffset + i, end - i).toString('latin1');
      if (this.#line.length > MAX_LINE) throw armorError('line too long');
      i = end - 1;
    }
    return out;
  }

  #endLine(): Buffer | undefined {
    let line = this.#line;
    this.#line = '';
    if (line.endsWith('\r')) line = line.slice(0, -1);
    switch (this.#state) {
      case 'begin':
        if (line !== ARMOR_BEGIN) throw armorError('invalid begin line');
        this.#state = 'body';
        return undefined;
      case 'body': {
        if (line === ARMOR_END) {
          this.#state = 'trailing';
          return undefined;
        }
        if (line.length === 0 || line.length > COLUMNS) throw armorError('invalid line length');
        const decoded = decodeBase64Padded(line);
        if (decoded === undefined) throw armorError('invalid base64 line');
        // Only the last line may be short (or padded); the end line must follow it.
        if (line.length < COLUMNS || line.endsWith('=')) this.#state = 'end';
        return decoded;
      }
      case 'end':
        if (line !== ARMOR_END) throw armorError('invalid end line');
        this.#state = 'trailing';
        return undefined;
      default:
        throw armorError('unexpected state');
    }
  }

  final(): Buffer[] {
    const out: Buffer[] = [];
    // The end line may lack its line feed.
    if (this.#line.length > 0 && this.#state !== 'leading') {
      const decoded = this.#endLine();
      if (decoded !== undefined) out.push(decoded);
    }
    if (this.#state !== 'trailing') throw armorError(this.#state === 'leading' ? 'no armored data' : 'missing end line');
    return out;
  }
}

/** Armors a whole age file held in memory. */
export function armor(data: Uint8Array): Buffer {
  const a = new Armorer();
  return Buffer.concat([...a.update(data), ...a.final()]);
}

/** Decodes a whole armored age file held in memory. */
export function dearmor(text: Uint8Array | string): Buffer {
  const d = new Dearmorer();
  const input = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  return Buffer.concat([...d.update(input), ...d.final()]);
}
