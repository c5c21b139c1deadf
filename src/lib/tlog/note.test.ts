import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { verifyEd25519Go, verifyEd25519Node } from './ed25519.ts';
import { TlogError } from './merkle.ts';
import {
  generateCosignerKey,
  generateSignerKey,
  keyId,
  openNote,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  SIG_TYPE_COSIGNATURE_V1,
  SIG_TYPE_ED25519,
  signNote,
  verifierKeyOf,
  verifyEd25519,
} from './note.ts';

const code = (c: string) => (e: unknown) => e instanceof TlogError && e.code === c;

// c2sp.org/signed-note worked example (C2SP/C2SP signed-note.md, "Example" section of the revisions
// that carry it, e.g. d4c16da5e7687a016619074e78dad84b2c7238cc).
const SPEC_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const SPEC_NOTE =
  'This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';

// golang.org/x/mod sumdb/note/note_test.go
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG = '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG = '\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

// transparency-dev/formats note/note_cosigv1_test.go
const PLUS_VKEY = 'TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6';
const REMORA_VKEY = 'remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2';

describe('ed25519 (C2SP/CCTV vectors)', () => {
  it('accepts exactly the 208 cases Go crypto/ed25519 accepts', () => {
    const path = join(import.meta.dirname, '../../../test/vectors/ed25519/ed25519vectors.json');
    const vectors: Array<{ number: number; key: string; sig: string; msg: string; flags: string[] | null }> = JSON.parse(readFileSync(path, 'utf8'));
    assert.equal(vectors.length, 914);
    const accepted: number[] = [];
    const expected: number[] = [];
    for (const v of vectors) {
      const flags = v.flags ?? [];
      if (!flags.includes('low_order_residue') && !flags.includes('non_canonical_R')) expected.push(v.number);
      if (verifyEd25519(Buffer.from(v.key, 'hex'), Buffer.from(v.msg, 'utf8'), Buffer.from(v.sig, 'hex'))) accepted.push(v.number);
    }
    assert.equal(expected.length, 208);
    assert.equal(accepted.length, 208);
    assert.deepEqual(accepted, expected);
  });

  it('the BigInt Go-rules verifier alone accepts the same 208; node:crypto never accepts outside them', () => {
    const path = join(import.meta.dirname, '../../../test/vectors/ed25519/ed25519vectors.json');
    const vectors: Array<{ number: number; key: string; sig: string; msg: string; flags: string[] | null }> = JSON.parse(readFileSync(path, 'utf8'));
    const goRules: number[] = [];
    const nodeOnly: number[] = [];
    const expected = new Set<number>();
    for (const v of vectors) {
      const flags = v.flags ?? [];
      if (!flags.includes('low_order_residue') && !flags.includes('non_canonical_R')) expected.add(v.number);
      const [key, msg, sig] = [Buffer.from(v.key, 'hex'), Buffer.from(v.msg, 'utf8'), Buffer.from(v.sig, 'hex')];
      if (verifyEd25519Go(key, msg, sig)) goRules.push(v.number);
      if (verifyEd25519Node(key, msg, sig)) nodeOnly.push(v.number);
    }
    assert.deepEqual(goRules, [...expected]);
    assert.ok(nodeOnly.every((n) => expected.has(n)));
    // Node 26 (OpenSSL 3.5) is stricter than Go, hence the BigInt fallback.
    assert.ok(nodeOnly.length > 0);
  });

  it('rejects a malleated signature (S + L, non-canonical S)', () => {
    const { skey } = generateSignerKey('m', Buffer.alloc(32, 3));
    const k = parseSignerKey(skey);
    const msg = Buffer.from('hello\n');
    const sig = Buffer.from(signNote('hello\n', [{ skey }]).trim().split(' ')[2]!, 'base64').subarray(4);
    assert.equal(verifyEd25519(k.publicKey, msg, sig), true);
    assert.equal(verifyEd25519Go(k.publicKey, msg, sig), true);
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const s = BigInt(`0x${Buffer.from(sig.subarray(32)).reverse().toString('hex')}`) + L;
    const malleated = Buffer.concat([sig.subarray(0, 32), Buffer.from(s.toString(16).padStart(64, '0'), 'hex').reverse()]);
    assert.equal(verifyEd25519Go(k.publicKey, msg, malleated), false);
    assert.equal(verifyEd25519(k.publicKey, msg, malleated), false);
    assert.equal(verifyEd25519Go(k.publicKey, Buffer.from('hellO\n'), sig), false);
  });

  it('rejects wrong lengths', () => {
    assert.equal(verifyEd25519(Buffer.alloc(31), Buffer.alloc(0), Buffer.alloc(64)), false);
    assert.equal(verifyEd25519(Buffer.alloc(32), Buffer.alloc(0), Buffer.alloc(63)), false);
  });
});

