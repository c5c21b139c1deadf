import { randomUUID } from 'node:crypto';
import { AppError } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { type Actor, actorId } from '../identity/index.ts';
import { recordChange } from '../ledger/index.ts';
import type { CooperationDeps } from './context.ts';
import { CaseFacts, identifierProblems, NewIdentifier, NewPerson } from './model.ts';

export interface CaseDetails {
  id: string;
  reference: string;
  orgId: string;
  title: string;
  conducts: string[];
  offences: string[];
  summary: { es: string; en: string };
  identifiers: Array<{ id: string; kind: string; value: string; port: number | null; observedAt: string | null; timeZone: string | null; note: string }>;
  persons: Array<{ id: string; name: string; role: string; details: string }>;
  evidence: Array<{ id: string; exhibit: string; description: string; sha256: string }>;
}

/** What a case holds beyond its reference: conduct, offences, facts, identifiers, persons, evidence. */
export interface CaseDetailsService {
  get(actor: Actor, orgId: string, reference: string): Promise<CaseDetails>;
  /** Conducts, offences (checked against the knowledge base) and the summary; recorded in the ledger. */
  setFacts(actor: Actor, orgId: string, reference: string, input: unknown): Promise<void>;
  /** Adds an identifier (IP address, account, domain…); returns its id. */
  addIdentifier(actor: Actor, orgId: string, reference: string, input: unknown): Promise<string>;
  /** Adds a person concerned by the case; returns their id. */
  addPerson(actor: Actor, orgId: string, reference: string, input: unknown): Promise<string>;
}

