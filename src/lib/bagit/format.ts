// The small, pure pieces of BagIt 1.0 (RFC 8493): the bag declaration, checksum algorithm names,
// the percent-encoding of manifest paths (§2.1.3) and the rules for a safe relative path.

/** `bagit.txt` exactly as this writer produces it (RFC 8493 §2.1.1). */
export const BAGIT_DECLARATION = 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n';
export const BAGIT_VERSION = '1.0';

/** Algorithms this writer produces. RFC 8493 §2.4: tools MUST support SHA-256 and SHA-512. */
export type WriteAlgorithm = 'sha256' | 'sha512';
export const WRITE_ALGORITHMS: readonly WriteAlgorithm[] = ['sha256', 'sha512'];

/** Normalised BagIt algorithm names (lower case, alphanumerics only) the validator can verify. */
export const VERIFY_ALGORITHMS: ReadonlyMap<string, { nodeName: string; hexLength: number }> = new Map([
  ['md5', { nodeName: 'md5', hexLength: 32 }],
  ['sha1', { nodeName: 'sha1', hexLength: 40 }],
  ['sha224', { nodeName: 'sha224', hexLength: 56 }],
  ['sha256', { nodeName: 'sha256', hexLength: 64 }],
  ['sha384', { nodeName: 'sha384', hexLength: 96 }],
  ['sha512', { nodeName: 'sha512', hexLength: 128 }],
]);

export const PAYLOAD_MANIFEST_RE = /^manifest-([a-z0-9]+)\.txt$/;
export const TAG_MANIFEST_RE = /^tagmanifest-([a-z0-9]+)\.txt$/;

/** Percent-encodes CR, LF and `%` — those characters and only those (RFC 8493 §2.1.3). */
export function encodeManifestPath(path: string): string {
  return path.replace(/[%\r\n]/g, (c) => (c === '%' ? '%25' : c === '\r' ? '%0D' : '%0A'));
}

/**
 * Reverses {@link encodeManifestPath}. Returns `undefined` when a `%` is not the start of `%0D`,
 * `%0A` or `%25` (either case): in a BagIt 1.0 manifest a bare `%` must itself be encoded.
 */
export function decodeManifestPath(encoded: string): string | undefined {
  let out = '';
  let i = 0;
  while (i < encoded.length) {
    const at = encoded.indexOf('%', i);
    if (at < 0) return out + encoded.slice(i);
    out += encoded.slice(i, at);
    const hex = encoded.slice(at + 1, at + 3).toUpperCase();
    if (hex === '0D') out += '\r';
    else if (hex === '0A') out += '\n';
    else if (hex === '25') out += '%';
    else return undefined;
    i = at + 3;
  }
  return out;
}

/**
 * Why `path` is not a safe `/`-separated relative path, or `undefined` when it is. Rejects what
 * could reach outside the directory it is resolved against on POSIX or Windows (RFC 8493 §5.1):
 * absolute paths, drive letters, `..` and `.` segments, empty segments, backslashes and NUL.
 */
export function relativePathProblem(path: string): string | undefined {
  if (path.length === 0) return 'empty path';
  if (path.includes('\0')) return 'contains a NUL character';
  if (path.includes('\\')) return 'contains a backslash (the separator is /)';
  if (path.startsWith('/')) return 'absolute path';
  if (/^[A-Za-z]:/.test(path)) return 'starts with a drive letter';
  for (const segment of path.split('/')) {
    if (segment === '') return 'empty segment (leading, trailing or doubled /)';
    if (segment === '.' || segment === '..') return `contains a "${segment}" segment`;
  }
  return undefined;
}

/** Orders paths by their UTF-8 bytes, like `LC_ALL=C sort`, so manifests are reproducible. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** `YYYY-MM-DD` of `date` in UTC. */
export function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}
