import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FieldProblem } from '../../lib/errors.ts';
import type { Dataset } from './schema.ts';

/**
 * The on-disk layout of a knowledge base. Directories hold one file per instrument or State so
 * that curators can review changes in small diffs.
 */
export const LAYOUT = {
  manifest: 'manifest.json',
  conducts: 'conducts.json',
  declarations: 'declarations.json',
  authorities: 'authorities.json',
  states: 'states.json',
  sources: 'sources',
  instruments: 'instruments',
  status: 'status',
  offences: 'offences',
  profiles: 'profiles',
} as const;

/** Raw JSON per part, with the file each value came from, before schema validation. */
export interface RawDataset {
  manifest: unknown;
  parts: Record<Exclude<keyof typeof LAYOUT, 'manifest'>, Array<{ file: string; value: unknown }>>;
}

function readJson(path: string, file: string, problems: FieldProblem[]): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    problems.push({ path: file, code: 'kb.unreadable_file', message: (err as Error).message });
    return undefined;
  }
}

function jsonFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort();
}

export function readDatasetDirectory(dir: string): { raw: RawDataset; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  if (!existsSync(join(dir, LAYOUT.manifest))) {
    problems.push({ path: LAYOUT.manifest, code: 'kb.missing_file', message: `no ${LAYOUT.manifest} in ${dir}` });
  }
  const single = (name: string) => {
    const path = join(dir, name);
    return existsSync(path) ? [{ file: name, value: readJson(path, name, problems) }] : [];
  };
  const many = (sub: string) =>
    jsonFiles(join(dir, sub)).map((name) => ({ file: `${sub}/${name}`, value: readJson(join(dir, sub, name), `${sub}/${name}`, problems) }));
  const raw: RawDataset = {
    manifest: existsSync(join(dir, LAYOUT.manifest)) ? readJson(join(dir, LAYOUT.manifest), LAYOUT.manifest, problems) : undefined,
    parts: {
      conducts: single(LAYOUT.conducts),
      declarations: single(LAYOUT.declarations),
      authorities: single(LAYOUT.authorities),
      states: single(LAYOUT.states),
      sources: many(LAYOUT.sources),
      instruments: many(LAYOUT.instruments),
      status: many(LAYOUT.status),
      offences: many(LAYOUT.offences),
      profiles: many(LAYOUT.profiles),
    },
  };
  return { raw, problems };
}

function write(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Writes a dataset in the same layout it is read from, so export → import is the identity. */
export function writeDatasetDirectory(dataset: Dataset, dir: string): string[] {
  for (const sub of [LAYOUT.sources, LAYOUT.instruments, LAYOUT.status, LAYOUT.offences, LAYOUT.profiles]) {
    rmSync(join(dir, sub), { recursive: true, force: true });
    mkdirSync(join(dir, sub), { recursive: true });
  }
  const written: string[] = [];
  const put = (file: string, value: unknown) => {
    write(join(dir, file), value);
    written.push(file);
  };
  put(LAYOUT.manifest, dataset.manifest);
  put(LAYOUT.conducts, dataset.conducts);
  put(LAYOUT.states, dataset.states);
  put(LAYOUT.declarations, dataset.declarations);
  put(LAYOUT.authorities, dataset.authorities);
  put(`${LAYOUT.sources}/sources.json`, dataset.sources);
  for (const instrument of dataset.instruments) put(`${LAYOUT.instruments}/${instrument.id}.json`, instrument);
  const byInstrument = Map.groupBy(dataset.statusEvents, (e) => e.instrument);
  for (const [instrument, events] of byInstrument) put(`${LAYOUT.status}/${instrument}.json`, events);
  for (const catalogue of dataset.offenceCatalogues) put(`${LAYOUT.offences}/${catalogue.state}.json`, catalogue);
  const byState = Map.groupBy(dataset.profileFacts, (f) => f.state);
  for (const [state, facts] of byState) put(`${LAYOUT.profiles}/${state}.json`, facts);
  return written;
}
