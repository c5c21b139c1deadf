const FORMATS = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let format = FORMATS.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    });
    FORMATS.set(timeZone, format);
  }
  return format;
}

const OFFSETS = new Map<string, { minute: number; offsetMinutes: number; suffix: string }>();

/** The zone's UTC offset during that minute; Intl is slow, so it is asked once per minute per zone. */
function offsetAt(date: Date, timeZone: string): { offsetMinutes: number; suffix: string } {
  const minute = Math.floor(date.getTime() / 60_000);
  const cached = OFFSETS.get(timeZone);
  if (cached && cached.minute === minute) return cached;
  const name =
    formatFor(timeZone)
      .formatToParts(date)
      .find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name);
  const offsetMinutes = match?.[1] ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 0;
  const value = { minute, offsetMinutes, suffix: offsetMinutes === 0 ? 'Z' : name.slice(3) };
  OFFSETS.set(timeZone, value);
  return value;
}

/**
 * An instant as ISO 8601 with the local offset of a time zone, e.g. 2026-11-24T15:17:32.123-05:00:
 * the wall-clock time people in that jurisdiction saw, and the exact instant.
 */
export function isoWithOffset(date: Date, timeZone: string): string {
  // Bursts of events (ledger appends) stamp the same millisecond many times over.
  const ms = date.getTime();
  if (last.ms === ms && last.timeZone === timeZone) return last.text;
  const { offsetMinutes, suffix } = offsetAt(date, timeZone);
  // The wall-clock time is the instant shifted by the offset, printed as if it were UTC.
  const text = `${new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23)}${suffix}`;
  last = { ms, timeZone, text };
  return text;
}

let last = { ms: Number.NaN, timeZone: '', text: '' };

const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `2026-11-24T10:30:00-05:00` → `24/11/2026 10:30 (UTC−05:00)` (es) or `24 Nov 2026 10:30 (UTC−05:00)` (en). */
export function formatInstant(iso: string, locale: 'es' | 'en'): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.exec(iso);
  if (!m) return iso;
  const [, y, mo, d, h, mi, s, zone] = m;
  const day = locale === 'es' ? `${d}/${mo}/${y}` : `${Number(d)} ${MONTHS_EN[Number(mo) - 1]} ${y}`;
  const time = s && s !== '00' ? `${h}:${mi}:${s}` : `${h}:${mi}`;
  // U+2212 MINUS SIGN: a hyphen before the offset is easy to misread or lose in a line break.
  const offset = zone === 'Z' ? 'UTC' : `UTC${zone!.replace('-', '\u2212')}`;
  return `${day} ${time} (${offset})`;
}
