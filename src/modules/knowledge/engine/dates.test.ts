import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addDays, addMonths, applyPeriod, firstOfMonthAfterMonths, todayIn } from './dates.ts';

describe('treaty date arithmetic', () => {
  it('counts days across month and year ends and leap days', () => {
    assert.equal(addDays('2025-12-31', 1), '2026-01-01');
    assert.equal(addDays('2024-02-28', 1), '2024-02-29');
    assert.equal(addDays('2023-02-28', 1), '2023-03-01');
    assert.equal(addDays('2026-10-05', 90), '2027-01-03');
  });

  it('clamps month arithmetic to the last day of shorter months', () => {
    assert.equal(addMonths('2019-08-31', 3), '2019-11-30');
    assert.equal(addMonths('2023-11-30', 3), '2024-02-29');
    assert.equal(addMonths('2022-11-30', 3), '2023-02-28');
    assert.equal(addMonths('2024-02-29', 12), '2025-02-28');
  });

  it('gives the first day of the month after three months (Budapest Arts. 36 and 37)', () => {
    // Peru: deposit 26 Aug 2019 → in force 1 Dec 2019 (depositary record).
    assert.equal(firstOfMonthAfterMonths('2019-08-26', 3), '2019-12-01');
    // CoE chart: Armenia 12/10/2006 → 01/02/2007; Austria 13/06/2012 → 01/10/2012.
    assert.equal(firstOfMonthAfterMonths('2006-10-12', 3), '2007-02-01');
    assert.equal(firstOfMonthAfterMonths('2012-06-13', 3), '2012-10-01');
    // A deposit on the last day of November expires on 29 Feb in a leap year.
    assert.equal(firstOfMonthAfterMonths('2023-11-30', 3), '2024-03-01');
    assert.equal(firstOfMonthAfterMonths('2025-09-30', 3), '2026-01-01');
  });

  it('applies each period type', () => {
    assert.equal(applyPeriod('2026-01-15', { type: 'days-after', days: 30 }), '2026-02-14');
    assert.equal(applyPeriod('2026-01-31', { type: 'months-after', months: 1 }), '2026-02-28');
    assert.equal(applyPeriod('2026-01-31', { type: 'first-of-month-after-months', months: 3 }), '2026-05-01');
  });

  it("takes today's date in the node's time zone, not UTC", () => {
    const lateEveningInLima = new Date('2026-11-25T03:30:00Z');
    assert.equal(todayIn('America/Lima', lateEveningInLima), '2026-11-24');
    assert.equal(todayIn('UTC', lateEveningInLima), '2026-11-25');
  });
});
