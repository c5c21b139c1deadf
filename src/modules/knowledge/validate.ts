import type { z } from 'zod';
import type { FieldProblem } from '../../lib/errors.ts';
import type { RawDataset } from './files.ts';
import {
  Authority,
  CONSENT_EVENTS,
  Conduct,
  type Dataset,
  Declaration,
  Instrument,
  Manifest,
  OffenceCatalogue,
  ProfileFact,
  Source,
  State,
  StatusEvent,
} from './schema.ts';

function issuePath(file: string, path: PropertyKey[]): string {
  return path.length === 0
    ? file
    : `${file}:${path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('')
        .replace(/^\./, '')}`;
}

function parseInto<T>(schema: z.ZodType<T>, file: string, value: unknown, problems: FieldProblem[]): T | undefined {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    problems.push({ path: issuePath(file, issue.path), code: 'kb.invalid_value', message: issue.message });
  }
  return undefined;
}

function parseList<T>(schema: z.ZodType<T>, entries: Array<{ file: string; value: unknown }>, problems: FieldProblem[]): T[] {
  const out: T[] = [];
  for (const { file, value } of entries) {
    if (!Array.isArray(value)) {
      problems.push({ path: file, code: 'kb.invalid_value', message: 'expected a JSON array' });
      continue;
    }
    value.forEach((item, index) => {
      const parsed = parseInto(schema, `${file}[${index}]`, item, problems);
      if (parsed !== undefined) out.push(parsed);
    });
  }
  return out;
}

function parseEach<T>(schema: z.ZodType<T>, entries: Array<{ file: string; value: unknown }>, problems: FieldProblem[]): T[] {
  return entries.flatMap(({ file, value }) => {
    const parsed = parseInto(schema, file, value, problems);
    return parsed === undefined ? [] : [parsed];
  });
}

/** Schema validation of every file, then cross-references; returns every problem found, never the first only. */
export function validateRawDataset(raw: RawDataset): { dataset: Dataset | undefined; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const manifest = parseInto(Manifest, 'manifest.json', raw.manifest, problems);
  const dataset: Dataset = {
    manifest: manifest ?? { format: 'custodia-kb', schemaVersion: 1, version: 'invalid', title: { es: '-', en: '-' } },
    sources: parseList(Source, raw.parts.sources, problems),
    states: parseList(State, raw.parts.states, problems),
    conducts: parseList(Conduct, raw.parts.conducts, problems),
    instruments: parseEach(Instrument, raw.parts.instruments, problems),
    statusEvents: parseList(StatusEvent, raw.parts.status, problems),
    declarations: parseList(Declaration, raw.parts.declarations, problems),
    authorities: parseList(Authority, raw.parts.authorities, problems),
    offenceCatalogues: parseEach(OffenceCatalogue, raw.parts.offences, problems),
    profileFacts: parseList(ProfileFact, raw.parts.profiles, problems),
  };
  problems.push(...checkReferences(dataset));
  return { dataset: problems.length === 0 ? dataset : undefined, problems };
}

