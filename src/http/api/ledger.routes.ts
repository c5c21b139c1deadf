import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { App } from '../../app.ts';
import { AppError } from '../../lib/errors.ts';
import { verifyInclusion } from '../../lib/tlog/merkle.ts';
import { ProblemSchema } from './schemas.ts';

const errors = { 400: ProblemSchema, 404: ProblemSchema, 422: ProblemSchema };
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const Index = z.string().regex(/^\d{1,15}$/, 'expected a non-negative integer');

const CheckpointSchema = z
  .object({ size: z.number(), root: z.string(), signedAt: z.string(), note: z.string(), cosigners: z.array(z.string()) })
  .meta({ id: 'LedgerCheckpoint' });
const InclusionSchema = z.object({
  index: z.number(),
  size: z.number(),
  leafHash: z.string(),
  root: z.string(),
  proof: z.array(z.string()),
  verified: z.boolean(),
});

function toIndex(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new AppError('validation.failed', {
      message: `${name} must be a non-negative integer`,
      fields: [{ path: name, code: 'validation.invalid', message: 'expected a non-negative integer' }],
    });
  }
  return n;
}

export function registerLedgerRoutes(server: FastifyInstance, app: App): void {
  const r = server.withTypeProvider<ZodTypeProvider>();
  const common = { config: { policy: 'public' as const } };

  r.get(
    '/api/v1/ledger',
    {
      ...common,
      schema: {
        operationId: 'ledger.describe',
        tags: ['ledger'],
        summary: 'The log: origin, verifier key, size, latest checkpoint and its witnesses',
        response: {
          200: z.object({
            origin: z.string(),
            vkey: z.string(),
            witnessVkey: z.string(),
            size: z.number(),
            checkpoint: CheckpointSchema.nullable(),
            witnesses: z.array(z.object({ name: z.string(), cosignedSize: z.number(), lastError: z.string().nullable() })),
          }),
        },
      },
    },
    async () => {
      const signed = await app.ledger.signedCheckpoint();
      const peers = await app.ledger.listWitnessPeers();
      return {
        origin: app.ledger.origin,
        vkey: app.ledger.vkey(),
        witnessVkey: app.ledger.witnessVkey(),
        size: await app.ledger.size(),
        checkpoint: signed
          ? {
              size: signed.checkpoint.size,
              root: b64(signed.checkpoint.root),
              signedAt: signed.checkpoint.signedAt,
              note: signed.note,
              cosigners: signed.cosigners,
            }
          : null,
        witnesses: peers.map((p) => ({ name: p.name, cosignedSize: p.cosignedSize, lastError: p.lastError })),
      };
    },
  );

  r.get(
    '/api/v1/ledger/entries',
    {
      ...common,
      schema: {
        operationId: 'ledger.findEntries',
        tags: ['ledger'],
        summary: 'Indices of the entries about a subject',
        querystring: z.object({ subject: z.string().min(1).max(200) }),
        response: { 200: z.object({ subject: z.string(), indices: z.array(z.number()) }), ...errors },
      },
    },
    async (request) => ({ subject: request.query.subject, indices: await app.ledger.entriesFor(request.query.subject) }),
  );

  r.get(
    '/api/v1/ledger/entries/:index',
    {
      ...common,
      schema: {
        operationId: 'ledger.getEntry',
        tags: ['ledger'],
        summary: 'One entry with its inclusion proof in the latest checkpoint, checked',
        params: z.object({ index: Index }),
        response: {
          200: z.object({ index: z.number(), entry: z.record(z.string(), z.unknown()), recordedAt: z.string(), inclusion: InclusionSchema.nullable() }),
          ...errors,
        },
      },
    },
    async (request) => {
      const index = toIndex('index', request.params.index) as number;
      const entry = await app.ledger.entry(index);
      const signed = await app.ledger.signedCheckpoint();
      let inclusion: z.infer<typeof InclusionSchema> | null = null;
      if (signed && signed.checkpoint.size > index) {
        const proof = await app.ledger.inclusion(index, signed.checkpoint.size);
        let verified = true;
        try {
          verifyInclusion(proof.leafHash, index, proof.size, proof.proof, signed.checkpoint.root);
        } catch {
          verified = false;
        }
        inclusion = { index, size: proof.size, leafHash: b64(proof.leafHash), root: b64(signed.checkpoint.root), proof: proof.proof.map(b64), verified };
      }
      return { index, entry: entry.entry as unknown as Record<string, unknown>, recordedAt: entry.recordedAt, inclusion };
    },
  );

  r.get(
    '/api/v1/ledger/entries/:index/proof-bundle',
    {
      ...common,
      schema: {
        operationId: 'ledger.getProofBundle',
        tags: ['ledger'],
        summary: 'Offline proof for one entry (c2sp.org/tlog-proof@v1, the entry bytes as extra)',
        params: z.object({ index: Index }),
        response: { 200: z.string(), ...errors },
      },
    },
    async (request, reply) => {
      const index = toIndex('index', request.params.index) as number;
      const bundle = await app.ledger.proofBundle(index);
      return reply.type('text/plain; charset=utf-8').header('content-disposition', `attachment; filename="custodia-entry-${index}.tlog-proof"`).send(bundle);
    },
  );

  r.get(
    '/api/v1/ledger/proofs/inclusion',
    {
      ...common,
      schema: {
        operationId: 'ledger.inclusionProof',
        tags: ['ledger'],
        querystring: z.object({ index: Index, size: Index.optional() }),
        response: { 200: InclusionSchema, ...errors },
      },
    },
    async (request) => {
      const proof = await app.ledger.inclusion(toIndex('index', request.query.index) as number, toIndex('size', request.query.size));
      return { index: proof.index, size: proof.size, leafHash: b64(proof.leafHash), root: b64(proof.root), proof: proof.proof.map(b64), verified: true };
    },
  );

  r.get(
    '/api/v1/ledger/proofs/consistency',
    {
      ...common,
      schema: {
        operationId: 'ledger.consistencyProof',
        tags: ['ledger'],
        querystring: z.object({ from: Index, to: Index }),
        response: { 200: z.object({ from: z.number(), to: z.number(), proof: z.array(z.string()) }), ...errors },
      },
    },
    async (request) => {
      const proof = await app.ledger.consistency(toIndex('from', request.query.from) as number, toIndex('to', request.query.to) as number);
      return { from: proof.from, to: proof.to, proof: proof.proof.map(b64) };
    },
  );
}
