// age X25519 recipients and identities: Bech32 key encoding and the X25519 stanza.
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject } from 'node:crypto';
import { AppError } from '../errors.ts';
import { bech32Decode, bech32Encode } from './bech32.ts';
import { decodeBase64NoPad, encodeBase64NoPad, FILE_KEY_SIZE, headerError, type Stanza } from './format.ts';

export const RECIPIENT_HRP = 'age';
export const IDENTITY_HRP = 'AGE-SECRET-KEY-';
export const X25519_STANZA = 'X25519';
const WRAP_INFO = 'age-encryption.org/v1/X25519';
const KEY_SIZE = 32;
const TAG_SIZE = 16;
const ZERO_NONCE = Buffer.alloc(12);
// DER prefixes for raw 32-byte X25519 keys (RFC 8410): PKCS#8 private key, SubjectPublicKeyInfo.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

export interface X25519Identity {
  privateKey: KeyObject;
  /** The raw 32-byte public key (the recipient). */
  publicKey: Buffer;
}

function privateKeyFromRaw(raw: Buffer): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
}

function publicKeyFromRaw(raw: Buffer): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

function rawPublicKey(key: KeyObject): Buffer {
  const der = key.export({ format: 'der', type: 'spki' });
  return Buffer.from(der.subarray(der.length - KEY_SIZE));
}

function rawPrivateKey(key: KeyObject): Buffer {
  const der = key.export({ format: 'der', type: 'pkcs8' });
  return Buffer.from(der.subarray(der.length - KEY_SIZE));
}

/** Parses an `AGE-SECRET-KEY-1…` identity. Throws `age.identity_invalid`. */
export function parseIdentity(identity: string): X25519Identity {
  const trimmed = identity.trim();
  let decoded: { hrp: string; data: Buffer };
  try {
    decoded = bech32Decode(trimmed);
  } catch (cause) {
    throw new AppError('age.identity_invalid', { message: 'malformed age identity', cause });
  }
  if (decoded.hrp.toUpperCase() !== IDENTITY_HRP || decoded.data.length !== KEY_SIZE) {
    throw new AppError('age.identity_invalid', { message: 'not an age X25519 identity (AGE-SECRET-KEY-1…)' });
  }
  const privateKey = privateKeyFromRaw(decoded.data);
  return { privateKey, publicKey: rawPublicKey(createPublicKey(privateKey)) };
}

/** Parses an `age1…` recipient into its raw 32-byte public key. Throws `age.recipient_invalid`. */
export function parseRecipient(recipient: string): Buffer {
  const trimmed = recipient.trim();
  let decoded: { hrp: string; data: Buffer };
  try {
    decoded = bech32Decode(trimmed);
  } catch (cause) {
    throw new AppError('age.recipient_invalid', { message: 'malformed age recipient', cause });
  }
  if (decoded.hrp.toLowerCase() !== RECIPIENT_HRP || decoded.data.length !== KEY_SIZE) {
    throw new AppError('age.recipient_invalid', { message: 'not an age X25519 recipient (age1…)' });
  }
  return decoded.data;
}

export function encodeRecipient(publicKey: Buffer): string {
  return bech32Encode(RECIPIENT_HRP, publicKey);
}

export function encodeIdentity(privateKey: KeyObject): string {
  return bech32Encode(IDENTITY_HRP, rawPrivateKey(privateKey), true);
}

/** A fresh X25519 identity and its recipient. */
export function generateIdentity(): { identity: string; recipient: string } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return { identity: encodeIdentity(privateKey), recipient: encodeRecipient(rawPublicKey(publicKey)) };
}

/** The `age1…` recipient of an `AGE-SECRET-KEY-1…` identity. */
export function recipientOf(identity: string): string {
  return encodeRecipient(parseIdentity(identity).publicKey);
}

/**
 * Parses an identity file as `age -i` reads it: one identity per line, `#` comments and blank
 * lines ignored.
 */
export function parseIdentityFile(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    parseIdentity(line);
    out.push(line);
  }
  if (out.length === 0) throw new AppError('age.identity_invalid', { message: 'no identity in the identity file' });
  return out;
}

function x25519(privateKey: KeyObject, peer: Buffer): Buffer {
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey, publicKey: publicKeyFromRaw(peer) });
  } catch (cause) {
    // OpenSSL refuses to output the all-zero shared secret of a low-order point.
    throw headerError('X25519 share is a low-order point', { cause: String(cause) });
  }
  if (shared.every((b) => b === 0)) throw headerError('X25519 shared secret is all zeroes');
  return shared;
}

function wrapKey(shared: Buffer, share: Buffer, recipient: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([share, recipient]), WRAP_INFO, KEY_SIZE));
}

/** Wraps the file key for one recipient (raw public key), with a fresh ephemeral key. */
export function wrapX25519(fileKey: Buffer, recipient: Buffer): Stanza {
  const ephemeral = generateKeyPairSync('x25519');
  const share = rawPublicKey(ephemeral.publicKey);
  let shared: Buffer;
  try {
    shared = x25519(ephemeral.privateKey, recipient);
  } catch (cause) {
    throw new AppError('age.recipient_invalid', { message: 'recipient is a low-order point', cause });
  }
  const cipher = createCipheriv('chacha20-poly1305', wrapKey(shared, share, recipient), ZERO_NONCE, { authTagLength: TAG_SIZE });
  const body = Buffer.concat([cipher.update(fileKey), cipher.final(), cipher.getAuthTag()]);
  return { type: X25519_STANZA, args: [encodeBase64NoPad(share)], body };
}

/**
 * Checks the shape of an X25519 stanza: one argument encoding 32 bytes, a 32-byte body (16-byte
 * file key and tag). Returns the share. Throws `age.header_invalid`.
 */
export function checkX25519Stanza(stanza: Stanza): Buffer {
  if (stanza.args.length !== 1) throw headerError('X25519 stanza must have exactly one argument');
  const share = decodeBase64NoPad(stanza.args[0]!);
  if (share === undefined || share.length !== KEY_SIZE) throw headerError('X25519 share must be 32 bytes of canonical base64');
  if (stanza.body.length !== FILE_KEY_SIZE + TAG_SIZE) throw headerError('X25519 stanza body must be 32 bytes');
  return share;
}

/**
 * Tries to unwrap the file key from an X25519 stanza. Returns undefined when the stanza is for
 * another recipient (authentication fails); throws `age.header_invalid` for malformed stanzas.
 */
export function unwrapX25519(stanza: Stanza, identity: X25519Identity): Buffer | undefined {
  const share = checkX25519Stanza(stanza);
  const shared = x25519(identity.privateKey, share);
  const decipher = createDecipheriv('chacha20-poly1305', wrapKey(shared, share, identity.publicKey), ZERO_NONCE, { authTagLength: TAG_SIZE });
  decipher.setAuthTag(stanza.body.subarray(FILE_KEY_SIZE));
  try {
    return Buffer.concat([decipher.update(stanza.body.subarray(0, FILE_KEY_SIZE)), decipher.final()]);
  } catch {
    return undefined;
  }
}
