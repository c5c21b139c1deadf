import type { Kysely } from 'kysely';
import type { Clock } from '../../lib/clock.ts';
import { AppError, type ErrorCode, type FieldProblem } from '../../lib/errors.ts';
import type { Database } from '../../storage/db/schema.ts';
import { type ChangeLedger, recordChange } from '../ledger/index.ts';
import { todayIn } from './engine/dates.ts';
import { dualCriminality } from './engine/dual-criminality.ts';
import { inForceBetween } from './engine/in-force.ts';
import { legalBases } from './engine/legal-bases.ts';
import { KnowledgeSnapshot } from './engine/snapshot.ts';
import { type GeneralEntryIntoForce, generalEntryIntoForce, type StateEntryIntoForce, stateEntryIntoForce } from './engine/status.ts';
import { readDatasetDirectory, writeDatasetDirectory } from './files.ts';
import type { KnowledgeService } from './index.ts';
import { type ResolvedFact, resolveProfile } from './profile.ts';
import { datasetHash, datasetToRecords, recordsToDataset } from './records.ts';
import { currentRecords, type KbVersion, listVersions, recordHistory, writeVersionWithin } from './repo.ts';
import {
  type Authority,
  type Dataset,
  type Declaration,
  emptyDataset,
  type Instrument,
  IsoDate,
  MEASURES,
  type Measure,
  type OffenceCatalogue,
  type State,
} from './schema.ts';
import { parseStatusCsv } from './status-csv.ts';
import { checkStatusHistories, validateRawDataset } from './validate.ts';

export interface KnowledgeDeps {
  db: Kysely<Database>;
  clock: Clock;
  timeZone: string;
  /** Where each import is recorded, in the import's own transaction (none in tools that only read). */
  ledger?: ChangeLedger;
}

export interface ImportResult {
  version: KbVersion & { ledgerIndex?: number };
  changed: boolean;
}

/** An answer of the legal engine, with the knowledge-base version it was given from. */
export type WithKbVersion<T> = T & { kbVersion: string };

/** When an instrument enters into force generally, and for one State when one is named. */
export interface EntryIntoForceAnswer {
  instrument: string;
  general: GeneralEntryIntoForce;
  state: StateEntryIntoForce | undefined;
  kbVersion: string;
}

/** Everything the knowledge base says about one State, as of the legal today. */
export interface StateProfile {
  state: State;
  facts: ResolvedFact[];
  /** Its standing under every instrument. */
  treaties: StateEntryIntoForce[];
  declarations: Declaration[];
  authorities: Authority[];
  offences: OffenceCatalogue | undefined;
  kbVersion: string;
}

/** Parties, signatories and the projected general entry into force of one instrument. */
export interface TreatyStatus {
  instrument: Instrument;
  general: GeneralEntryIntoForce;
  /** Every State with a record under it (none: left out). */
  states: StateEntryIntoForce[];
  kbVersion: string;
}

/** Validates a directory of knowledge-base files, no database needed; throws kb.invalid with every problem. */
export function validateKnowledgeDirectory(dir: string): Dataset {
  const { raw, problems } = readDatasetDirectory(dir);
  const result = validateRawDataset(raw);
  const all = [...problems, ...result.problems];
  if (all.length > 0 || !result.dataset) throw invalid('kb.invalid', all, `${all.length} problem(s) in ${dir}`);
  return result.dataset;
}

/** Raised with every problem found; adapters answer 422 / exit code 2 with the list. */
function invalid(code: ErrorCode, fields: FieldProblem[], message: string): AppError {
  return new AppError(code, { message, fields });
}