describe('signed note: keys', () => {
  it('parses the spec and Go verifier keys', () => {
    const k = parseVerifierKey(SPEC_VKEY);
    assert.equal(k.name, 'example.com/foo');
    assert.equal(k.keyId.toString('hex'), '530d903a');
    assert.equal(k.type, SIG_TYPE_ED25519);
    assert.deepEqual(keyId(k.name, k.type, k.publicKey), k.keyId);
    assert.equal(parseVerifierKey(PETER_VKEY).keyId.toString('hex'), 'c74f20a3');
    assert.equal(parseVerifierKey(PLUS_VKEY).name, 'TEST');
    const remora = parseVerifierKey(REMORA_VKEY);
    assert.equal(remora.type, SIG_TYPE_COSIGNATURE_V1);
    assert.equal(remora.keyId.toString('hex'), 'da77ade7');
  });

  it('rejects every mangling of a verifier key (as sumdb/note TestNewVerifier)', () => {
    const b = Buffer.from(PETER_VKEY);
    let n = 0;
    for (let i = 0; i <= b.length; i++) {
      for (let j = i + 1; j <= b.length; j++) {
        if (i === 0 && j === b.length) continue;
        assert.throws(() => parseVerifierKey(b.subarray(i, j).toString('latin1')), code('tlog.bad_key'));
        n++;
      }
    }
    for (let i = 0; i < b.length; i++) {
      const c = Buffer.from(b);
      c[i]! += 1;
      assert.throws(() => parseVerifierKey(c.toString('latin1')), code('tlog.bad_key'), c.toString('latin1'));
    }
    assert.ok(n > 2000);
    assert.throws(() => parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='), code('tlog.bad_key'));
    assert.throws(() => parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'), code('tlog.bad_key'));
    assert.throws(() => parseVerifierKey('PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'), code('tlog.bad_key'));
    assert.throws(() => parseVerifierKey('Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'), code('tlog.bad_key'));
    assert.throws(() => parseVerifierKey('rekor.sigstore.dev+12345678+AwEB'), code('tlog.bad_key'));
  });

  it('parses and rejects manglings of a signer key (as sumdb/note TestNewSigner)', () => {
    const k = parseSignerKey(PETER_SKEY);
    assert.equal(k.name, 'PeterNeumann');
    assert.equal(verifierKeyOf(PETER_SKEY), PETER_VKEY);
    const b = Buffer.from(PETER_SKEY);
    for (let i = 0; i <= b.length; i++) {
      for (let j = i + 1; j <= b.length; j++) {
        if (i === 0 && j === b.length) continue;
        assert.throws(() => parseSignerKey(b.subarray(i, j).toString('latin1')), code('tlog.bad_key'));
      }
    }
    for (let i = 0; i < b.length; i++) {
      const c = Buffer.from(b);
      c[i]! += 1;
      assert.throws(() => parseSignerKey(c.toString('latin1')), code('tlog.bad_key'), c.toString('latin1'));
    }
  });

  it('generates self-consistent keys', () => {
    const { skey, vkey } = generateSignerKey('custodia.example/log');
    assert.match(skey, /^PRIVATE\+KEY\+custodia\.example\/log\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}$/);
    assert.equal(verifierKeyOf(skey), vkey);
    assert.equal(parseVerifierKey(vkey).type, SIG_TYPE_ED25519);
    const c = generateCosignerKey('witness.example/w1');
    assert.equal(parseVerifierKey(c.vkey).type, SIG_TYPE_COSIGNATURE_V1);
    assert.equal(parseSignerKey(c.skey).type, SIG_TYPE_COSIGNATURE_V1);
    assert.equal(verifierKeyOf(c.skey), c.vkey);
    for (const bad of ['', 'a b', 'a+b', 'a\u00a0b', 'a\nb', 'a\u2003b']) assert.throws(() => generateSignerKey(bad), code('tlog.bad_key'), bad);
    const fixed = generateSignerKey('x', Buffer.alloc(32, 1));
    assert.deepEqual(fixed, generateSignerKey('x', Buffer.alloc(32, 1)));
  });
});

describe('signed note: sign and open', () => {
  it('opens the signed-note spec example', () => {
    const n = openNote(SPEC_NOTE, [SPEC_VKEY]);
    assert.equal(n.text, 'This is an example message.\n');
    assert.equal(n.signatures.length, 1);
    assert.equal(n.signatures[0]!.verified, true);
    assert.equal(n.signatures[0]!.name, 'example.com/foo');
    assert.throws(() => openNote(SPEC_NOTE.replace('example message', 'example massage'), [SPEC_VKEY]), code('tlog.signature_invalid'));
    assert.deepEqual(openNote(Buffer.from(SPEC_NOTE, 'utf8'), [SPEC_VKEY]).text, n.text);
  });

  it('signs exactly like golang.org/x/mod/sumdb/note', () => {
    assert.equal(signNote(GO_TEXT, [{ skey: PETER_SKEY }]), `${GO_TEXT}\n${PETER_SIG}`);
    assert.throws(() => signNote('abc', [{ skey: PETER_SKEY }]), code('tlog.note_malformed'));
    assert.throws(() => signNote('a\rb\n', [{ skey: PETER_SKEY }]), code('tlog.note_malformed'));
  });

  it('verifies known keys and ignores unknown ones (sumdb/note TestOpen)', () => {
    const note = `${GO_TEXT}\n${PETER_SIG}${ENOCH_SIG}`;
    let n = openNote(note, [PETER_VKEY]);
    assert.equal(n.text, GO_TEXT);
    assert.deepEqual(
      n.signatures.map((s) => [s.name, s.keyId.toString('hex'), s.verified]),
      [
        ['PeterNeumann', 'c74f20a3', true],
        ['EnochRoot', 'af0cfe78', false],
      ],
    );
    n = openNote(note, [PETER_VKEY, ENOCH_VKEY]);
    assert.ok(n.signatures.every((s) => s.verified));
    assert.throws(() => openNote(note, []), code('tlog.no_verified_signature'));
    // A key that shares only the name or only the key id is unknown.
    const other = generateSignerKey('PeterNeumann', Buffer.alloc(32, 9)).vkey;
    assert.throws(() => openNote(note, [other]), code('tlog.no_verified_signature'));
    assert.throws(() => openNote(`${GO_TEXT}\n${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`, [PETER_VKEY]), code('tlog.signature_invalid'));
    // Duplicated identical verifier keys are fine.
    assert.equal(openNote(`${GO_TEXT}\n${PETER_SIG}${PETER_SIG}`, [PETER_VKEY, PETER_VKEY]).signatures.length, 2);
  });

  it('rejects malformed notes', () => {
    const bad = [
      GO_TEXT,
      `${GO_TEXT}\n`,
      `${GO_TEXT}\n${PETER_SIG.slice(0, -1)}`,
      `\x01${GO_TEXT}\n${PETER_SIG}`,
      `${GO_TEXT.replace('\n', '\r\n')}\n${PETER_SIG}`,
      `${GO_TEXT}\n\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`,
      `${GO_TEXT}\n${PETER_SIG}Unexpected line.\n`,
      `${GO_TEXT}\n${PETER_SIG.replace('\u2014', '-')}`,
      `${GO_TEXT}\n${PETER_SIG.replace('\u2014 ', '\u2014')}`,
      `${GO_TEXT}\n${PETER_SIG.replace('=\n', '\n')}`, // bad padding
      `${GO_TEXT}\n\u2014 PeterNeumann AAAA\n`, // too short
      `${GO_TEXT}\n${PETER_SIG}\n`,
      `${GO_TEXT}\n${PETER_SIG.repeat(101)}`,
      `${GO_TEXT}\uD800\n${PETER_SIG}`,
      `${GO_TEXT}\n\u2014 Peter+Neumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
    ];
    for (const m of bad) assert.throws(() => openNote(m, [PETER_VKEY]), code('tlog.note_malformed'), JSON.stringify(m));
    assert.throws(() => parseNote(Buffer.from([0xff, 0x0a, 0x0a])), code('tlog.note_malformed'));
    // 100 signatures are fine.
    assert.equal(openNote(`${GO_TEXT}\n${PETER_SIG.repeat(100)}`, [PETER_VKEY]).signatures.length, 100);
  });

  it('round-trips multiple signers, texts with blank lines, and rejects tampering', () => {
    const a = generateSignerKey('a.example/log');
    const b = generateSignerKey('b.example/log');
    const text = 'line one\n\nline three after a blank\n';
    const note = signNote(text, [a, b]);
    const n = openNote(note, [a.vkey, b.vkey, PETER_VKEY]);
    assert.equal(n.text, text);
    assert.equal(n.signatures.filter((s) => s.verified).length, 2);
    assert.throws(() => openNote(note.replace('one', 'two'), [a.vkey]), code('tlog.signature_invalid'));
    // Wrong key id in the signature line → unknown key.
    const idb64 = Buffer.concat([keyId('a.example/log', 1, Buffer.alloc(32)), Buffer.alloc(64)]).toString('base64');
    assert.throws(() => openNote(`${text}\n\u2014 a.example/log ${idb64}\n`, [a.vkey]), code('tlog.no_verified_signature'));
    assert.throws(() => openNote(note, ['not a key']), code('tlog.bad_key'));
    assert.throws(() => signNote(text, [generateCosignerKey('w')]), code('tlog.bad_key'));
  });
});
