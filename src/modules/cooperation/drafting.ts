import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { AppError, type FieldProblem } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import type { Database } from '../../storage/db/schema.ts';
import { type Actor, actorId } from '../identity/index.ts';
import type { KnowledgeSnapshot, LegalBasesAnswer, WithKbVersion } from '../knowledge/index.ts';
import { type Append, recordChange } from '../ledger/index.ts';
import { type CooperationDeps, requestQuery, requireRequest, toRequest } from './context.ts';
import { refreshDeadlinesWithin } from './deadline-store.ts';
import type { RequestState } from './lifecycle.ts';
import { type LinkKind, NewRequest, RequestDraft, type RequestRecord } from './model.ts';
import { freezeVersionWithin } from './versions.ts';

/** States in which a request is edited in place; after sending, a change is a new version. */
const EDITABLE: ReadonlySet<RequestState> = new Set(['draft']);
const FROZEN: ReadonlySet<RequestState> = new Set(['pending_approval', 'approved', 'closed']);

type Basis = WithKbVersion<LegalBasesAnswer>;

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, i) => v === b[i]);
const sameInstant = (a: string | null, b: string | null) => a === b || (a !== null && b !== null && Date.parse(a) === Date.parse(b));

/**
 * The fields a patch really changes, for the ledger: a form sends every field, and an entry that
 * named them all would hide the two that moved. A content element counts on its own (`content.necessity`);
 * an absent element and an empty one are the same.
 */
export function changedFields(current: RequestRecord, patch: RequestDraft): string[] {
  const changed: string[] = [];
  const differs: Record<string, boolean> = {
    instrument: patch.instrument !== undefined && (patch.instrument || null) !== current.instrument,
    requestingAuthority: patch.requestingAuthority !== undefined && (patch.requestingAuthority || null) !== current.requestingAuthority,
    requestedAuthority: patch.requestedAuthority !== undefined && (patch.requestedAuthority || null) !== current.requestedAuthority,
    urgency: patch.urgency !== undefined && patch.urgency !== current.urgency,
    urgencyJustification: patch.urgencyJustification !== undefined && patch.urgencyJustification !== current.urgencyJustification,
    confidential: patch.confidential !== undefined && patch.confidential !== current.confidential,
    noNotification: patch.noNotification !== undefined && patch.noNotification !== current.noNotification,
    languages: patch.languages !== undefined && !sameList(patch.languages, current.languages),
    conducts: patch.conducts !== undefined && !sameList(patch.conducts, current.conducts),
    dueAt: patch.dueAt !== undefined && !sameInstant(patch.dueAt || null, current.dueAt),
  };
  for (const [field, moved] of Object.entries(differs)) if (moved) changed.push(field);
  for (const [id, text] of Object.entries(patch.content ?? {})) if (text !== (current.content[id] ?? '')) changed.push(`content.${id}`);
  return changed.sort();
}

/** Suggesting a legal basis, creating and editing requests; `afterChange` is for the other parts of the module. */
export interface Drafting {
  /** After a change to a request, in its transaction: its deadlines and its parent's refreshed; the request as it now stands. */
  afterChange(trx: Kysely<Database>, kb: KnowledgeSnapshot, id: string): Promise<RequestRecord>;
  /** The engine's ranked legal bases for a request of this type between these States (the wizard's first step). */
  suggest(input: { type?: unknown; requestingState?: unknown; requestedState?: unknown }): Promise<Basis>;
  /** A new request: outgoing ones start as drafts, incoming ones are registered as received. */
  create(actor: Actor, orgId: string, input: unknown): Promise<RequestRecord>;
  /** Edits a request: a draft in place; once sent (or registered), a new frozen version. */
  update(actor: Actor, orgId: string, reference: string, input: unknown): Promise<RequestRecord>;
}

