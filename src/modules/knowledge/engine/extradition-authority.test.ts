import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { dataset, event, instrument, provision } from '../../../../test/support/fixture.ts';
import { t } from '../../../i18n/index.ts';
import { readDatasetDirectory } from '../files.ts';
import type { Authority, Declaration } from '../schema.ts';
import { AUTHORITY_ROLES } from '../schema.ts';
import { validateRawDataset } from '../validate.ts';
import { legalBases } from './legal-bases.ts';
import { KnowledgeSnapshot } from './snapshot.ts';

const TODAY = '2026-11-24';
const P = { source: 'dep', asOf: '2025-01-01', recorded: '2025-01-01', confidence: 'verified' as const };
const L = (en: string) => ({ es: en, en });

// Budapest Art. 24(7): each Party names the authority for extradition or provisional arrest absent a treaty.
describe('the extradition authority (Budapest Art. 24(7)) is an authority role the extradition channel routes to', () => {
  const inst = instrument('SPEC', {
    generalEntryIntoForce: { date: '2004-07-01', ...P },
    measures: [
      provision('extradition', { articles: ['24'], channels: ['extradition-authority'], dualCriminality: { rule: 'required', explanation: L('both') } }),
    ],
  });
  const declaration: Declaration = {
    id: 'bb-24-7',
    instrument: 'SPEC',
    state: 'BB',
    kind: 'declaration',
    articles: ['24(7)'],
    text: L('the Ministry of Justice'),
    effect: { type: 'informational' },
    ...P,
  };
  const bb: Authority = {
    id: 'bb-ext',
    state: 'BB',
    role: 'extradition-authority',
    name: L('Ministry of Justice'),
    instruments: ['SPEC'],
    acceptedLanguages: [],
    ...P,
  };
  const cc: Authority = { id: 'cc-ext', state: 'CC', role: 'extradition-authority', name: L('Foreign Ministry'), instruments: [], acceptedLanguages: [], ...P };
  const kb = new KnowledgeSnapshot(
    dataset({
      instruments: [inst],
      statusEvents: ['AA', 'BB', 'CC'].map((s) => event('SPEC', s, 'ratification', '2010-01-01')),
      declarations: [declaration],
      authorities: [bb, cc],
    }),
    'v',
  );

  it('is one of the authority roles, labelled in Spanish and English', () => {
    assert.ok((AUTHORITY_ROLES as readonly string[]).includes('extradition-authority'));
    assert.equal(t('es', 'role.extradition-authority'), 'Autoridad de extradición');
    assert.equal(t('en', 'role.extradition-authority'), 'Extradition authority');
  });

  it('routes the extradition channel to the designated body and says it was designated by declaration', () => {
    const basis = legalBases(kb, 'extradition', 'AA', 'BB', TODAY, TODAY).bases[0]!;
    assert.deepEqual(
      basis.channels.map((c) => [c.channel, c.authority?.id]),
      [['extradition-authority', 'bb-ext']],
    );
    assert.ok(!basis.warnings.some((w) => w.code === 'bases.authority_not_published'));
    const step = basis.explanation.find((s) => s.code === 'bases.extradition_authority');
    assert.equal(step?.params.kind, 'declared');
    assert.equal(step?.params.article, '24(7)');
    assert.ok(step?.citations.some((c) => c.article === '24(7)'));
    const es = t('es', 'step.bases.extradition_authority', step!.params);
    assert.match(es, /designó para las solicitudes de extradición o de detención provisional sin tratado \(declaración conforme al art\. 24\(7\)/);
    assert.match(es, /: Ministry of Justice\.$/);
    assert.match(t('en', 'step.bases.extradition_authority', step!.params), /declaration under Art\. 24\(7\)/);
  });

  it('a national authority with no designation under the instrument is named as such', () => {
    const basis = legalBases(kb, 'extradition', 'AA', 'CC', TODAY, TODAY).bases[0]!;
    assert.equal(basis.channels[0]?.authority?.id, 'cc-ext');
    assert.equal(basis.explanation.find((s) => s.code === 'bases.extradition_authority')?.params.kind, 'national');
  });
});

describe('shipped knowledge base: extradition authorities', () => {
  const { raw, problems } = readDatasetDirectory(join(import.meta.dirname, '../../../../kb'));
  assert.deepEqual(problems, []);
  const { dataset: d, problems: invalid } = validateRawDataset(raw);
  assert.deepEqual(invalid, []);
  const kb = new KnowledgeSnapshot(d!, 'shipped');

  it('every Art. 24(7) declaration with a named body has an extradition authority with the same source', () => {
    const declared = d!.declarations.filter((x) => x.instrument === 'ETS185' && x.articles.includes('24(7)'));
    assert.ok(declared.length >= 10);
    for (const x of declared) {
      const a = d!.authorities.find((y) => y.state === x.state && y.role === 'extradition-authority' && y.instruments.includes('ETS185'));
      assert.ok(a, x.state);
      assert.equal(a.source, x.source, x.state);
    }
  });

  it('Spain → Chile: Budapest extradition goes to Chile’s Ministry of Foreign Affairs, by its Art. 24(7) declaration', () => {
    const ets = legalBases(kb, 'extradition', 'ES', 'CL', TODAY, TODAY).bases.find((b) => b.instrument === 'ETS185')!;
    const c = ets.channels.find((x) => x.channel === 'extradition-authority');
    assert.equal(c?.authority?.id, 'cl-ets185-extradition-authority');
    const step = ets.explanation.find((s) => s.code === 'bases.extradition_authority');
    assert.equal(step?.params.kind, 'declared');
    assert.ok(step?.citations.some((x) => x.source === 'decl-wipolex-cl-952' && x.article === '24(7)'));
  });
});
