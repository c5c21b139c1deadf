/**
 * PDF objects and the file around them (ISO 32000-1 §7): values, indirect objects, streams, the
 * cross-reference table and the trailer. Nothing here knows about pages or text.
 */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

export class Ref {
  readonly id: number;
  constructor(id: number) {
    this.id = id;
  }
}

export class Name {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
}

/** Bytes written as they are (a string already in PDF syntax). */
export class Raw {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

export class Stream {
  readonly dict: Dict;
  readonly data: Buffer;
  constructor(dict: Dict, data: Buffer) {
    this.dict = dict;
    this.data = data;
  }
}

export type Value = number | boolean | null | Ref | Name | Raw | Value[] | Dict;
export interface Dict {
  [key: string]: Value | undefined;
}

export const name = (value: string): Name => new Name(value);

/** A PDF text string: literal when plain ASCII, else UTF-16BE with a byte order mark (§7.9.2.2). */
export function text(value: string): Raw {
  if (/^[\x20-\x7e]*$/.test(value)) return new Raw(`(${value.replace(/[\\()]/g, '\\$&')})`);
  return new Raw(`<FEFF${Buffer.from(value, 'utf16le').swap16().toString('hex').toUpperCase()}>`);
}

/** A PDF date (§7.9.4), in UTC so it matches the XMP date exactly. */
export function date(at: Date): Raw {
  return new Raw(`(D:${at.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z)`);
}

function num(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return n.toFixed(3).replace(/0+$/, '').replace(/\.$/, '');
}

function nameText(value: string): string {
  return `/${value.replace(/[^\x21-\x7e]|[#()<>[\]{}/%]/g, (ch) => `#${ch.charCodeAt(0).toString(16).padStart(2, '0')}`)}`;
}

export function serialize(value: Value | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return num(value);
  if (typeof value === 'boolean') return String(value);
  if (value instanceof Ref) return `${value.id} 0 R`;
  if (value instanceof Name) return nameText(value.value);
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return `[${value.map(serialize).join(' ')}]`;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return `<<${entries.map(([k, v]) => `${nameText(k)} ${serialize(v)}`).join(' ')}>>`;
}

export class PdfFile {
  private readonly bodies: (Buffer | undefined)[] = [];

  alloc(): Ref {
    this.bodies.push(undefined);
    return new Ref(this.bodies.length);
  }

  set(ref: Ref, value: Value | Stream): Ref {
    let body: Buffer;
    if (value instanceof Stream) {
      const head = serialize({ ...value.dict, Length: value.data.length });
      body = Buffer.concat([Buffer.from(`${head}\nstream\n`, 'latin1'), value.data, Buffer.from('\nendstream', 'latin1')]);
    } else body = Buffer.from(serialize(value), 'latin1');
    this.bodies[ref.id - 1] = body;
    return ref;
  }

  add(value: Value | Stream): Ref {
    return this.set(this.alloc(), value);
  }

  /** A stream, Flate-compressed unless `plain` (XMP stays readable by tools that do not inflate). */
  stream(dict: Dict, data: Buffer | string, plain = false): Ref {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    if (plain) return this.add(new Stream(dict, bytes));
    return this.add(new Stream({ ...dict, Filter: name('FlateDecode') }, deflateSync(bytes)));
  }

  /** The whole file; the /ID is a digest of the body, so the same document gives the same bytes. */
  finish(root: Ref, info: Ref): Buffer {
    // The comment of high bytes tells transfer tools the file is binary (§7.5.2).
    const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
    let offset = parts[0]!.length;
    const offsets: number[] = [];
    this.bodies.forEach((body, i) => {
      if (!body) throw new Error(`PDF object ${i + 1} was allocated but never written`);
      const obj = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`, 'latin1'), body, Buffer.from('\nendobj\n', 'latin1')]);
      offsets.push(offset);
      parts.push(obj);
      offset += obj.length;
    });
    const id = createHash('sha256').update(Buffer.concat(parts)).digest('hex').slice(0, 32).toUpperCase();
    const xref = [`xref\n0 ${offsets.length + 1}\n0000000000 65535 f \n`, ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)].join('');
    const trailer = `trailer\n${serialize({ Size: offsets.length + 1, Root: root, Info: info, ID: [new Raw(`<${id}>`), new Raw(`<${id}>`)] })}\nstartxref\n${offset}\n%%EOF\n`;
    parts.push(Buffer.from(xref + trailer, 'latin1'));
    return Buffer.concat(parts);
  }
}
