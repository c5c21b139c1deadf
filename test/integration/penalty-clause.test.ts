import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { penaltyClause } from '../../src/http/web/pages/common.ts';

// Issue 16 (6): "Pena: Pena no registrada" — a penalty text that already says what it is is not labelled again.
describe('an offence’s penalty on the legal pages', () => {
  it('labels a penalty once, in both languages', () => {
    const years = { text: { es: '2 a 4 años', en: '2 to 4 years' } };
    assert.equal(penaltyClause('es', years), 'Pena: 2 a 4 años');
    assert.equal(penaltyClause('en', years), 'Penalty: 2 to 4 years');
    const unknown = { text: { es: 'Pena no confirmada en las fuentes consultadas', en: 'Penalty not confirmed in the sources consulted' } };
    assert.equal(penaltyClause('es', unknown), 'Pena no confirmada en las fuentes consultadas');
    assert.equal(penaltyClause('en', unknown), 'Penalty not confirmed in the sources consulted');
  });
});
