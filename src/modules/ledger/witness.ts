import type { Kysely } from 'kysely';
import type { Clock } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { parseCheckpoint } from '../../lib/tlog/checkpoint.ts';
import { cosign, verifyCosignature } from '../../lib/tlog/cosignature.ts';
import { EMPTY_ROOT, TlogError, verifyConsistency } from '../../lib/tlog/merkle.ts';
import { openNote, parseVerifierKey } from '../../lib/tlog/note.ts';
import { formatAddCheckpoint, parseAddCheckpoint } from '../../lib/tlog/witness-protocol.ts';
import type { Database } from '../../storage/db/schema.ts';
import type { NodeKey } from './keys.ts';
import type { StoredCheckpoint } from './store.ts';

/** What the add-checkpoint endpoint answers (C2SP tlog-witness): status, media type and body. */
export interface WitnessAnswer {
  status: 200 | 400 | 403 | 404 | 409 | 422;
  contentType: string;
  body: string;
}

const text = (status: WitnessAnswer['status'], body: string, contentType = 'text/plain; charset=utf-8'): WitnessAnswer => ({ status, body, contentType });

export function createWitness(deps: { db: Kysely<Database>; clock: Clock; key: NodeKey }) {
  const { db } = deps;

  return {
    async addPeer(peer: { name: string; url: string; vkey: string }): Promise<void> {
      const fields = [];
      try {
        const parsed = parseVerifierKey(peer.vkey);
        if (parsed.name !== peer.name) fields.push({ path: 'name', code: 'ledger.witness_name_mismatch', message: `the key is named ${parsed.name}` });
      } catch (err) {
        fields.push({ path: 'vkey', code: 'ledger.bad_vkey', message: (err as Error).message });
      }
      let url: URL | undefined;
      try {
        url = new URL(peer.url);
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
        fields.push({ path: 'url', code: 'ledger.bad_url', message: 'expected an http(s) URL of the add-checkpoint endpoint' });
      if (fields.length > 0) throw new AppError('validation.failed', { message: 'invalid witness peer', fields });
      await db
        .insertInto('ledger_witness_peers')
        .values({ name: peer.name, url: peer.url, vkey: peer.vkey, cosigned_size: 0, last_error: null, updated_at: deps.clock.now().toISOString() })
        .onConflict((oc) => oc.column('name').doUpdateSet({ url: peer.url, vkey: peer.vkey, updated_at: deps.clock.now().toISOString() }))
        .execute();
    },

    async listPeers() {
      const rows = await db.selectFrom('ledger_witness_peers').selectAll().orderBy('name').execute();
      return rows.map((r) => ({
        name: r.name,
        url: r.url,
        vkey: r.vkey,
        cosignedSize: Number(r.cosigned_size),
        lastError: r.last_error,
        updatedAt: r.updated_at,
      }));
    },

    async addWitnessedLog(log: { origin: string; vkey: string }): Promise<void> {
      try {
        if (parseVerifierKey(log.vkey).name !== log.origin) throw new Error('the key name must be the log origin');
      } catch (err) {
        throw new AppError('validation.failed', {
          message: 'invalid log key',
          fields: [{ path: 'vkey', code: 'ledger.bad_vkey', message: (err as Error).message }],
        });
      }
      await db
        .insertInto('witnessed_logs')
        .values({ origin: log.origin, vkey: log.vkey, size: 0, root: EMPTY_ROOT, updated_at: deps.clock.now().toISOString() })
        .onConflict((oc) => oc.column('origin').doNothing())
        .execute();
    },

    async listWitnessedLogs() {
      const rows = await db.selectFrom('witnessed_logs').selectAll().orderBy('origin').execute();
      return rows.map((r) => ({ origin: r.origin, vkey: r.vkey, size: Number(r.size), root: Buffer.from(r.root).toString('base64'), updatedAt: r.updated_at }));
    },

    /**
     * C2SP tlog-witness add-checkpoint. Cosigns only a checkpoint that extends, provably, the one it
     * last cosigned for that log; the new state is stored with a compare-and-swap, so two concurrent
     * requests can never both move it. A witness therefore never cosigns a fork or a rollback.
     */
    async addCheckpoint(body: string): Promise<WitnessAnswer> {
      let request: ReturnType<typeof parseAddCheckpoint>;
      let checkpoint: ReturnType<typeof parseCheckpoint>;
      let noteText: string;
      try {
        request = parseAddCheckpoint(body);
        noteText = request.checkpointNote.slice(0, request.checkpointNote.indexOf('\n\n') + 1);
        checkpoint = parseCheckpoint(noteText);
      } catch (err) {
        return text(400, `malformed request: ${(err as Error).message}\n`);
      }
      const log = await db.selectFrom('witnessed_logs').selectAll().where('origin', '=', checkpoint.origin).executeTakeFirst();
      if (!log) return text(404, `unknown log ${checkpoint.origin}\n`);
      try {
        const opened = openNote(request.checkpointNote, [log.vkey]);
        if (!opened.signatures.some((s) => s.verified)) return text(403, 'no valid signature by the log\n');
      } catch {
        return text(403, 'checkpoint signature does not verify with the log key\n');
      }
      const known = Number(log.size);
      const knownRoot = Buffer.from(log.root);
      if (checkpoint.size < request.oldSize) return text(400, 'checkpoint is smaller than the old size\n');
      if (request.oldSize !== known) return text(409, `${known}\n`, 'text/x.tlog.size');
      try {
        if (known === 0) {
          if (request.proof.length > 0) throw new TlogError('tlog.proof_invalid', 'no proof expected from size 0');
        } else if (checkpoint.size === known) {
          if (request.proof.length > 0 || !checkpoint.root.equals(knownRoot)) throw new TlogError('tlog.proof_invalid', 'same size, different root');
        } else {
          verifyConsistency(known, checkpoint.size, request.proof, knownRoot, checkpoint.root);
        }
      } catch (err) {
        return text(422, `consistency proof does not verify: ${(err as Error).message}\n`);
      }
      const updated = await db
        .updateTable('witnessed_logs')
        .set({ size: checkpoint.size, root: checkpoint.root, updated_at: deps.clock.now().toISOString() })
        .where('origin', '=', checkpoint.origin)
        .where('size', '=', known)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) {
        const now = await db.selectFrom('witnessed_logs').select('size').where('origin', '=', checkpoint.origin).executeTakeFirstOrThrow();
        return text(409, `${Number(now.size)}\n`, 'text/x.tlog.size');
      }
      const timestamp = Math.floor(deps.clock.now().getTime() / 1000);
      return text(200, cosign(noteText, timestamp, { skey: deps.key.skey }));
    },

    /** Log side: sends a checkpoint to one peer and stores its cosignature (retrying once on a size conflict). */
    async requestFromPeer(args: {
      peer: { name: string; url: string; vkey: string; cosignedSize: number };
      checkpoint: StoredCheckpoint;
      proof: (oldSize: number) => Promise<Buffer[]>;
      fetch: typeof fetch;
    }): Promise<void> {
      const { peer, checkpoint } = args;
      let oldSize = peer.cosignedSize;
      if (oldSize >= checkpoint.size) return;
      const noteText = checkpoint.note.slice(0, checkpoint.note.indexOf('\n\n') + 1);
      for (let attempt = 0; attempt < 2; attempt++) {
        let error: string | null = null;
        try {
          const response = await args.fetch(peer.url, {
            method: 'POST',
            headers: { 'content-type': 'text/plain; charset=utf-8' },
            body: formatAddCheckpoint({ oldSize, proof: await args.proof(oldSize), checkpointNote: checkpoint.note }),
            signal: AbortSignal.timeout(10_000),
          });
          const answer = await response.text();
          if (response.status === 409 && attempt === 0) {
            oldSize = Number.parseInt(answer.trim(), 10);
            if (!Number.isSafeInteger(oldSize) || oldSize > checkpoint.size) throw new Error(`witness reports size ${answer.trim()}`);
            continue;
          }
          if (response.status !== 200) throw new Error(`witness answered ${response.status}: ${answer.trim().slice(0, 200)}`);
          const line = answer.split('\n').find((l) => l.startsWith(`— ${peer.name} `));
          if (!line) throw new Error('witness answered without a cosignature from its key');
          verifyCosignature(noteText, `${line}\n`, peer.vkey);
          await db
            .insertInto('ledger_cosignatures')
            .values({ size: checkpoint.size, witness: peer.name, line: `${line}\n`, received_at: deps.clock.now().toISOString() })
            .onConflict((oc) => oc.columns(['size', 'witness']).doNothing())
            .execute();
        } catch (err) {
          error = (err as Error).message;
        }
        await db
          .updateTable('ledger_witness_peers')
          .set(
            error
              ? { last_error: error, updated_at: deps.clock.now().toISOString() }
              : { cosigned_size: checkpoint.size, last_error: null, updated_at: deps.clock.now().toISOString() },
          )
          .where('name', '=', peer.name)
          .execute();
        return;
      }
    },
  };
}