/** Cross-file rules: ids unique, every reference resolves, status histories make sense. */
export function checkReferences(d: Dataset): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const add = (path: string, code: string, message: string) => problems.push({ path, code, message });
  const unique = <T>(items: T[], key: (t: T) => string, label: string) => {
    const seen = new Set<string>();
    for (const item of items) {
      const k = key(item);
      if (seen.has(k)) add(`${label}:${k}`, 'kb.duplicate_id', `duplicate ${label} id ${k}`);
      seen.add(k);
    }
    return seen;
  };
  const sources = unique(d.sources, (s) => s.id, 'source');
  const states = unique(d.states, (s) => s.code, 'state');
  const conducts = unique(d.conducts, (c) => c.id, 'conduct');
  // One level of sub-conducts: a parent exists and is not itself a sub-conduct.
  d.conducts.forEach((c, i) => {
    if (c.parent === undefined) return;
    const parent = d.conducts.find((p) => p.id === c.parent);
    if (!parent) add(`conducts[${i}].parent`, 'kb.unknown_conduct', `unknown parent conduct ${c.parent}`);
    else if (parent.parent !== undefined) add(`conducts[${i}].parent`, 'kb.unknown_conduct', `${c.parent} is itself a sub-conduct: one level only`);
  });
  const instruments = unique(d.instruments, (i) => i.id, 'instrument');
  unique(d.declarations, (x) => x.id, 'declaration');
  unique(d.authorities, (x) => x.id, 'authority');
  unique(d.profileFacts, (x) => x.id, 'profile-fact');
  unique(d.offenceCatalogues, (x) => x.state, 'offence-catalogue');
  unique(
    d.offenceCatalogues.flatMap((c) => c.offences),
    (x) => x.id,
    'offence',
  );
  unique(d.statusEvents, (e) => `${e.instrument}/${e.state}/${e.event}/${e.date}/${e.source}`, 'status-event');

  const needSource = (where: string, id: string) => {
    if (!sources.has(id)) add(`${where}.source`, 'kb.unknown_source', `unknown source ${id}`);
  };
  const needState = (where: string, code: string) => {
    if (!states.has(code)) add(`${where}.state`, 'kb.unknown_state', `unknown State ${code}`);
  };
  const needInstrument = (where: string, id: string) => {
    if (!instruments.has(id)) add(`${where}.instrument`, 'kb.unknown_instrument', `unknown instrument ${id}`);
  };
  const needConduct = (where: string, id: string) => {
    if (!conducts.has(id)) add(`${where}.conducts`, 'kb.unknown_conduct', `unknown conduct ${id}`);
  };

  for (const s of d.states) needSource(`state:${s.code}`, s.source);
  for (const i of d.instruments) {
    const at = `instrument:${i.id}`;
    needSource(at, i.source);
    needSource(`${at}.entryIntoForce`, i.entryIntoForce.source);
    if (i.generalEntryIntoForce) needSource(`${at}.generalEntryIntoForce`, i.generalEntryIntoForce.source);
    if (i.denunciation) needSource(`${at}.denunciation`, i.denunciation.source);
    if (i.parent) needInstrument(`${at}.parent`, i.parent);
    if (i.entryIntoForce.requiresPartyTo) needInstrument(`${at}.entryIntoForce.requiresPartyTo`, i.entryIntoForce.requiresPartyTo);
    const numbers = new Set<string>();
    for (const a of i.articles) {
      if (numbers.has(a.number)) add(`${at}.articles.${a.number}`, 'kb.duplicate_id', `article ${a.number} listed twice`);
      numbers.add(a.number);
      needSource(`${at}.articles.${a.number}`, a.source);
      for (const c of a.conducts) needConduct(`${at}.articles.${a.number}`, c);
    }
    const measures = new Set<string>();
    for (const m of i.measures) {
      if (measures.has(m.measure)) add(`${at}.measures.${m.measure}`, 'kb.duplicate_id', `measure ${m.measure} listed twice`);
      measures.add(m.measure);
      needSource(`${at}.measures.${m.measure}`, m.source);
      for (const art of m.articles) {
        if (!numbers.has(art.split('(')[0] ?? art)) {
          add(`${at}.measures.${m.measure}.articles`, 'kb.unknown_article', `article ${art} is not listed in ${i.id}`);
        }
      }
    }
  }
  for (const [index, e] of d.statusEvents.entries()) {
    const at = `status[${index}] ${e.instrument}/${e.state}`;
    needSource(at, e.source);
    needState(at, e.state);
    needInstrument(at, e.instrument);
  }
  problems.push(...checkStatusHistories(d));
  for (const x of d.declarations) {
    const at = `declaration:${x.id}`;
    needSource(at, x.source);
    needState(at, x.state);
    needInstrument(at, x.instrument);
    if ('conduct' in x.effect) needConduct(`${at}.effect`, x.effect.conduct);
    if (x.effect.type === 'criminalisation-reservation') problems.push(...checkCriminalisationReservation(d, x, x.effect));
    problems.push(...checkDeclarationEffects(d, x));
  }
  for (const x of d.authorities) {
    const at = `authority:${x.id}`;
    needSource(at, x.source);
    needState(at, x.state);
    for (const i of x.instruments) needInstrument(at, i);
  }
  for (const c of d.offenceCatalogues) {
    const at = `offences:${c.state}`;
    needSource(at, c.source);
    needState(at, c.state);
    for (const r of c.reviewedConducts) needConduct(`${at}.reviewedConducts`, r);
    for (const o of c.offences) {
      needSource(`${at}.${o.id}`, o.source);
      for (const k of o.conducts) needConduct(`${at}.${o.id}`, k);
    }
  }
  for (const f of d.profileFacts) {
    needSource(`profile:${f.id}`, f.source);
    needState(`profile:${f.id}`, f.state);
  }
  return problems;
}

/**
 * Declaration effects (issue 16): a withdrawal (Budapest Art. 43) has its own source and comes after the
 * declaration was made; a measure restriction (Budapest Art. 14(3)) is a reservation and names only measures
 * its instrument provides, so the engine can show it on them.
 */
