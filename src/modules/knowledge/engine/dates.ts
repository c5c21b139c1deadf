import type { Period } from '../schema.ts';

/** Calendar arithmetic on ISO dates (YYYY-MM-DD) in UTC: treaty periods count calendar days, not hours. */

function parse(iso: string): Date {
  return new Date(`${iso}T00:00:00Z`);
}

function format(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function addDays(iso: string, days: number): string {
  const d = parse(iso);
  d.setUTCDate(d.getUTCDate() + days);
  return format(d);
}

/** Same day-of-month `months` later; a day the target month lacks becomes its last day (31 Aug + 3 → 30 Nov). */
export function addMonths(iso: string, months: number): string {
  const d = parse(iso);
  const day = d.getUTCDate();
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return format(target);
}

/** The first day of the month following the expiry of `months` months after `iso` (CoE treaty clauses). */
export function firstOfMonthAfterMonths(iso: string, months: number): string {
  const expiry = parse(addMonths(iso, months));
  return format(new Date(Date.UTC(expiry.getUTCFullYear(), expiry.getUTCMonth() + 1, 1)));
}

export function applyPeriod(iso: string, period: Period): string {
  switch (period.type) {
    case 'days-after':
      return addDays(iso, period.days);
    case 'months-after':
      return addMonths(iso, period.months);
    case 'first-of-month-after-months':
      return firstOfMonthAfterMonths(iso, period.months);
  }
}

export function maxDate(...dates: Array<string | undefined>): string | undefined {
  return dates
    .filter((d): d is string => d !== undefined)
    .sort()
    .at(-1);
}

const DAY_FORMATS = new Map<string, Intl.DateTimeFormat>();

export function todayIn(timeZone: string, now: Date): string {
  // en-CA formats as YYYY-MM-DD; the legal "today" is the node's jurisdiction's calendar day.
  // Building a formatter is costly, and this runs on every request: one per time zone.
  let format = DAY_FORMATS.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    DAY_FORMATS.set(timeZone, format);
  }
  return format.format(now);
}