export function createDrafting(deps: CooperationDeps): Drafting {
  const today = () => deps.clock.now().toISOString().slice(0, 10);

  async function basisFor(type: string, requesting: string, requested: string): Promise<Basis> {
    return deps.knowledge.legalBases({ measure: type, requesting, requested, on: today() });
  }

  function checkKnown(
    kb: KnowledgeSnapshot,
    wanted: { requestingState?: string; requestedState?: string; instrument?: string | undefined; conducts?: string[] | undefined },
  ): void {
    const fields: FieldProblem[] = [];
    for (const key of ['requestingState', 'requestedState'] as const) {
      const code = wanted[key];
      if (code !== undefined && !kb.states.has(code)) fields.push({ path: key, code: 'legal.state_unknown', params: { value: code } });
    }
    if (wanted.requestingState && wanted.requestingState === wanted.requestedState) fields.push({ path: 'requestedState', code: 'legal.same_state' });
    if (wanted.instrument && !kb.instruments.has(wanted.instrument))
      fields.push({ path: 'instrument', code: 'cooperation.instrument_unknown', params: { instrument: wanted.instrument } });
    for (const c of wanted.conducts ?? []) if (!kb.conducts.has(c)) fields.push({ path: 'conducts', code: 'legal.conduct_unknown', params: { value: c } });
    if (fields.length > 0) throw new AppError('validation.failed', { message: 'the request names what the knowledge base does not know', fields });
  }

  /** The authority the engine's chosen basis routes to in the requested State, if the directory has one. */
  function defaultRoute(basis: Basis, instrument: string | undefined) {
    const chosen = basis.bases.find((b) => b.instrument === instrument);
    const authority = chosen?.channels.find((c) => c.authority)?.authority;
    return { authority: authority?.id, languages: chosen?.languages ?? [] };
  }

  async function nextReference(trx: Kysely<Database>, orgId: string): Promise<string> {
    // Two drafts at once would read the same highest number: on PostgreSQL, numbering is serialised
    // per organisation for the rest of the transaction (SQLite already has one writer at a time).
    if (deps.dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${`coop-reference:${orgId}`}))`.execute(trx);
    const year = deps.clock.now().toISOString().slice(0, 4);
    const prefix = `SOL-${year}-`;
    const row = await trx
      .selectFrom('coop_requests')
      .select((eb) => eb.fn.max('reference').as('last'))
      .where('org_id', '=', orgId)
      .where('reference', 'like', `${prefix}%`)
      .executeTakeFirst();
    const last = row?.last ? Number(String(row.last).slice(prefix.length)) : 0;
    return `${prefix}${String(last + 1).padStart(5, '0')}`;
  }

  async function parentOf(actor: Actor, orgId: string, reference: string | undefined) {
    if (!reference) return undefined;
    try {
      return toRequest(await requireRequest(deps, actor, 'requests.read', orgId, reference));
    } catch (error) {
      if (error instanceof AppError && error.code === 'not_found') {
        throw new AppError('validation.failed', {
          message: `no request ${reference}`,
          fields: [{ path: 'parentReference', code: 'cooperation.parent_unknown' }],
        });
      }
      throw error;
    }
  }

  /** After a change to a request: its deadlines, and its parent's (a follow-up sent meets them). */
  async function afterChange(trx: Kysely<Database>, kb: KnowledgeSnapshot, id: string): Promise<RequestRecord> {
    const request = toRequest(await requestQuery(trx).where('r.id', '=', id).executeTakeFirstOrThrow());
    await refreshDeadlinesWithin(trx, kb, request, deps.clock.now());
    if (request.parentId) {
      const parent = toRequest(await requestQuery(trx).where('r.id', '=', request.parentId).executeTakeFirstOrThrow());
      await refreshDeadlinesWithin(trx, kb, parent, deps.clock.now());
    }
    return request;
  }

  return {
    afterChange,

    /** The engine's ranked legal bases for a request of this type between these States (the wizard's first step). */
    async suggest(input: { type?: unknown; requestingState?: unknown; requestedState?: unknown }): Promise<Basis> {
      return deps.knowledge.legalBases({ measure: input.type, requesting: input.requestingState, requested: input.requestedState, on: today() });
    },

    /**
     * A new request: outgoing ones start as drafts, incoming ones are registered as received. When no
     * instrument is named, the engine's best available basis is taken; its whole answer and the
     * knowledge-base version are kept with the request, so the choice can be explained later.
     */
    async create(actor: Actor, orgId: string, input: unknown): Promise<RequestRecord> {
      const wanted = parseInput(NewRequest, input, '', 'cooperation');
      const caseRow = await deps.cases.require(actor, wanted.direction === 'incoming' ? 'requests.register' : 'requests.draft', orgId, wanted.caseReference);
      const kb = await deps.knowledge.snapshot();
      checkKnown(kb, wanted);
      const parent = await parentOf(actor, orgId, wanted.parentReference);
      const basis = await basisFor(wanted.type, wanted.requestingState, wanted.requestedState);
      const instrument = wanted.instrument || (basis.bases[0]?.available ? basis.bases[0].instrument : undefined);
      const route = defaultRoute(basis, instrument);
      const linkKind: LinkKind | null = parent
        ? (wanted.linkKind ?? (parent.type === 'preservation' ? (wanted.type === 'preservation' ? 'extension' : 'follow-up') : 'related'))
        : null;
      const now = deps.clock.now().toISOString();
      const id = randomUUID();
      const state: RequestState = wanted.direction === 'incoming' ? 'received' : 'draft';
      const by = actorId(actor);
      return recordChange(deps, by, async (trx, { append }) => {
        const reference = await nextReference(trx, orgId);
        await trx
          .insertInto('coop_requests')
          .values({
            id,
            org_id: orgId,
            case_id: caseRow.id,
            reference,
            direction: wanted.direction,
            measure: wanted.type,
            instrument: instrument ?? null,
            requesting_state: wanted.requestingState,
            requested_state: wanted.requestedState,
            requesting_authority: wanted.requestingAuthority || null,
            requested_authority: wanted.requestedAuthority || route.authority || null,
            basis: JSON.stringify(basis),
            kb_version: basis.kbVersion,
            content: JSON.stringify(wanted.content ?? {}),
            urgency: wanted.urgency ?? 'normal',
            urgency_justification: wanted.urgencyJustification ?? '',
            confidential: wanted.confidential ? 1 : 0,
            no_notification: wanted.noNotification ? 1 : 0,
            languages: JSON.stringify(wanted.languages ?? route.languages),
            conducts: JSON.stringify(wanted.conducts ?? []),
            due_at: wanted.dueAt || null,
            state,
            version: 1,
            parent_id: parent?.id ?? null,
            link_kind: linkKind,
            drafted_by: by,
            created_at: now,
            updated_at: now,
            sent_at: null,
            answered_at: null,
            closed_at: null,
          })
          .execute();
        await trx
          .insertInto('coop_request_steps')
          .values({ id: randomUUID(), request_id: id, seq: 1, from_state: null, to_state: state, actor: by, at: now })
          .execute();
        const created = await afterChange(trx, kb, id);
        const data = {
          reference,
          type: wanted.type,
          direction: wanted.direction,
          instrument: instrument ?? null,
          requesting: wanted.requestingState,
          requested: wanted.requestedState,
          kbVersion: basis.kbVersion,
          ...(parent ? { parent: parent.reference, linkKind } : {}),
        };
        // What arrived from abroad is fixed as received; an outgoing draft is fixed when it is sent.
        if (wanted.direction === 'incoming') await freezeVersionWithin(trx, append, created, by, 'cooperation.request.registered', data, now);
        else await append({ type: 'cooperation.request.drafted', subjects: [`request:${id}`, `case:${caseRow.id}`, `org:${orgId}`], data });
        return created;
      });
    },

    /**
     * Edits a request. A draft changes in place; once sent (or registered, for an incoming one) a
     * change is a new version, frozen and recorded, and the earlier versions stay as they were.
     */
    async update(actor: Actor, orgId: string, reference: string, input: unknown): Promise<RequestRecord> {
      const patch = parseInput(RequestDraft, input, '', 'cooperation');
      const row = await requireRequest(deps, actor, 'requests.draft', orgId, reference);
      const current = toRequest(row);
      if (FROZEN.has(current.state)) {
        throw new AppError('cooperation.not_editable', {
          message: `a request in state ${current.state} cannot be changed${current.state === 'closed' ? '' : '; return it to draft first'}`,
          params: { state: current.state },
        });
      }
      const kb = await deps.knowledge.snapshot();
      checkKnown(kb, patch);
      // Nothing that differs from what the request says: no write, no ledger entry, no new version.
      const fields = changedFields(current, patch).join(',');
      if (fields === '') return current;
      const instrumentChanged = patch.instrument !== undefined && patch.instrument !== current.instrument;
      const basis = instrumentChanged ? await basisFor(current.type, current.requestingState, current.requestedState) : undefined;
      const amend = !EDITABLE.has(current.state);
      const by = actorId(actor);
      const now = deps.clock.now().toISOString();
      return recordChange(deps, by, async (trx, { append }) => {
        const moved = await trx
          .updateTable('coop_requests')
          .set({
            ...(patch.instrument !== undefined ? { instrument: patch.instrument || null } : {}),
            ...(basis ? { basis: JSON.stringify(basis), kb_version: basis.kbVersion } : {}),
            ...(patch.requestingAuthority !== undefined ? { requesting_authority: patch.requestingAuthority || null } : {}),
            ...(patch.requestedAuthority !== undefined ? { requested_authority: patch.requestedAuthority || null } : {}),
            ...(patch.content !== undefined ? { content: JSON.stringify({ ...current.content, ...patch.content }) } : {}),
            ...(patch.urgency !== undefined ? { urgency: patch.urgency } : {}),
            ...(patch.urgencyJustification !== undefined ? { urgency_justification: patch.urgencyJustification } : {}),
            ...(patch.confidential !== undefined ? { confidential: patch.confidential ? 1 : 0 } : {}),
            ...(patch.noNotification !== undefined ? { no_notification: patch.noNotification ? 1 : 0 } : {}),
            ...(patch.languages !== undefined ? { languages: JSON.stringify(patch.languages) } : {}),
            ...(patch.conducts !== undefined ? { conducts: JSON.stringify(patch.conducts) } : {}),
            ...(patch.dueAt !== undefined ? { due_at: patch.dueAt || null } : {}),
            ...(amend ? { version: current.version + 1 } : {}),
            updated_at: now,
          })
          .where('id', '=', current.id)
          .where('state', '=', current.state)
          .where('version', '=', current.version)
          .executeTakeFirst();
        if (Number(moved.numUpdatedRows) !== 1) throw new AppError('cooperation.conflict', { message: `request ${reference} changed meanwhile; reload it` });
        const updated = await afterChange(trx, kb, current.id);
        if (amend) {
          await freezeVersionWithin(trx, append, updated, by, 'cooperation.request.amended', { reference, fields }, now);
        } else {
          await append({
            type: 'cooperation.request.edited',
            subjects: [`request:${current.id}`, `case:${current.caseId}`, `org:${orgId}`],
            data: { reference, fields },
          });
        }
        return updated;
      });
    },
  };
}

export type { Append };