function checkDeclarationEffects(d: Dataset, x: Declaration): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const at = `declaration:${x.id}`;
  if (x.withdrawn) {
    if (!d.sources.some((s) => s.id === x.withdrawn?.source)) {
      problems.push({ path: `${at}.withdrawn.source`, code: 'kb.unknown_source', message: `unknown source ${x.withdrawn.source}` });
    }
    if (x.made !== undefined && x.withdrawn.date <= x.made) {
      problems.push({
        path: `${at}.withdrawn.date`,
        code: 'kb.invalid_value',
        message: `withdrawn on ${x.withdrawn.date}, not after it was made on ${x.made}`,
      });
    }
  }
  if (x.effect.type === 'measure-restriction') {
    if (x.kind !== 'reservation') {
      problems.push({ path: `${at}.effect.type`, code: 'kb.invalid_value', message: 'a measure restriction must be of kind "reservation"' });
    }
    const instrument = d.instruments.find((i) => i.id === x.instrument);
    for (const m of instrument ? x.effect.measures : []) {
      if (!instrument?.measures.some((p) => p.measure === m)) {
        problems.push({ path: `${at}.effect.measures`, code: 'kb.invalid_value', message: `${x.instrument} provides no measure ${m}` });
      }
    }
  }
  return problems;
}

/**
 * A criminalisation reservation must be a reservation, name an offence article of its instrument, and
 * that article must establish the reserved conduct or the conduct's parent (Art. 6 establishes misuse of
 * devices, so a reservation on mere possession, its sub-conduct, fits; one on Art. 8 does not).
 */
function checkCriminalisationReservation(
  d: Dataset,
  x: Declaration,
  effect: Extract<Declaration['effect'], { type: 'criminalisation-reservation' }>,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const at = `declaration:${x.id}.effect`;
  if (x.kind !== 'reservation') {
    problems.push({ path: `${at}.type`, code: 'kb.invalid_value', message: 'a criminalisation reservation must be of kind "reservation"' });
  }
  const instrument = d.instruments.find((i) => i.id === x.instrument);
  if (!instrument) return problems;
  const number = effect.article.split('(')[0] ?? effect.article;
  const article = instrument.articles.find((a) => a.number === number);
  if (!article) {
    problems.push({ path: `${at}.article`, code: 'kb.unknown_article', message: `article ${effect.article} is not listed in ${x.instrument}` });
    return problems;
  }
  const parent = d.conducts.find((c) => c.id === effect.conduct)?.parent;
  if (!article.conducts.includes(effect.conduct) && (parent === undefined || !article.conducts.includes(parent))) {
    problems.push({
      path: `${at}.conduct`,
      code: 'kb.unknown_conduct',
      message: `${x.instrument} art. ${number} does not establish ${effect.conduct}${parent ? ` or ${parent}` : ''}`,
    });
  }
  return problems;
}

/**
 * A State's history with one instrument must be possible: an entry into force cannot precede the
 * State's consent, and a denunciation needs an earlier consent or entry into force. A depositary
 * chart may list an entry into force without the deposit date, so that alone is not an error.
 * Different sources giving different dates for the same act is a conflict, shown, not an error.
 */
export function checkStatusHistories(d: Pick<Dataset, 'statusEvents'>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const consent = new Set<string>(CONSENT_EVENTS);
  const groups = Map.groupBy(d.statusEvents, (e) => `${e.instrument}/${e.state}`);
  for (const [key, events] of groups) {
    const firstConsent = events
      .filter((e) => consent.has(e.event))
      .map((e) => e.date)
      .sort()[0];
    const firstBinding = events
      .filter((e) => consent.has(e.event) || e.event === 'entry-into-force')
      .map((e) => e.date)
      .sort()[0];
    for (const e of events) {
      if (e.event === 'entry-into-force' && firstConsent !== undefined && e.date < firstConsent) {
        problems.push({
          path: `status ${key} ${e.event} ${e.date}`,
          code: 'kb.inconsistent_status',
          message: `entry into force on ${e.date} precedes the consent deposited on ${firstConsent}`,
        });
      }
      if (e.event === 'denunciation' && (firstBinding === undefined || e.date < firstBinding)) {
        problems.push({
          path: `status ${key} ${e.event} ${e.date}`,
          code: 'kb.inconsistent_status',
          message: `denunciation on ${e.date} without an earlier consent or entry into force`,
        });
      }
    }
  }
  return problems;
}
