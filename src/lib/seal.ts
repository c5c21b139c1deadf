import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError, type ErrorCode } from './errors.ts';

interface Sealed {
  v: 1;
  alg: 'A256GCM';
  iv: string;
  ct: string;
  tag: string;
}

/** AES-256-GCM under the node's key-encryption key; `aad` binds the secret to what it belongs to. */
export function seal(kek: Buffer, secret: string, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  const sealed: Sealed = { v: 1, alg: 'A256GCM', iv: iv.toString('base64'), ct: ct.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
  return JSON.stringify(sealed);
}

/** Opens a sealed secret; a wrong key, wrong `aad` or any changed byte fails with `code`. */
export function unseal(kek: Buffer, sealedText: string, aad: string, code: ErrorCode): string {
  try {
    const sealed = JSON.parse(sealedText) as Sealed;
    const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64')), decipher.final()]).toString('utf8');
  } catch (err) {
    throw new AppError(code, { message: 'cannot unseal a secret: wrong master key or damaged record', cause: err });
  }
}
