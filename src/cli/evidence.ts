import { createWriteStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { App } from '../app.ts';
import { operatorEnvironment } from '../config/config.ts';
import { isMessageKey, negotiateLocale, t } from '../i18n/index.ts';
import { parseIdentityFile } from '../lib/age/age.ts';
import { AppError } from '../lib/errors.ts';
import { paceCollections, streamed } from '../lib/memory.ts';
import { isoWithOffset } from '../lib/time.ts';
import type { EvidenceItem } from '../modules/evidence/index.ts';
import { verifyEvidencePackage } from '../modules/evidence/index.ts';
import { operator } from './identity.ts';
import { type CommonOptions, type Output, print, reportError, type WithApp, withOutputOptions } from './output.ts';
import { formatBytes, progressBar } from './progress.ts';

type Options = CommonOptions & { org?: string };

const hashLines = (item: EvidenceItem) =>
  [`SHA-256 ${item.sha256}`, ...(item.md5 ? [`MD5     ${item.md5}`] : []), ...(item.sha1 ? [`SHA-1   ${item.sha1}`] : [])].join('\n');

function itemText(app: App, out: Output, item: EvidenceItem): string {
  return [
    t(out.locale, 'evidence.cli.item', { exhibit: item.exhibit, id: item.id, case: item.caseReference }),
    `${formatBytes(item.bytes)} (${item.bytes} B) · ${t(out.locale, `evidence.state.${item.state}`)}`,
    hashLines(item),
    t(out.locale, 'evidence.cli.acquired', { by: item.acquisition.by, at: isoWithOffset(new Date(item.acquisition.at), app.config.timeZone) }),
  ].join('\n');
}

/** A verifier key given as text (`name+hex+base64`) or as a file holding it. */
async function keyText(value: string): Promise<string> {
  if (/^[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+$/.test(value.trim())) return value.trim();
  return (await readFile(value, 'utf8')).trim();
}

/**
 * `custodia evidence …`: the vault from the shell, as the node operator. Files are streamed from
 * disk without HTTP; long work shows a progress bar on stderr.
 */
export function registerEvidenceCommands(program: Command, withApp: WithApp): void {
  const common = withOutputOptions;
  const evidence = program.command('evidence').description('the evidence vault: add, verify, custody, retention, export');
  // Gigabytes stream through one short-lived process: keep its memory flat (lib/memory.ts).
  evidence.hook('preAction', () => paceCollections());
  const org = (c: Command) => c.option('--org <id>', 'the organisation holding the case (needed only when several have that reference)');

  common(
    org(
      evidence
        .command('add')
        .argument('<path>', 'the file to take into the vault')
        .requiredOption('--case <reference>', 'the case it belongs to')
        .requiredOption('--exhibit <number>', 'its exhibit number in the case')
        .option('--description <text>', 'what it is', '')
        .option('--acquired-by <name>', 'who acquired it (default: you)')
        .option('--acquired-at <instant>', 'when, with its time zone (default: now)')
        .option('--where <place>', 'where it was acquired', '')
        .option('--tool <name>', 'acquisition tool', '')
        .option('--tool-version <version>', 'its version', '')
        .option('--method <method>', 'acquisition method', '')
        .option('--source <device>', 'source device or identifier', '')
        .option('--authority <reference>', 'legal authority (order reference)', '')
        .option('--md5', 'also compute MD5')
        .option('--sha1', 'also compute SHA-1')
        .description('stream a file into the vault: hash, encrypt, store, record its custody'),
    ),
  ).action(
    (
      path: string,
      o: Options & {
        case: string;
        exhibit: string;
        description: string;
        acquiredBy?: string;
        acquiredAt?: string;
        where: string;
        tool: string;
        toolVersion: string;
        method: string;
        source: string;
        authority: string;
        md5?: boolean;
        sha1?: boolean;
      },
    ) =>
      withApp(o, async (app, out) => {
        const actor = operator();
        const file = resolve(path);
        const info = await stat(file).catch(() => undefined);
        // A directory or a device is refused here, by name, rather than failing midway through the store.
        if (!info?.isFile())
          throw new AppError('validation.failed', { message: `cannot read ${file} as a file`, fields: [{ path: 'path', code: 'evidence.file_unreadable' }] });
        const size = info.size;
        const orgId = await app.evidence.locate(actor, { caseReference: o.case, ...(o.org ? { orgId: o.org } : {}) });
        const bar = progressBar(o.exhibit, size);
        let seen = 0;
        const item = await app.evidence.add(
          actor,
          orgId,
          {
            caseReference: o.case,
            exhibit: o.exhibit,
            description: o.description,
            fileName: basename(file),
            acquisition: {
              by: o.acquiredBy ?? (actor.kind === 'system' ? actor.name : ''),
              at: o.acquiredAt ?? isoWithOffset(app.clock.now(), app.config.timeZone),
              where: o.where,
              tool: o.tool,
              toolVersion: o.toolVersion,
              method: o.method,
              source: o.source,
              authority: o.authority,
            },
            md5: o.md5 === true,
            sha1: o.sha1 === true,
          },
          { path: file },
          {
            onProgress: (bytes) => {
              streamed(bytes - seen);
              seen = bytes;
              bar.update(bytes);
            },
          },
        );
        bar.finish(item.bytes);
        print(out, item, () => itemText(app, out, item));
      }),
  );

  common(org(evidence.command('list').requiredOption('--case <reference>', 'the case').description('list the evidence of a case'))).action(
    (o: Options & { case: string }) =>
      withApp(o, async (app, out) => {
        const actor = operator();
        const orgId = await app.evidence.locate(actor, { caseReference: o.case, ...(o.org ? { orgId: o.org } : {}) });
        const items = await app.evidence.list(actor, orgId, o.case);
        print(out, { case: o.case, items }, () =>
          items.length === 0
            ? t(out.locale, 'evidence.cli.none')
            : items.map((i) => `${i.exhibit}\t${i.id}\t${formatBytes(i.bytes)}\t${i.sha256}\t${t(out.locale, `evidence.state.${i.state}`)}`).join('\n'),
        );
      }),
  );

  common(evidence.command('show').argument('<id>', 'the item id').description('an item, its hashes and its custody history with proof status')).action(
    (id: string, o: Options) =>
      withApp(o, async (app, out) => {
        const actor = operator();
        const orgId = await app.evidence.locate(actor, { itemId: id });
        await app.ledger.publish();
        const history = await app.evidence.history(actor, orgId, id);
        print(out, history, () =>
          [
            itemText(app, out, history.item),
            '',
            ...history.steps.map(
              (s) =>
                `#${s.index}\t${isoWithOffset(new Date(s.at), app.config.timeZone)}\t${t(out.locale, `evidence.event.${s.type}`)}\t${s.actor}\t${s.reason}\t${t(out.locale, `evidence.proof.${s.proof}`)}`,
            ),
          ].join('\n'),
        );
      }),
  );

  common(evidence.command('verify').argument('<id>', 'the item id').description('decrypt and re-hash a stored item (fixity)')).action(
    (id: string, o: Options) =>
      withApp(o, async (app, out) => {
        const actor = operator();
        const orgId = await app.evidence.locate(actor, { itemId: id });
        const result = await app.evidence.verify(actor, orgId, id);
        print(out, result, () =>
          result.ok
            ? t(out.locale, 'evidence.cli.fixity_ok', { exhibit: result.exhibit, sha256: result.expected })
            : t(out.locale, 'evidence.cli.fixity_bad', { exhibit: result.exhibit, expected: result.expected, found: result.found ?? result.problem ?? '—' }),
        );
        if (!result.ok) process.exitCode = 5;
      }),
  );

  common(
    evidence
      .command('download')
      .argument('<id>', 'the item id')
      .requiredOption('--out <file>', 'where to write the plaintext')
      .requiredOption('--reason <text>', 'why (recorded as a custody event)')
      .description('write an item’s content to a file (a custody event)'),
  ).action((id: string, o: Options & { out: string; reason: string }) =>
    withApp(o, async (app, out) => {
      const actor = operator();
      const orgId = await app.evidence.locate(actor, { itemId: id });
      const { item, stream } = await app.evidence.download(actor, orgId, id, o.reason);
      const bar = progressBar(item.exhibit, item.bytes);
      let done = 0;
      const count = new Transform({
        transform(chunk: Buffer, _encoding, next) {
          done += chunk.length;
          bar.update(done);
          next(null, chunk);
        },
      });
      await pipeline(stream, count, createWriteStream(resolve(o.out), { flags: 'wx' }));
      bar.finish(done);
      print(out, { item: item.id, out: resolve(o.out), bytes: done, sha256: item.sha256 }, () =>
        t(out.locale, 'evidence.cli.downloaded', { exhibit: item.exhibit, out: resolve(o.out) }),
      );
    }),
  );

  common(
    evidence
      .command('custody')
      .argument('<id>', 'the item id')
      .requiredOption('--event <event>', 'analysed, copied, transferred, sealed or released')
      .requiredOption('--reason <text>', 'why')
      .option('--detail <text>', 'details (to whom, which seal…)', '')
      .description('record a custody step'),
  ).action((id: string, o: Options & { event: string; reason: string; detail: string }) =>
    withApp(o, async (app, out) => {
      const actor = operator();
      const orgId = await app.evidence.locate(actor, { itemId: id });
      await app.evidence.recordCustody(actor, orgId, id, { event: o.event, reason: o.reason, detail: o.detail });
      print(out, { item: id, event: o.event }, () => t(out.locale, 'evidence.cli.recorded', { event: t(out.locale, `evidence.event.${o.event}`) }));
    }),
  );

  common(
    org(
      evidence
        .command('retention')
        .requiredOption('--case <reference>', 'the case')
        .option('--keep-until <date>', 'set: keep the evidence until this date (YYYY-MM-DD)')
        .option('--basis <text>', 'why that date (statute of limitation, article)')
        .description('show or set how long a case’s evidence is kept, with its legal holds'),
    ),
  ).action((o: Options & { case: string; keepUntil?: string; basis?: string }) =>
    withApp(o, async (app, out) => {
      const actor = operator();
      const orgId = await app.evidence.locate(actor, { caseReference: o.case, ...(o.org ? { orgId: o.org } : {}) });
      if (o.keepUntil !== undefined) await app.evidence.setRetention(actor, orgId, o.case, { keepUntil: o.keepUntil, basis: o.basis ?? '' });
      const state = await app.evidence.retention(actor, orgId, o.case);
      print(out, state, () =>
        [
          state.retention
            ? t(out.locale, 'evidence.cli.retention', { until: state.retention.keepUntil, basis: state.retention.basis })
            : t(out.locale, 'evidence.cli.no_retention'),
          ...state.holds.map(
            (h) => `${h.id}\t${h.liftedAt ? t(out.locale, 'evidence.hold.lifted') : t(out.locale, 'evidence.hold.active')}\t${h.itemId ?? '*'}\t${h.reason}`,
          ),
        ].join('\n'),
      );
    }),
  );

  common(
    org(
      evidence
        .command('hold')
        .requiredOption('--case <reference>', 'the case')
        .option('--item <id>', 'only this item (default: the whole case)')
        .requiredOption('--reason <text>', 'why (the order or the proceedings)')
        .description('set a legal hold: nothing it covers can be destroyed'),
    ),
  ).action((o: Options & { case: string; item?: string; reason: string }) =>
    withApp(o, async (app, out) => {
      const actor = operator();
      const orgId = await app.evidence.locate(actor, { caseReference: o.case, ...(o.org ? { orgId: o.org } : {}) });
      const hold = await app.evidence.setHold(actor, orgId, o.case, { reason: o.reason, ...(o.item ? { itemId: o.item } : {}) });
      print(out, hold, () => t(out.locale, 'evidence.cli.hold_set', { id: hold.id }));
    }),
  );

  common(
    org(
      evidence
        .command('lift-hold')
        .argument('<hold>', 'the hold id')
        .requiredOption('--case <reference>', 'the case')
        .requiredOption('--reason <text>', 'why it is lifted')
        .description('lift a legal hold'),
    ),
  ).action((hold: string, o: Options & { case: string; reason: string }) =>
    withApp(o, async (app, out) => {
      const actor = operator();
      const orgId = await app.evidence.locate(actor, { caseReference: o.case, ...(o.org ? { orgId: o.org } : {}) });
      await app.evidence.liftHold(actor, orgId, o.case, hold, { reason: o.reason });
      print(out, { hold, lifted: true }, () => t(out.locale, 'evidence.cli.hold_lifted', { id: hold }));
    }),
  );

  common(
    evidence
      .command('destroy')
      .argument('<id>', 'the item id')
      .requiredOption('--reason <text>', 'why (the decision that orders it)')
      .description('destroy an item’s content after its retention period (the ledger keeps its hash)'),
  ).action((id: string, o: Options & { reason: string }) =>
    withApp(o, async (app, out) => {
      const actor = operator();
      const orgId = await app.evidence.locate(actor, { itemId: id });
      await app.evidence.destroy(actor, orgId, id, { reason: o.reason });
      print(out, { item: id, destroyed: true }, () => t(out.locale, 'evidence.cli.destroyed', { id }));
    }),
  );

  common(
    org(
      evidence
        .command('export')
        .requiredOption('--case <reference>', 'the case')
        .requiredOption('--out <dir>', 'a directory that does not exist yet')
        .option('--to <recipient>', 'encrypt the payload to this age recipient (age1…)')
        .option('--reason <text>', 'why (recorded on each item)', 'export package')
        .description('write the case’s export package: BagIt, CASE/UCO custody, ledger proofs, report'),
    ),
  ).action((o: Options & { case: string; out: string; to?: string; reason: string }) =>
    withApp(o, async (app, out) => {
      const actor = operator();
      const orgId = await app.evidence.locate(actor, { caseReference: o.case, ...(o.org ? { orgId: o.org } : {}) });
      let bar: ReturnType<typeof progressBar> | undefined;
      const result = await app.evidence.exportCase(
        actor,
        orgId,
        o.case,
        { outDir: resolve(o.out), reason: o.reason, ...(o.to ? { to: o.to } : {}) },
        {
          onProgress: (p) => {
            bar ??= progressBar(o.case, p.totalExpected);
            bar.update(p.totalBytes);
          },
        },
      );
      bar?.finish(result.payloadBytes);
      print(out, { dir: result.dir, files: result.files, payloadBytes: result.payloadBytes }, () =>
        t(out.locale, 'evidence.cli.exported', { dir: result.dir, files: result.files }),
      );
    }),
  );

  common(
    evidence
      .command('verify-package')
      .argument('<path>', 'the export package directory')
      .option('--vkey <key>', 'the log verifier key you trust (text or a file holding it), e.g. from the node’s `custodia ledger vkey`')
      .option('--identity <file>', 'an age identity file, to check encrypted payloads too')
      .description('check an export package offline: manifests, hashes, ledger proofs, CASE/UCO'),
  ).action(async (path: string, o: CommonOptions & { identity?: string; vkey?: string }) => {
    // Offline: the package is checked on its own, without opening the node's database.
    const out: Output = { json: o.json === true, locale: negotiateLocale(o.lang, operatorEnvironment().language?.replace('_', '-')) };
    try {
      const identities = o.identity ? parseIdentityFile(await readFile(o.identity, 'utf8')) : undefined;
      const trusted = o.vkey ? await keyText(o.vkey) : undefined;
      const result = await verifyEvidencePackage(resolve(path), {
        ...(identities ? { identities } : {}),
        ...(trusted ? { trustedLogVerifierKey: trusted } : {}),
      });
      const problems = result.problems.map((p) => ({ ...p, text: isMessageKey(`verify.${p.code}`) ? t(out.locale, `verify.${p.code}`) : p.message }));
      print(out, { ...result, problems }, () =>
        [
          result.ok
            ? t(out.locale, 'evidence.cli.package_ok', { items: result.items.length, events: result.custodyEvents })
            : t(out.locale, 'evidence.cli.package_bad'),
          ...problems.map((p) => `  - ${p.path ?? (p.entry !== undefined ? `#${p.entry}` : '')}: ${p.text} (${p.code}: ${p.message})`),
          ...(trusted ? [] : [t(out.locale, 'evidence.cli.package_untrusted')]),
        ].join('\n'),
      );
      if (!result.ok) process.exitCode = 5;
    } catch (error) {
      process.exitCode = reportError(out, error);
    }
  });

  common(evidence.command('fixity-round').option('--limit <n>', 'items to check', '20').description('re-verify the items checked longest ago')).action(
    (o: Options & { limit: string }) =>
      withApp(o, async (app, out) => {
        const results = await app.evidence.fixityRound(Number(o.limit));
        print(
          out,
          { results },
          () => results.map((r) => `${r.ok ? 'OK ' : 'BAD'}\t${r.exhibit}\t${r.itemId}`).join('\n') || t(out.locale, 'evidence.cli.none'),
        );
        if (results.some((r) => !r.ok)) process.exitCode = 5;
      }),
  );

  common(evidence.command('rotate-key').description('make a new vault key for new evidence (old keys stay to open older blobs)')).action((o: Options) =>
    withApp(o, async (app, out) => {
      const recipient = await app.evidence.rotateKey(operator());
      print(out, { recipient }, () => recipient);
    }),
  );
}
