import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { formatCheckpoint } from '../../src/lib/tlog/checkpoint.ts';
import { verifyCosignature } from '../../src/lib/tlog/cosignature.ts';
import { consistencyProof, leafHash, memoryHashSource, rootHash } from '../../src/lib/tlog/merkle.ts';
import { generateSignerKey, signNote } from '../../src/lib/tlog/note.ts';
import { verifyTlogProof } from '../../src/lib/tlog/proof-bundle.ts';
import { formatAddCheckpoint } from '../../src/lib/tlog/witness-protocol.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

interface Node {
  t: TestApp;
  server: FastifyInstance;
  url: string;
}

async function startNode(): Promise<Node> {
  const t = await createTestApp();
  const server = await buildServer(t.app, { logRequests: false });
  await server.listen({ port: 0, host: '127.0.0.1' });
  const port = (server.server.address() as { port: number }).port;
  return { t, server, url: `http://127.0.0.1:${port}` };
}

const witnessName = (n: Node) => n.t.app.ledger.witnessVkey().split('+')[0] as string;

describe('witnessing between two nodes on loopback', () => {
  let a: Node;
  let b: Node;
  before(async () => {
    a = await startNode();
    b = await startNode();
    for (const [log, witness] of [
      [a, b],
      [b, a],
    ] as const) {
      await log.t.app.ledger.addWitnessPeer({
        name: witnessName(witness),
        url: `${witness.url}/ledger/witness/add-checkpoint`,
        vkey: witness.t.app.ledger.witnessVkey(),
      });
      await witness.t.app.ledger.witnessLog({ origin: log.t.app.ledger.origin, vkey: log.t.app.ledger.vkey() });
    }
  });
  after(async () => {
    for (const n of [a, b]) {
      await n.server.close();
      await n.t.cleanup();
    }
  });

  it('each node cosigns the other one’s checkpoints, and the cosignature travels in proof bundles', async () => {
    for (const [log, witness] of [
      [a, b],
      [b, a],
    ] as const) {
      await log.t.app.ledger.append([{ type: 'test.event', subjects: ['case:1'], actor: 'tester' }]);
      await log.t.app.ledger.publish();
      await log.t.app.ledger.requestCosignatures();
      const signed = await log.t.app.ledger.signedCheckpoint();
      assert.deepEqual(signed?.cosigners, [witnessName(witness)]);
      const served = await (await fetch(`${log.url}/ledger/checkpoint`)).text();
      assert.equal(served, signed?.note);
      const bundle = await log.t.app.ledger.proofBundle(1);
      const verified = verifyTlogProof(bundle, { entry: (await log.t.app.ledger.entry(1)).bytes }, log.t.app.ledger.vkey(), [
        witness.t.app.ledger.witnessVkey(),
      ]);
      assert.deepEqual(verified.cosigners, [witnessName(witness)]);
    }
  });

  it('a later checkpoint is cosigned with a consistency proof from the last cosigned size', async () => {
    await a.t.app.ledger.append(Array.from({ length: 300 }, (_, i) => ({ type: 'test.event', subjects: [`item:${i}`], actor: 'tester' })));
    await a.t.app.ledger.publish();
    await a.t.app.ledger.requestCosignatures();
    const size = await a.t.app.ledger.size();
    const peers = await a.t.app.ledger.listWitnessPeers();
    assert.equal(peers[0]?.cosignedSize, size);
    assert.equal(peers[0]?.lastError, null);
    const witnessed = await b.t.app.ledger.listWitnessedLogs();
    assert.equal(witnessed.find((l) => l.origin === a.t.app.ledger.origin)?.size, size);
  });
});

describe('tlog-witness add-checkpoint refuses forks and rollbacks', () => {
  let w: Node;
  const origin = 'example.org/forky-log';
  const key = generateSignerKey(origin);
  const leaves = Array.from({ length: 20 }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));
  const forkLeaves = leaves.map((l, i) => (i === 2 ? leafHash(Buffer.from('rewritten')) : l));
  const note = async (hashes: Buffer[], size: number) =>
    signNote(formatCheckpoint({ origin, size, root: await rootHash(memoryHashSource(hashes), size) }), [{ skey: key.skey }]);
  const post = async (body: string) => {
    const res = await fetch(`${w.url}/ledger/witness/add-checkpoint`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };

  before(async () => {
    w = await startNode();
    await w.t.app.ledger.witnessLog({ origin, vkey: key.vkey });
  });
  after(async () => {
    await w.server.close();
    await w.t.cleanup();
  });

  it('cosigns the first checkpoint it sees, then only consistent extensions', async () => {
    const first = await post(formatAddCheckpoint({ oldSize: 0, proof: [], checkpointNote: await note(leaves, 8) }));
    assert.equal(first.status, 200, first.text);
    const body8 = formatCheckpoint({ origin, size: 8, root: await rootHash(memoryHashSource(leaves), 8) });
    assert.ok(verifyCosignature(body8, first.text, w.t.app.ledger.witnessVkey()).timestamp > 0);
    const proof = await consistencyProof(memoryHashSource(leaves), 8, 12);
    const next = await post(formatAddCheckpoint({ oldSize: 8, proof, checkpointNote: await note(leaves, 12) }));
    assert.equal(next.status, 200, next.text);
  });

  it('answers 409 with the size it knows when the old size is stale', async () => {
    const stale = await post(
      formatAddCheckpoint({ oldSize: 8, proof: await consistencyProof(memoryHashSource(leaves), 8, 16), checkpointNote: await note(leaves, 16) }),
    );
    assert.equal(stale.status, 409);
    assert.equal(stale.text, '12\n');
    assert.match(String(stale.type), /text\/x\.tlog\.size/);
  });

  it('answers 422 to a fork (a checkpoint that does not extend the cosigned one)', async () => {
    const forged = await consistencyProof(memoryHashSource(forkLeaves), 12, 16);
    const fork = await post(formatAddCheckpoint({ oldSize: 12, proof: forged, checkpointNote: await note(forkLeaves, 16) }));
    assert.equal(fork.status, 422);
    const sameSize = await post(formatAddCheckpoint({ oldSize: 12, proof: [], checkpointNote: await note(forkLeaves, 12) }));
    assert.equal(sameSize.status, 422);
    const witnessed = await w.t.app.ledger.listWitnessedLogs();
    assert.equal(witnessed[0]?.size, 12);
  });

  it('answers 400 to a rollback, 403 to a forged signature, 404 to an unknown log, 400 to garbage', async () => {
    assert.equal((await post(formatAddCheckpoint({ oldSize: 12, proof: [], checkpointNote: await note(leaves, 10) }))).status, 400);
    const other = generateSignerKey(origin);
    const forgedNote = signNote(formatCheckpoint({ origin, size: 16, root: await rootHash(memoryHashSource(leaves), 16) }), [{ skey: other.skey }]);
    assert.equal(
      (await post(formatAddCheckpoint({ oldSize: 12, proof: await consistencyProof(memoryHashSource(leaves), 12, 16), checkpointNote: forgedNote }))).status,
      403,
    );
    const stranger = generateSignerKey('example.org/unknown');
    const unknownNote = signNote(formatCheckpoint({ origin: 'example.org/unknown', size: 1, root: leaves[0] as Buffer }), [{ skey: stranger.skey }]);
    assert.equal((await post(formatAddCheckpoint({ oldSize: 0, proof: [], checkpointNote: unknownNote }))).status, 404);
    assert.equal((await post('old twelve\n\nnot a checkpoint\n')).status, 400);
  });
});
