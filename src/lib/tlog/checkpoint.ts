// C2SP tlog-checkpoint: the note text of a checkpoint (origin, tree size, root hash, extension lines).
import { Buffer } from 'node:buffer';
import { HASH_SIZE, TlogError } from './merkle.ts';
import { checkNoteText, decodeBase64Strict, parseDecimal } from './note.ts';

export interface Checkpoint {
  origin: string;
  size: number;
  root: Buffer;
  extensions: string[];
}

function malformed(message: string): TlogError {
  return new TlogError('tlog.checkpoint_malformed', message);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
const CONTROL_RE = /[\u0000-\u001f]/;

/**
 * The checkpoint body. For origins we issue we also apply the spec's SHOULD: no Unicode spaces and
 * no '+' (a schema-less URL such as `example.com/log42`).
 */
export function formatCheckpoint(cp: { origin: string; size: number; root: Uint8Array; extensions?: string[] }): string {
  const { origin, size, root } = cp;
  const extensions = cp.extensions ?? [];
  if (typeof origin !== 'string' || origin.length === 0 || CONTROL_RE.test(origin) || /[\p{White_Space}+]/u.test(origin) || !origin.isWellFormed()) {
    throw malformed(`invalid origin ${JSON.stringify(origin)}`);
  }
  if (!Number.isSafeInteger(size) || size < 0) throw malformed(`invalid tree size ${size}`);
  if (!(root instanceof Uint8Array) || root.length !== HASH_SIZE) throw malformed('root hash must be 32 bytes');
  for (const e of extensions) {
    if (typeof e !== 'string' || e.length === 0 || CONTROL_RE.test(e) || !e.isWellFormed()) throw malformed('extension lines must be non-empty single lines');
  }
  const text = [origin, String(size), Buffer.from(root).toString('base64'), ...extensions].join('\n') + '\n';
  checkNoteText(text);
  return text;
}

/**
 * Strict parser of a checkpoint body (the note text, ending in '\n', without signatures). The origin
 * must be non-empty (clients must not assume more of it); the size is a decimal without leading zeroes;
 * the root is the base64 of 32 bytes; extension lines, if any, are non-empty.
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (typeof text !== 'string' || !text.endsWith('\n')) throw malformed('checkpoint must end with a newline');
  if (!text.isWellFormed() || CONTROL_RE.test(text.replaceAll('\n', ''))) throw malformed('checkpoint contains invalid characters');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw malformed('checkpoint needs an origin, a size and a root hash');
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin.length === 0) throw malformed('empty origin');
  const size = parseDecimal(sizeText);
  if (size === null) throw malformed(`invalid tree size ${JSON.stringify(sizeText)}`);
  const root = decodeBase64Strict(rootText);
  if (!root || root.length !== HASH_SIZE) throw malformed('root hash must be the base64 of 32 bytes');
  for (const e of extensions) if (e.length === 0) throw malformed('empty extension line');
  return { origin, size, root, extensions };
}