export function createKnowledgeService(deps: KnowledgeDeps): KnowledgeService {
  let cached: KnowledgeSnapshot | undefined;

  // The legal "today" is asked on every request; the calendar day only changes once a day.
  let todayCache = { until: 0, value: '' };
  const today = () => {
    const now = deps.clock.now();
    if (now.getTime() >= todayCache.until) todayCache = { until: now.getTime() + 1000, value: todayIn(deps.timeZone, now) };
    return todayCache.value;
  };

  async function snapshot(): Promise<KnowledgeSnapshot> {
    if (cached) return cached;
    const versions = await listVersions(deps.db);
    const latest = versions[0];
    if (!latest) throw new AppError('kb.empty', { message: 'the knowledge base has not been imported yet' });
    cached = new KnowledgeSnapshot(recordsToDataset(await currentRecords(deps.db)), latest.id);
    return cached;
  }

  const validateDirectory = validateKnowledgeDirectory;

  /**
   * Writes a version and, in the same transaction, the ledger entry that names its data hash, so what
   * the legal engine knew at any moment is provable.
   */
  async function recordVersion(input: Omit<Parameters<typeof writeVersionWithin>[1], 'now'>): Promise<KbVersion & { ledgerIndex?: number }> {
    const { ledger } = deps;
    const recorded = await recordChange({ db: deps.db, ledger }, input.actor, async (trx, { append }) => {
      const v = await writeVersionWithin(trx, { ...input, now: deps.clock.now() });
      if (!ledger) return v;
      const entry = await append({
        type: v.kind === 'dataset' ? 'kb.import' : 'kb.import_status',
        subjects: [`kb-version:${v.id}`],
        hashes: { data: `sha256:${v.dataHash}` },
        data: { label: v.label.slice(0, 2000), seq: v.seq, records: v.recordCount, added: v.addedCount, retired: v.retiredCount },
      });
      return { ...v, ledgerIndex: entry.index };
    });
    cached = undefined;
    return recorded;
  }

  async function importDataset(dataset: Dataset, actor: string, label: string): Promise<ImportResult> {
    const version = await recordVersion({ kind: 'dataset', label, actor, dataHash: datasetHash(dataset), records: datasetToRecords(dataset), replace: true });
    return { version, changed: version.addedCount + version.retiredCount > 0 };
  }

  function params(input: Record<string, unknown>, kb: KnowledgeSnapshot) {
    const fields: FieldProblem[] = [];
    const state = (name: string) => {
      const v = input[name];
      if (typeof v !== 'string' || !kb.states.has(v.toUpperCase())) {
        fields.push({ path: name, code: 'legal.unknown_state', message: `unknown State ${String(v)}`, params: { value: String(v ?? '') } });
        return '';
      }
      return v.toUpperCase();
    };
    const instrument = (name: string) => {
      const v = input[name];
      const found = typeof v === 'string' ? kb.instruments.get(v.toUpperCase()) : undefined;
      if (!found) fields.push({ path: name, code: 'legal.unknown_instrument', message: `unknown instrument ${String(v)}`, params: { value: String(v ?? '') } });
      return found;
    };
    const date = (name: string) => {
      const v = input[name];
      if (v === undefined || v === '') return today();
      if (typeof v !== 'string' || !IsoDate.safeParse(v).success) {
        fields.push({ path: name, code: 'legal.invalid_date', message: `not an ISO date: ${String(v)}`, params: { value: String(v) } });
        return today();
      }
      return v;
    };
    const measure = (name: string) => {
      const v = input[name];
      if (typeof v !== 'string' || !(MEASURES as readonly string[]).includes(v)) {
        fields.push({ path: name, code: 'legal.unknown_measure', message: `unknown measure ${String(v)}`, params: { value: String(v ?? '') } });
        return undefined;
      }
      return v as Measure;
    };
    const conducts = (name: string) => {
      const raw = input[name];
      const list = (Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : []).map((c) => String(c).trim()).filter(Boolean);
      if (list.length === 0) fields.push({ path: name, code: 'legal.conduct_required', message: 'name at least one conduct' });
      for (const c of list)
        if (!kb.conducts.has(c)) fields.push({ path: name, code: 'legal.unknown_conduct', message: `unknown conduct ${c}`, params: { value: c } });
      return [...new Set(list)];
    };
    const check = () => {
      if (fields.length > 0) throw invalid('validation.failed', fields, fields.map((f) => f.message).join('; '));
    };
    return { state, instrument, date, measure, conducts, check, fields };
  }

  return {
    today,
    snapshot,
    validateDirectory,

    /** Loads the shipped files when the database holds no knowledge base yet. */
    async ensureLoaded(dir: string, actor: string): Promise<ImportResult | undefined> {
      const versions = await listVersions(deps.db);
      if (versions.length > 0) return undefined;
      return importDataset(validateDirectory(dir), actor, 'initial load');
    },

    async importDirectory(dir: string, actor: string): Promise<ImportResult> {
      const dataset = validateDirectory(dir);
      return importDataset(dataset, actor, `${dataset.manifest.version} from ${dir}`);
    },

    async importStatusCsv(text: string, actor: string, label: string): Promise<ImportResult & { events: number }> {
      const kb = await snapshot();
      const parsed = parseStatusCsv(text, { instruments: new Set(kb.instruments.keys()), states: new Set(kb.states.keys()), today: today() });
      const problems = [...parsed.problems];
      if (problems.length === 0) {
        problems.push(...checkStatusHistories({ statusEvents: [...kb.dataset.statusEvents, ...parsed.events] }));
      }
      if (problems.length > 0) throw invalid('kb.invalid_status_csv', problems, `${problems.length} problem(s) in ${label}`);
      const merged: Dataset = { ...kb.dataset, sources: [...kb.dataset.sources], statusEvents: [...parsed.events] };
      const newSources = parsed.sources.filter((s) => !kb.sources.has(s.id));
      const records = datasetToRecords({ ...merged, sources: newSources }).filter((r) => r.kind === 'status-event' || r.kind === 'source');
      const version = await recordVersion({
        kind: 'status-csv',
        label,
        actor,
        dataHash: datasetHash({ ...emptyDataset(kb.dataset.manifest), statusEvents: parsed.events, sources: parsed.sources }),
        records,
        replace: false,
      });
      return { version, changed: version.addedCount > 0, events: parsed.events.length };
    },

    async exportDirectory(dir: string): Promise<{ files: string[]; hash: string }> {
      const kb = await snapshot();
      return { files: writeDatasetDirectory(kb.dataset, dir), hash: datasetHash(kb.dataset) };
    },

    versions: () => listVersions(deps.db),
    history: (kind: string, key: string) => recordHistory(deps.db, kind, key),

    async inForce(input: { instrument?: unknown; a?: unknown; b?: unknown; on?: unknown }) {
      const kb = await snapshot();
      const p = params(input, kb);
      const instrument = p.instrument('instrument');
      const a = p.state('a');
      const b = p.state('b');
      const on = p.date('on');
      if (a && a === b) p.fields.push({ path: 'b', code: 'legal.same_state', message: 'the two States must differ' });
      p.check();
      return { ...inForceBetween(kb, instrument!, a, b, on, today()), kbVersion: kb.versionId };
    },

    async entryIntoForce(input: { instrument?: unknown; state?: unknown; on?: unknown }) {
      const kb = await snapshot();
      const p = params(input, kb);
      const instrument = p.instrument('instrument');
      const state = input.state === undefined || input.state === '' ? undefined : p.state('state');
      const on = p.date('on');
      p.check();
      const general = generalEntryIntoForce(kb, instrument!, today());
      const forState = state ? stateEntryIntoForce(kb, instrument!, state, on, today()) : undefined;
      return { instrument: instrument!.id, general, state: forState, kbVersion: kb.versionId };
    },

    async legalBases(input: { measure?: unknown; requesting?: unknown; requested?: unknown; on?: unknown }) {
      const kb = await snapshot();
      const p = params(input, kb);
      const measure = p.measure('measure');
      const requesting = p.state('requesting');
      const requested = p.state('requested');
      const on = p.date('on');
      if (requesting && requesting === requested) p.fields.push({ path: 'requested', code: 'legal.same_state', message: 'the two States must differ' });
      p.check();
      return { ...legalBases(kb, measure!, requesting, requested, on, today()), kbVersion: kb.versionId };
    },

    async dualCriminality(input: { conducts?: unknown; requesting?: unknown; requested?: unknown; measure?: unknown; instrument?: unknown; on?: unknown }) {
      const kb = await snapshot();
      const p = params(input, kb);
      const conducts = p.conducts('conducts');
      const requesting = p.state('requesting');
      const requested = p.state('requested');
      const measure = p.measure('measure');
      const instrument = p.instrument('instrument');
      const on = p.date('on');
      if (requesting && requesting === requested) p.fields.push({ path: 'requested', code: 'legal.same_state', message: 'the two States must differ' });
      const provision = instrument && measure ? instrument.measures.find((m) => m.measure === measure) : undefined;
      if (instrument && measure && !provision) {
        p.fields.push({
          path: 'measure',
          code: 'legal.measure_not_provided',
          message: `${instrument.id} does not provide ${measure}`,
          params: { instrument: instrument.id, value: measure },
        });
      }
      p.check();
      return { ...dualCriminality(kb, conducts, requesting, requested, instrument!, provision!, on, today()), kbVersion: kb.versionId };
    },

    async profile(stateInput: unknown) {
      const kb = await snapshot();
      const p = params({ state: stateInput }, kb);
      const state = p.state('state');
      p.check();
      const on = today();
      return {
        state: kb.states.get(state)!,
        facts: resolveProfile(kb, state, on),
        treaties: [...kb.instruments.values()].map((i) => stateEntryIntoForce(kb, i, state, on, on)),
        declarations: kb.dataset.declarations.filter((d) => d.state === state),
        authorities: kb.authorities(state),
        offences: kb.catalogues.get(state),
        kbVersion: kb.versionId,
      };
    },

    /** Parties, signatories and the projected general entry into force of one instrument. */
    async treatyStatus(instrumentInput: unknown) {
      const kb = await snapshot();
      const p = params({ instrument: instrumentInput }, kb);
      const instrument = p.instrument('instrument');
      p.check();
      const on = today();
      const rows = [...kb.states.keys()].map((code) => stateEntryIntoForce(kb, instrument!, code, on, on)).filter((s) => s.status !== 'no-record');
      return { instrument: instrument!, general: generalEntryIntoForce(kb, instrument!, on), states: rows, kbVersion: kb.versionId };
    },
  };
}
