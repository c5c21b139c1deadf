// C2SP tlog-witness: the add-checkpoint request body and the text/x.tlog.size conflict body.
import { Buffer } from 'node:buffer';
import { HASH_SIZE, TlogError } from './merkle.ts';
import { decodeBase64Strict, lineReader, parseDecimal } from './note.ts';

/** A client MUST NOT send more than 63 consistency proof lines. */
export const MAX_WITNESS_PROOF_LINES = 63;

export interface AddCheckpointRequest {
  oldSize: number;
  proof: Buffer[];
  /** The signed checkpoint note, verbatim. */
  checkpointNote: string;
}

function bad(message: string): TlogError {
  return new TlogError('tlog.bad_request', message);
}

function checkRequest(oldSize: number, proof: Uint8Array[], checkpointNote: string): void {
  if (!Number.isSafeInteger(oldSize) || oldSize < 0) throw bad(`invalid old size ${oldSize}`);
  if (proof.length > MAX_WITNESS_PROOF_LINES) throw bad(`more than ${MAX_WITNESS_PROOF_LINES} proof lines`);
  if (oldSize === 0 && proof.length > 0) throw bad('the proof must be empty when the old size is zero');
  for (const p of proof) if (!(p instanceof Uint8Array) || p.length !== HASH_SIZE) throw bad('proof hashes must be 32 bytes');
  if (typeof checkpointNote !== 'string' || checkpointNote.length === 0 || checkpointNote.startsWith('\n') || !checkpointNote.endsWith('\n')) {
    throw bad('the checkpoint must be a non-empty note ending in a newline');
  }
}

/** `old <size>\n`, one base64 proof hash per line, an empty line, then the checkpoint note. */
export function formatAddCheckpoint(req: { oldSize: number; proof: Uint8Array[]; checkpointNote: string }): string {
  checkRequest(req.oldSize, req.proof, req.checkpointNote);
  const lines = [`old ${req.oldSize}`, ...req.proof.map((p) => Buffer.from(p).toString('base64'))];
  return `${lines.join('\n')}\n\n${req.checkpointNote}`;
}

/** Strict parser of an add-checkpoint body. Throws `tlog.bad_request`. The note itself is not verified here. */
export function parseAddCheckpoint(body: string): AddCheckpointRequest {
  if (typeof body !== 'string') throw bad('body must be text');
  const lines = lineReader(body, bad);
  const nextLine = lines.next;
  const first = nextLine();
  if (!first.startsWith('old ')) throw bad('the first line must be "old <size>"');
  const oldSize = parseDecimal(first.slice(4));
  if (oldSize === null) throw bad('invalid old size');
  const proof: Buffer[] = [];
  for (;;) {
    const line = nextLine();
    if (line === '') break;
    if (proof.length === MAX_WITNESS_PROOF_LINES) throw bad(`more than ${MAX_WITNESS_PROOF_LINES} proof lines`);
    const h = decodeBase64Strict(line);
    if (!h || h.length !== HASH_SIZE) throw bad('each proof line must be the base64 of a 32-byte hash');
    proof.push(h);
  }
  const checkpointNote = lines.rest();
  checkRequest(oldSize, proof, checkpointNote);
  return { oldSize, proof, checkpointNote };
}

/** Body of a 409 response (`Content-Type: text/x.tlog.size`): the size in decimal and a newline. */
export function formatTlogSize(size: number): string {
  if (!Number.isSafeInteger(size) || size < 0) throw bad(`invalid size ${size}`);
  return `${size}\n`;
}

export function parseTlogSize(body: string): number {
  if (typeof body !== 'string' || !body.endsWith('\n')) throw bad('size body must end with a newline');
  const n = parseDecimal(body.slice(0, -1));
  if (n === null) throw bad('invalid size body');
  return n;
}
