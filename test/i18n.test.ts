import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT } from '../src/config/config.ts';
import { en } from '../src/i18n/en.ts';
import { es } from '../src/i18n/es.ts';
import { isMessageKey, messageArguments, negotiateLocale, t, tCount } from '../src/i18n/index.ts';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

describe('Spanish and English catalogs', () => {
  it('have exactly the same keys and the same placeholders', () => {
    assert.deepEqual(Object.keys(en).sort(), Object.keys(es).sort());
    for (const key of Object.keys(es) as Array<keyof typeof es>) {
      assert.deepEqual(messageArguments(en[key]), messageArguments(es[key]), key);
      assert.ok(es[key].trim().length > 0 && en[key].trim().length > 0, key);
    }
  });

  it('split into area files whose keys never collide (a later spread would silently win)', () => {
    const dir = join(PROJECT_ROOT, 'src', 'i18n');
    const seen = new Map<string, string>();
    for (const file of readdirSync(dir).filter((f) => f === 'es.ts' || f.endsWith('.es.ts'))) {
      for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/^ {2}'([^']+)':/gm)) {
        const key = m[1] as string;
        assert.equal(seen.get(key), undefined, `${key} is in ${seen.get(key)} and ${file}`);
        seen.set(key, file);
      }
    }
    assert.equal(seen.size, Object.keys(es).length);
  });

  it('translate every reasoning step and warning the engine can produce', () => {
    const code = sources(join(PROJECT_ROOT, 'src', 'modules'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const steps = [...code.matchAll(/\.step\(\s*'([a-z_.]+)'/g)].map((m) => `step.${m[1]}`);
    const warnings = [...code.matchAll(/\.warn\(\s*'([a-z_.]+)'/g)].map((m) => `warning.${m[1]}`);
    const dynamic = [
      'step.dc.rule_not_required',
      'step.dc.rule_required',
      'step.dc.rule_requested_state_law',
      'step.dc.verdict_met',
      'step.dc.verdict_not_met',
      'step.dc.verdict_not_required',
      'step.dc.verdict_cannot_be_determined',
      'step.status.on_no_record',
      'step.status.on_signed',
      'step.status.on_consented',
      'step.status.on_party',
      'step.status.on_denounced',
      'step.eif.general_computed',
      'step.status.eif_computed',
      'step.dc.extra_element',
      'step.dc.partial_reservation',
      'warning.fact.unverified',
      'warning.fact.uncertain',
    ];
    assert.ok(steps.length > 20);
    for (const key of [...steps, ...warnings, ...dynamic]) assert.ok(isMessageKey(key), `no message for ${key}`);
  });

  it('choose the CLDR plural form of a counted message and write the count in the locale’s digits', () => {
    assert.match(tCount('es', 'erasure.done', 1, { index: 7 }), /^Datos suprimidos: 1 entrada del registro destruida /);
    assert.match(tCount('es', 'erasure.done', 0, { index: 7 }), /: 0 entradas del registro destruidas /);
    assert.match(tCount('en', 'erasure.done', 1, { index: 7 }), /: 1 ledger entry crypto-shredded \(recorded in entry 7\)/);
    assert.match(tCount('en', 'erasure.done', 12345, { index: 7 }), /: 12,345 ledger entries crypto-shredded/);
    assert.match(tCount('es', 'erasure.done', 12345, { index: 7 }), /: 12,345 entradas/);
  });

  it('negotiate Spanish first and fill parameters, in both languages', () => {
    assert.equal(negotiateLocale(undefined, undefined), 'es');
    assert.equal(negotiateLocale(undefined, 'fr-FR,en;q=0.8'), 'en');
    assert.equal(negotiateLocale('es', 'en'), 'es');
    const params = {
      state: 'PE',
      state_es: 'Perú',
      state_en: 'Peru',
      instrument: 'ETS185',
      instrument_es: 'Convenio de Budapest',
      instrument_en: 'Budapest Convention',
      event: 'accession',
      date: '2019-08-26',
    };
    assert.equal(t('es', 'step.status.consent', params), 'Perú depositó su adhesión de «Convenio de Budapest» el 2019-08-26.');
    assert.equal(t('en', 'step.status.consent', params), 'Peru deposited its accession of “Budapest Convention” on 2019-08-26.');
    const { instrument_en: _, ...withoutName } = params;
    assert.equal(t('en', 'step.status.consent', withoutName), 'Peru deposited its accession of “ETS185” on 2019-08-26.');
  });
});