export function createCaseDetails(deps: CooperationDeps): CaseDetailsService {
  async function checkTaxonomy(conducts: string[] | undefined, offences: string[] | undefined) {
    const kb = await deps.knowledge.snapshot();
    const fields = [];
    for (const c of conducts ?? []) if (!kb.conducts.has(c)) fields.push({ path: 'conducts', code: 'legal.conduct_unknown', params: { value: c } });
    const known = new Set(kb.dataset.offenceCatalogues.flatMap((cat) => cat.offences.map((o) => o.id)));
    for (const o of offences ?? []) if (!known.has(o)) fields.push({ path: 'offences', code: 'cooperation.offence_unknown', params: { value: o } });
    if (fields.length > 0) throw new AppError('validation.failed', { message: 'unknown conduct or offence', fields });
  }

  return {
    async get(actor: Actor, orgId: string, reference: string): Promise<CaseDetails> {
      const c = await deps.cases.require(actor, 'requests.read', orgId, reference);
      const row = await deps.db.selectFrom('cases').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow();
      const identifiers = await deps.db.selectFrom('case_identifiers').selectAll().where('case_id', '=', c.id).orderBy('added_at').orderBy('id').execute();
      const persons = await deps.db.selectFrom('case_persons').selectAll().where('case_id', '=', c.id).orderBy('added_at').orderBy('id').execute();
      const evidence = await deps.db
        .selectFrom('evidence_items')
        .select(['id', 'exhibit', 'description', 'sha256'])
        .where('case_id', '=', c.id)
        .where('state', '!=', 'destroyed')
        .orderBy('exhibit')
        .execute();
      return {
        id: row.id,
        reference: row.reference,
        orgId: row.org_id,
        title: row.title,
        conducts: JSON.parse(row.conducts) as string[],
        offences: JSON.parse(row.offences) as string[],
        summary: { es: row.summary_es, en: row.summary_en },
        identifiers: identifiers.map((i) => ({
          id: i.id,
          kind: i.kind,
          value: i.value,
          port: i.port,
          observedAt: i.observed_at,
          timeZone: i.time_zone,
          note: i.note,
        })),
        persons: persons.map((p) => ({ id: p.id, name: p.name, role: p.role, details: p.details })),
        evidence,
      };
    },

    async setFacts(actor: Actor, orgId: string, reference: string, input: unknown): Promise<void> {
      const facts = parseInput(CaseFacts, input, '', 'cooperation');
      const c = await deps.cases.require(actor, 'requests.draft', orgId, reference);
      // An update that changes nothing is refused, naming what may change (an empty UPDATE is no change).
      const changeable = Object.keys(CaseFacts.shape);
      if (changeable.every((name) => facts[name as keyof typeof facts] === undefined)) {
        throw new AppError('validation.nothing_to_change', {
          message: `nothing to change: give one of ${changeable.join(', ')}`,
          fields: changeable.map((path) => ({ path, code: 'cooperation.facts_empty', params: { fields: changeable.join(', ') } })),
        });
      }
      await checkTaxonomy(facts.conducts, facts.offences);
      // The ledger names the fields that changed, not every field the form sent; no change, no entry.
      const row = await deps.db.selectFrom('cases').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow();
      const sameList = (a: readonly string[], stored: string) => JSON.stringify(a) === JSON.stringify(JSON.parse(stored));
      const changed = [
        facts.conducts !== undefined && !sameList(facts.conducts, row.conducts) ? 'conducts' : '',
        facts.offences !== undefined && !sameList(facts.offences, row.offences) ? 'offences' : '',
        facts.summaryEn !== undefined && facts.summaryEn !== row.summary_en ? 'summaryEn' : '',
        facts.summaryEs !== undefined && facts.summaryEs !== row.summary_es ? 'summaryEs' : '',
        facts.title !== undefined && facts.title !== row.title ? 'title' : '',
      ].filter((f) => f !== '');
      if (changed.length === 0) return;
      await recordChange(deps, actorId(actor), async (trx, { append }) => {
        await trx
          .updateTable('cases')
          .set({
            ...(facts.conducts ? { conducts: JSON.stringify(facts.conducts) } : {}),
            ...(facts.offences ? { offences: JSON.stringify(facts.offences) } : {}),
            ...(facts.summaryEs !== undefined ? { summary_es: facts.summaryEs } : {}),
            ...(facts.summaryEn !== undefined ? { summary_en: facts.summaryEn } : {}),
            ...(facts.title !== undefined ? { title: facts.title } : {}),
          })
          .where('id', '=', c.id)
          .execute();
        await append({
          type: 'cooperation.case_updated',
          subjects: [`case:${c.id}`, `org:${orgId}`],
          data: { reference, fields: changed.join(',') },
        });
      });
    },

    async addIdentifier(actor: Actor, orgId: string, reference: string, input: unknown): Promise<string> {
      const wanted = parseInput(NewIdentifier, input, '', 'cooperation');
      const problems = identifierProblems(wanted, deps.clock.now());
      if (problems.length > 0) throw new AppError('validation.failed', { message: 'invalid identifier', fields: problems });
      const c = await deps.cases.require(actor, 'requests.draft', orgId, reference);
      const id = randomUUID();
      await recordChange(deps, actorId(actor), async (trx, { append }) => {
        await trx
          .insertInto('case_identifiers')
          .values({
            id,
            case_id: c.id,
            kind: wanted.kind,
            value: wanted.value,
            port: wanted.port ?? null,
            observed_at: wanted.observedAt ?? null,
            time_zone: wanted.timeZone || null,
            note: wanted.note,
            added_at: deps.clock.now().toISOString(),
            added_by: actorId(actor),
          })
          .execute();
        await append({ type: 'cooperation.identifier_added', subjects: [`case:${c.id}`, `org:${orgId}`], data: { reference, kind: wanted.kind } });
      });
      return id;
    },

    async addPerson(actor: Actor, orgId: string, reference: string, input: unknown): Promise<string> {
      const wanted = parseInput(NewPerson, input, '', 'cooperation');
      const c = await deps.cases.require(actor, 'requests.draft', orgId, reference);
      const id = randomUUID();
      await recordChange(deps, actorId(actor), async (trx, { append }) => {
        await trx
          .insertInto('case_persons')
          .values({
            id,
            case_id: c.id,
            name: wanted.name,
            role: wanted.role,
            details: wanted.details,
            added_at: deps.clock.now().toISOString(),
            added_by: actorId(actor),
          })
          .execute();
        await append({ type: 'cooperation.person_added', subjects: [`case:${c.id}`, `org:${orgId}`], data: { reference, role: wanted.role } });
      });
      return id;
    },
  };
}
