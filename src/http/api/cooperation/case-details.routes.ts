import { z } from 'zod';
import type { App } from '../../../app.ts';
import { type ApiServer, text } from '../schemas.ts';
import { caseContent, Texts, who } from './shared.ts';

/** A case's facts for cooperation: conduct, offences, summary, identifiers, persons (and its evidence, read only). */
const CaseParam = z.object({ ref: text(200, 'case reference, URL-encoded (it may contain / and :)') });

const CaseDetailsSchema = z
  .object({
    id: z.string(),
    reference: z.string(),
    orgId: z.string(),
    title: z.string(),
    conducts: z.array(z.string()),
    offences: z.array(z.string()),
    summary: Texts.describe('summary of the facts, in Spanish and in English'),
    identifiers: z.array(
      z.object({
        id: z.string(),
        kind: z.string(),
        value: z.string(),
        port: z.number().nullable(),
        observedAt: z.string().nullable(),
        timeZone: z.string().nullable(),
        note: z.string(),
      }),
    ),
    persons: z.array(z.object({ id: z.string(), name: z.string(), role: z.string(), details: z.string() })),
    evidence: z.array(z.object({ id: z.string(), exhibit: z.string(), description: z.string(), sha256: z.string() })),
  })
  .meta({ id: 'CaseDetails' });

export function registerCaseDetailsRoutes(r: ApiServer, app: App): void {
  r.get(
    '/api/v1/cases/:ref/details',
    caseContent('requests.read', {
      operationId: 'cooperation.caseDetails',
      summary: 'A case’s conduct, offences, summary of facts, identifiers, persons and evidence',
      params: CaseParam,
      response: { 200: CaseDetailsSchema },
    }),
    async (request) => {
      const { actor, orgId } = who(request);
      return app.cooperation.caseDetails.get(actor, orgId, request.params.ref);
    },
  );

  r.patch(
    '/api/v1/cases/:ref/details',
    caseContent('requests.draft', {
      operationId: 'cooperation.setCaseFacts',
      summary: 'Set a case’s facts (only the fields sent change); answers the case as it now stands',
      params: CaseParam,
      body: z.object({
        conducts: z.array(text(100, 'conduct id from the taxonomy')).max(30).optional(),
        offences: z.array(text(100, 'offence id from a catalogue')).max(30).optional(),
        summaryEs: text(20_000, 'summary of the facts in Spanish').optional(),
        summaryEn: text(20_000, 'summary of the facts in English').optional(),
        title: text(300, 'a short title').optional(),
      }),
      response: { 200: CaseDetailsSchema },
    }),
    async (request) => {
      const { actor, orgId } = who(request);
      await app.cooperation.caseDetails.setFacts(actor, orgId, request.params.ref, request.body);
      return app.cooperation.caseDetails.get(actor, orgId, request.params.ref);
    },
  );

  r.post(
    '/api/v1/cases/:ref/identifiers',
    caseContent('requests.draft', {
      operationId: 'cooperation.addIdentifier',
      summary: 'Add an identifier to a case (an IP address needs the moment it was seen, with its offset)',
      params: CaseParam,
      body: z.object({
        kind: text(20, 'ip, account, email, phone, url, domain or wallet'),
        value: text(500, 'the identifier'),
        port: z.number().optional().describe('source port (behind carrier-grade NAT an address alone names nobody)'),
        observedAt: text(40, 'when it was seen, with its offset, e.g. 2026-11-20T14:03:00-05:00').optional(),
        timeZone: text(64, 'IANA time zone of the observation').optional(),
        note: text(1000, 'a note').optional(),
      }),
      response: { 201: z.object({ id: z.string() }) },
    }),
    async (request, reply) => {
      const { actor, orgId } = who(request);
      return reply.code(201).send({ id: await app.cooperation.caseDetails.addIdentifier(actor, orgId, request.params.ref, request.body) });
    },
  );

  r.post(
    '/api/v1/cases/:ref/persons',
    caseContent('requests.draft', {
      operationId: 'cooperation.addPerson',
      summary: 'Add a person to a case',
      params: CaseParam,
      body: z.object({
        name: text(300, 'full name'),
        role: text(40, 'suspect, victim, witness, account-holder or other'),
        details: text(2000, 'identifying details').optional(),
      }),
      response: { 201: z.object({ id: z.string() }) },
    }),
    async (request, reply) => {
      const { actor, orgId } = who(request);
      return reply.code(201).send({ id: await app.cooperation.caseDetails.addPerson(actor, orgId, request.params.ref, request.body) });
    },
  );
}
