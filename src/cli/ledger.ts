import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { t, tCount } from '../i18n/index.ts';
import { AppError } from '../lib/errors.ts';
import { parseVerifierKey } from '../lib/tlog/note.ts';
import { parseTlogProof, verifyTlogProof } from '../lib/tlog/proof-bundle.ts';
import { decodeLeaf, encodeDisclosureFile, openDisclosureFile, parseDisclosureFile } from '../modules/ledger/index.ts';
import { type Output, print, reportError, type WithApp } from './output.ts';

type OutputOf = (options: { json?: boolean; lang?: string }) => Output;

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

function index(name: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw new AppError('validation.failed', {
      message: `${name} must be a non-negative integer`,
      fields: [{ path: name, code: 'validation.invalid', message: `not a non-negative integer: ${value}` }],
    });
  }
  return n;
}

/** `custodia ledger …`: checkpoints, entries, proofs, the offline verifier, the audit, witnesses. */
export function registerLedgerCommands(program: Command, withApp: WithApp, outputOf: OutputOf): void {
  const ledger = program.command('ledger').description('custody ledger: checkpoints, proofs, audit, witnesses');
  const json = (c: Command) => c.option('--json', 'print the answer as JSON').option('--lang <lang>', 'language (es, en)');

  json(ledger.command('vkey').description('print the verifier key in signed-note text form')).action((options: { json?: boolean }) =>
    withApp(options, async (app, out) => {
      print(out, { origin: app.ledger.origin, vkey: app.ledger.vkey(), witnessVkey: app.ledger.witnessVkey(), keys: await app.ledger.verifierKeys() }, () =>
        app.ledger.vkey(),
      );
    }),
  );

  json(ledger.command('checkpoint').description('print the latest signed checkpoint (publishing one if the log grew)')).action((options: { json?: boolean }) =>
    withApp(options, async (app, out) => {
      await app.ledger.publish();
      const signed = await app.ledger.signedCheckpoint();
      if (!signed) throw new AppError('not_found', { message: 'the log is empty' });
      print(out, { size: signed.checkpoint.size, root: b64(signed.checkpoint.root), note: signed.note, cosigners: signed.cosigners }, () =>
        signed.note.trimEnd(),
      );
    }),
  );

  // The CLI is the node operator's, with the database at hand: it shows details the public log withholds.
  json(ledger.command('entry').argument('<index>').description('print one entry: its public leaf, and its details and salt unless shredded')).action(
    (i: string, options: { json?: boolean }) =>
      withApp(options, async (app, out) => {
        const entry = await app.ledger.entry(index('index', i));
        print(
          out,
          {
            index: entry.index,
            leaf: entry.leaf.kind === 'blinded' ? entry.leaf.leaf : null,
            entry: entry.entry ?? null,
            salt: entry.salt ? b64(entry.salt) : null,
            shredded: entry.shredded ?? null,
            leafHash: b64(entry.leafHash),
            recordedAt: entry.recordedAt,
          },
          () =>
            [
              `${entry.index}\t${entry.bytes.toString('utf8')}`,
              entry.leaf.kind === 'blinded' && entry.entry ? `${entry.index}\t${JSON.stringify(entry.entry)}` : '',
              entry.shredded ? t(out.locale, 'cli.ledger.shreddedEntry', { at: entry.shredded.at, by: entry.shredded.by ?? '?' }) : '',
            ]
              .filter(Boolean)
              .join('\n'),
        );
      }),
  );

  json(
    ledger
      .command('disclosure')
      .argument('<index>')
      .option('--out <file>', 'write the disclosure file there instead of printing it')
      .description('the details and salt that open a blinded entry (custodia.ledger-disclosure/v1), for verify-proof --disclosure'),
  ).action((i: string, options: { json?: boolean; out?: string }) =>
    withApp(options, async (app, out) => {
      const n = index('index', i);
      const entry = await app.ledger.entry(n);
      if (!entry.entry) throw new AppError('ledger.details_shredded', { message: t(out.locale, 'ledger.withheld.shredded') });
      if (!entry.salt) throw new AppError('not_found', { message: `entry ${n} was written before blinding: its leaf is its details, in its proof bundle` });
      const file = encodeDisclosureFile({ index: n, salt: entry.salt, details: entry.entry });
      if (options.out) writeFileSync(options.out, file, { mode: 0o600 });
      print(out, JSON.parse(file) as Record<string, unknown>, () => (options.out ? options.out : file.trimEnd()));
    }),
  );

  json(
    ledger
      .command('shred')
      .argument('<subject>', 'what the entries are about, e.g. user:<id> or evidence:<id>')
      .requiredOption('--reason <reason>', 'retention or data-protection')
      .requiredOption('--record <subjects...>', 'the subjects the ledger.shredded entry names (what stays, e.g. org:<id>); never the shredded subject')
      .description('crypto-shred every entry naming a subject: delete its details and salt; the log stays consistent'),
  ).action((subject: string, options: { json?: boolean; reason: string; record: string[] }) =>
    withApp(options, async (app, out) => {
      if (options.reason !== 'retention' && options.reason !== 'data-protection')
        throw new AppError('validation.failed', {
          message: 'the reason is retention or data-protection',
          fields: [{ path: 'reason', code: 'validation.invalid', message: options.reason }],
        });
      if (options.record.includes(subject))
        throw new AppError('validation.failed', {
          message: 'the shredding record must not name the shredded subject',
          fields: [{ path: 'record', code: 'validation.invalid', message: subject }],
        });
      const shredded = await app.ledger.shred('cli:operator', { subject, reason: options.reason, record: { subjects: options.record } });
      print(out, { subject, count: shredded.count, record: shredded.record.index }, () =>
        tCount(out.locale, 'cli.ledger.shredded', shredded.count, { index: shredded.record.index }),
      );
    }),
  );

  json(ledger.command('find').argument('<subject>').description('indices of the entries about a subject')).action(
    (subject: string, options: { json?: boolean }) =>
      withApp(options, async (app, out) => {
        const indices = await app.ledger.entriesFor(subject);
        print(out, { subject, indices }, () => indices.join('\n'));
      }),
  );

  json(
    ledger
      .command('inclusion')
      .argument('<index>')
      .option('--size <size>', 'tree size (default: the latest checkpoint)')
      .description('inclusion proof of an entry'),
  ).action((i: string, options: { json?: boolean; size?: string }) =>
    withApp(options, async (app, out) => {
      const proof = await app.ledger.inclusion(index('index', i), options.size === undefined ? undefined : index('size', options.size));
      const value = { index: proof.index, size: proof.size, leafHash: b64(proof.leafHash), root: b64(proof.root), proof: proof.proof.map(b64) };
      print(out, value, () =>
        [t(out.locale, 'cli.ledger.inclusion', { index: value.index, size: value.size, leaf: value.leafHash, root: value.root }), ...value.proof].join('\n'),
      );
    }),
  );

  json(ledger.command('consistency').argument('<from>').argument('<to>').description('consistency proof between two tree sizes')).action(
    (from: string, to: string, options: { json?: boolean }) =>
      withApp(options, async (app, out) => {
        const proof = await app.ledger.consistency(index('from', from), index('to', to));
        print(out, { from: proof.from, to: proof.to, proof: proof.proof.map(b64) }, () => proof.proof.map(b64).join('\n'));
      }),
  );

  json(
    ledger
      .command('proof')
      .argument('<index>')
      .option('--out <file>', 'write the bundle to a file')
      .description('offline proof bundle (c2sp.org/tlog-proof@v1) for one entry'),
  ).action((i: string, options: { json?: boolean; out?: string }) =>
    withApp(options, async (app, out) => {
      const bundle = await app.ledger.proofBundle(index('index', i));
      if (options.out) writeFileSync(options.out, bundle);
      print(out, { index: Number(i), file: options.out ?? null, bundle }, () =>
        options.out ? t(out.locale, 'cli.ledger.written', { file: options.out }) : bundle.trimEnd(),
      );
    }),
  );

  json(
    ledger
      .command('verify-proof')
      .argument('<bundle>', 'a .tlog-proof file')
      .requiredOption('--vkey <vkey>', "the log's verifier key")
      .option('--witness <vkey...>', 'verifier keys of witnesses whose cosignatures are required')
      .option('--disclosure <file>', 'the details and salt that open a blinded entry (custodia.ledger-disclosure/v1)')
      .description('check a proof bundle offline: log signature, cosignatures, inclusion, canonical entry, and the disclosure of a blinded entry'),
  ).action((file: string, options: { json?: boolean; lang?: string; vkey: string; witness?: string[]; disclosure?: string }) => {
    // No database and no network: everything needed is in the bundle, the disclosure and the keys.
    const out = outputOf(options);
    try {
      const text = readFileSync(file, 'utf8');
      const bytes = parseTlogProof(text).extra;
      if (!bytes)
        throw new AppError('validation.failed', {
          message: 'the bundle carries no entry (extra line)',
          fields: [{ path: 'bundle', code: 'validation.invalid', message: 'no extra line' }],
        });
      // The leaf must be exactly canonical: otherwise the same event could be written two ways.
      const leaf = decodeLeaf(bytes);
      const witnesses = options.witness ?? [];
      const result = verifyTlogProof(text, { entry: bytes }, options.vkey, witnesses);
      const missing = witnesses.map((w) => parseVerifierKey(w).name).filter((name) => !result.cosigners.includes(name));
      if (missing.length > 0) throw new AppError('tlog.no_verified_signature', { message: `no valid cosignature from ${missing.join(', ')}` });
      const disclosure = options.disclosure === undefined ? undefined : readFileSync(options.disclosure, 'utf8');
      // A blinded leaf's details count only once its disclosure recomputes the commitments.
      const opened = leaf.kind === 'blinded' && disclosure !== undefined ? openDisclosureFile(bytes, result.index, disclosure) : undefined;
      if (leaf.kind === 'legacy' && disclosure !== undefined) {
        // Written before blinding, the leaf is its own details: a disclosure must give the same.
        const given = parseDisclosureFile(disclosure);
        if (given.index !== result.index || !given.detailsBytes.equals(bytes))
          throw new AppError('ledger.disclosure_mismatch', { message: `the disclosure does not give the details of entry ${result.index}` });
      }
      const entry = leaf.kind === 'legacy' ? leaf.entry : opened;
      const base = { valid: true, ...result, extra: undefined };
      const value =
        leaf.kind === 'legacy'
          ? { ...base, blinded: false, entry }
          : { ...base, blinded: true, leaf: leaf.leaf, commitment: opened ? 'verified' : 'not_checked', entry: opened ?? null };
      print(out, value, () =>
        [
          t(out.locale, 'cli.ledger.valid', { index: result.index, origin: result.origin, size: result.size }),
          t(out.locale, 'cli.ledger.root', { root: b64(result.root) }),
          t(out.locale, 'cli.ledger.cosigned', { names: result.cosigners.join(', ') || t(out.locale, 'cli.ledger.nobody') }),
          ...(leaf.kind === 'blinded' && !opened ? [t(out.locale, 'cli.ledger.blinded', { type: leaf.leaf.type, at: leaf.leaf.at })] : []),
          ...(opened ? [t(out.locale, 'cli.ledger.commitment')] : []),
          ...(entry
            ? [
                t(out.locale, 'cli.ledger.details', {
                  type: entry.type,
                  at: entry.at,
                  actor: entry.actor,
                  subjects: entry.subjects.join(', '),
                  hashes: JSON.stringify(entry.hashes),
                  data: JSON.stringify(entry.data),
                }),
              ]
            : []),
        ].join('\n'),
      );
    } catch (error) {
      process.exitCode = reportError(out, error);
    }
  });

  json(ledger.command('audit').description('rebuild the tree from the entries and check every tile and checkpoint')).action((options: { json?: boolean }) =>
    withApp(options, async (app, out) => {
      const report = await app.ledger.audit();
      print(out, report, () =>
        report.ok
          ? t(out.locale, 'cli.ledger.auditOk', { entries: report.entries, tiles: report.tiles, checkpoints: report.checkpoints, root: report.root ?? '-' })
          : `${t(out.locale, 'cli.ledger.auditFailed', { kind: report.finding?.kind ?? '', message: report.finding?.message ?? '' })}${report.finding?.expected ? `\n${t(out.locale, 'cli.ledger.expectedFound', { expected: report.finding.expected, found: report.finding.found ?? '' })}` : ''}`,
      );
      if (!report.ok) process.exitCode = 4;
    }),
  );

  json(ledger.command('rotate-key').description('retire the log signing key and create its successor (see docs/ledger.md)')).action(
    (options: { json?: boolean }) =>
      withApp(options, async (app, out) => {
        const vkey = await app.ledger.rotateLogKey();
        print(out, { vkey }, () => vkey);
      }),
  );

  const witness = ledger.command('witness').description('witnessing: peers that cosign this log, logs this node cosigns');
  json(witness.command('add-peer').argument('<name>').argument('<url>', 'the peer add-checkpoint URL').argument('<vkey>')).action(
    (name: string, url: string, vkey: string, options: { json?: boolean }) =>
      withApp(options, async (app, out) => {
        await app.ledger.addWitnessPeer({ name, url, vkey });
        print(out, { added: name }, () => t(out.locale, 'cli.ledger.peerAdded', { name }));
      }),
  );
  json(witness.command('add-log').argument('<origin>').argument('<vkey>')).action((origin: string, vkey: string, options: { json?: boolean }) =>
    withApp(options, async (app, out) => {
      await app.ledger.witnessLog({ origin, vkey });
      print(out, { witnessing: origin }, () => t(out.locale, 'cli.ledger.witnessing', { origin }));
    }),
  );
  json(witness.command('list')).action((options: { json?: boolean }) =>
    withApp(options, async (app, out) => {
      const value = { peers: await app.ledger.listWitnessPeers(), witnessed: await app.ledger.listWitnessedLogs() };
      print(out, value, () =>
        [
          ...value.peers.map(
            (p) =>
              `${t(out.locale, 'cli.ledger.peer', { name: p.name, url: p.url, size: p.cosignedSize })}${p.lastError ? t(out.locale, 'cli.ledger.peerError', { error: p.lastError }) : ''}`,
          ),
          ...value.witnessed.map((l) => t(out.locale, 'cli.ledger.witnessed', { origin: l.origin, size: l.size })),
        ].join('\n'),
      );
    }),
  );
  json(witness.command('request').description('ask every peer to cosign the latest checkpoint now')).action((options: { json?: boolean }) =>
    withApp(options, async (app, out) => {
      await app.ledger.publish();
      await app.ledger.requestCosignatures();
      print(out, { peers: await app.ledger.listWitnessPeers() }, () => t(out.locale, 'cli.ledger.requested'));
    }),
  );
}
