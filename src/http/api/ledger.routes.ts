import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { App } from '../../app.ts';
import { type Locale, t } from '../../i18n/index.ts';
import { AppError } from '../../lib/errors.ts';
import { verifyInclusion } from '../../lib/tlog/merkle.ts';
import type { EntryReading } from '../../modules/cases/index.ts';
import { encodeDisclosureFile } from '../../modules/ledger/index.ts';
import { principalOf } from '../context.ts';
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

const WithheldSchema = z.object({ reason: z.enum(['sign-in', 'organisation', 'case-access', 'auditor', 'shredded']), message: z.string() });

/** Refuses, saying what is missing and who has it, when the details of an entry are not for this reader. */
function refuseWithheld(reading: EntryReading, locale: Locale): void {
  const withheld = reading.withheld;
  if (!withheld) return;
  const message = t(locale, `ledger.withheld.${withheld.reason}`);
  if (withheld.reason === 'shredded') throw new AppError('ledger.details_shredded', { message });
  if (withheld.reason === 'sign-in') throw new AppError('unauthenticated', { message });
  throw new AppError('ledger.details_restricted', { message, params: { reason: withheld.reason } });
}

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
      config: { policy: 'signed-in' },
      schema: {
        operationId: 'ledger.findEntries',
        tags: ['ledger'],
        summary: 'Indices of the entries about a subject that the caller may read (need-to-know)',
        querystring: z.object({ subject: z.string().min(1).max(200) }),
        response: { 200: z.object({ subject: z.string(), indices: z.array(z.number()) }), ...errors },
      },
    },
    async (request) => ({
      subject: request.query.subject,
      indices: await app.cases.ledgerEntries.about(principalOf(request), request.query.subject),
    }),
  );

  r.get(
    '/api/v1/ledger/entries/:index',
    {
      ...common,
      schema: {
        operationId: 'ledger.getEntry',
        tags: ['ledger'],
        summary:
          'One entry: its blinded leaf (type, time, node, salted commitments) with its inclusion proof in the latest checkpoint, checked; its details and salt only for a reader with a need to know',
        params: z.object({ index: Index }),
        response: {
          200: z.object({
            index: z.number(),
            recordedAt: z.string(),
            /** The public leaf; null for an entry written before blinding whose details are withheld. */
            leaf: z.record(z.string(), z.unknown()).nullable(),
            blinded: z.boolean(),
            details: z.record(z.string(), z.unknown()).nullable(),
            salt: z.string().nullable(),
            withheld: WithheldSchema.nullable(),
            inclusion: InclusionSchema.nullable(),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const index = toIndex('index', request.params.index) as number;
      const reading = await app.cases.ledgerEntries.read(request.principal, index);
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
      const blinded = reading.leaf.kind === 'blinded';
      const disclosed = reading.disclosure;
      return {
        index,
        recordedAt: reading.recordedAt,
        // A legacy leaf is the entry itself: shown only with its details.
        leaf: reading.leaf.kind === 'blinded' ? reading.leaf.leaf : disclosed ? (disclosed.details as unknown as Record<string, unknown>) : null,
        blinded,
        details: disclosed ? (disclosed.details as unknown as Record<string, unknown>) : null,
        salt: disclosed?.salt ? b64(disclosed.salt) : null,
        withheld: reading.withheld ? { reason: reading.withheld.reason, message: t(request.locale, `ledger.withheld.${reading.withheld.reason}`) } : null,
        inclusion,
      };
    },
  );

  r.get(
    '/api/v1/ledger/entries/:index/disclosure',
    {
      config: { policy: 'signed-in' },
      schema: {
        operationId: 'ledger.getDisclosure',
        tags: ['ledger'],
        summary: 'The details and salt that open a blinded entry (custodia.ledger-disclosure/v1), for a reader with a need to know',
        params: z.object({ index: Index }),
        response: { 200: z.record(z.string(), z.unknown()), 401: ProblemSchema, 403: ProblemSchema, 410: ProblemSchema, ...errors },
      },
    },
    async (request, reply) => {
      const index = toIndex('index', request.params.index) as number;
      const reading = await app.cases.ledgerEntries.read(principalOf(request), index);
      refuseWithheld(reading, request.locale);
      const disclosed = reading.disclosure as NonNullable<typeof reading.disclosure>;
      if (!disclosed.salt)
        throw new AppError('not_found', { message: `entry ${index} was written before blinding: its leaf is its details, in its proof bundle` });
      return reply
        .type('application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="custodia-entry-${index}.disclosure.json"`)
        .send(JSON.parse(encodeDisclosureFile({ index, salt: disclosed.salt, details: disclosed.details })) as Record<string, unknown>);
    },
  );

  r.get(
    '/api/v1/ledger/entries/:index/proof-bundle',
    {
      ...common,
      schema: {
        operationId: 'ledger.getProofBundle',
        tags: ['ledger'],
        summary:
          'Offline proof for one entry (c2sp.org/tlog-proof@v1, the leaf bytes as extra); an entry written before blinding only for a reader with a need to know',
        params: z.object({ index: Index }),
        response: { 200: z.string(), 401: ProblemSchema, 403: ProblemSchema, 410: ProblemSchema, ...errors },
      },
    },
    async (request, reply) => {
      const index = toIndex('index', request.params.index) as number;
      const reading = await app.cases.ledgerEntries.read(request.principal, index);
      // A blinded leaf reveals nothing; a legacy leaf is the whole entry.
      if (reading.leaf.kind === 'legacy') refuseWithheld(reading, request.locale);
      const bundle = await app.ledger.proofBundle(index);
      if (reading.leaf.kind === 'legacy') reply.header('cache-control', 'no-store');
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
