// Ed25519 verification with exactly the acceptance rules of Go's crypto/ed25519, which C2SP signed
// notes, Sigsum, the Go checksum database and witnesses use: cofactorless equation [S]B = R + [k]A
// checked by re-encoding, S canonical (< L), A decoded leniently (non-canonical y accepted, x = 0 with
// the sign bit accepted), R never decoded (compared as bytes, so a non-canonical R fails).
//
// node:crypto is used first as a fast path. Node 26's OpenSSL is stricter than Go (it rejects, e.g.,
// small-order keys that Go accepts), but every signature it accepts Go accepts too (cofactorless, S
// canonical, R compared by encoding), so only its rejections are re-checked here, in BigInt arithmetic.
import { Buffer } from 'node:buffer';
import { createHash, createPublicKey, verify } from 'node:crypto';

const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function mod(a: bigint): bigint {
  const r = a % P;
  return r < 0n ? r + P : r;
}

function pow(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}

const inv = (a: bigint): bigint => pow(a, P - 2n);
const D = mod(-121665n * inv(121666n));
const D2 = mod(2n * D);
const SQRT_M1 = pow(2n, (P - 1n) / 4n);

type Point = { x: bigint; y: bigint; z: bigint; t: bigint };

const BX = 15112221349535400772501151409588531511454012693041857206046113283949847762202n;
const BY = 46316835694926478169428394003475163141307993866256225615783033603165251855960n;
const BASE: Point = { x: BX, y: BY, z: 1n, t: mod(BX * BY) };
const IDENTITY: Point = { x: 0n, y: 1n, z: 1n, t: 0n };

/** Complete addition on -x² + y² = 1 + dx²y² (extended coordinates, add-2008-hwcd-3). */
function add(p: Point, q: Point): Point {
  const a = mod((p.y - p.x) * (q.y - q.x));
  const b = mod((p.y + p.x) * (q.y + q.x));
  const c = mod(p.t * D2 * q.t);
  const d = mod(p.z * 2n * q.z);
  const e = b - a;
  const f = d - c;
  const g = d + c;
  const h = b + a;
  return { x: mod(e * f), y: mod(g * h), z: mod(f * g), t: mod(e * h) };
}

function negate(p: Point): Point {
  return { x: mod(-p.x), y: p.y, z: p.z, t: mod(-p.t) };
}

function scalarMult(p: Point, k: bigint): Point {
  let r = IDENTITY;
  let q = p;
  let e = k;
  while (e > 0n) {
    if (e & 1n) r = add(r, q);
    q = add(q, q);
    e >>= 1n;
  }
  return r;
}

function encode(p: Point): Buffer {
  const zi = inv(p.z);
  const x = mod(p.x * zi);
  const y = mod(p.y * zi);
  const out = Buffer.from(y.toString(16).padStart(64, '0'), 'hex').reverse();
  out[31]! |= Number(x & 1n) << 7;
  return out;
}

function leToBigint(b: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(b).reverse().toString('hex') || '0'}`);
}

/** Point decoding as filippo.io/edwards25519 Point.SetBytes; null when y does not give a curve point. */
function decode(bytes: Uint8Array): Point | null {
  const sign = (bytes[31]! >> 7) & 1;
  const raw = Buffer.from(bytes);
  raw[31]! &= 0x7f;
  const y = mod(leToBigint(raw)); // non-canonical y (≥ p) accepted, reduced
  const y2 = mod(y * y);
  const u = mod(y2 - 1n);
  const v = mod(D * y2 + 1n);
  // x = sqrt(u / v): candidate (u v^3)(u v^7)^((p-5)/8), as in RFC 8032 §5.1.3.
  let x = mod(u * pow(v, 3n) * pow(u * pow(v, 7n), (P - 5n) / 8n));
  const vx2 = mod(v * x * x);
  if (vx2 === u) {
    // ok
  } else if (vx2 === mod(-u)) {
    x = mod(x * SQRT_M1);
  } else {
    return null;
  }
  if (x & 1n) x = mod(-x); // the non-negative root
  if (sign === 1) x = mod(-x); // x = 0 with the sign bit set stays 0, as in Go
  return { x, y, z: 1n, t: mod(x * y) };
}

/** The Go crypto/ed25519 verification rules, in plain BigInt arithmetic (slow; reference). */
export function verifyEd25519Go(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  if ((signature[63]! & 224) !== 0) return false;
  const A = decode(publicKey);
  if (!A) return false;
  const s = leToBigint(signature.subarray(32));
  if (s >= L) return false;
  const h = createHash('sha512').update(signature.subarray(0, 32)).update(publicKey).update(message).digest();
  const k = leToBigint(h) % L;
  const r = add(scalarMult(negate(A), k), scalarMult(BASE, s));
  return encode(r).equals(Buffer.from(signature.subarray(0, 32)));
}

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function verifyNode(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' });
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

/** Ed25519 verification that accepts exactly what Go's crypto/ed25519 accepts. */
export function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  if (verifyNode(publicKey, message, signature)) return true;
  return verifyEd25519Go(publicKey, message, signature);
}

/** node:crypto alone (exported for the tests that pin the fast path's behaviour). */
export const verifyEd25519Node = verifyNode;
