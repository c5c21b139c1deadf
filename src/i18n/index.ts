import { en } from './en.ts';
import { type Catalog, es, type MessageKey } from './es.ts';

export type Locale = 'es' | 'en';
export const LOCALES: readonly Locale[] = ['es', 'en'];
export const DEFAULT_LOCALE: Locale = 'es';

const CATALOGS: Record<Locale, Catalog> = { es, en };

export type { MessageKey };

export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(es, key);
}

/** Parameters whose values are vocabulary codes, translated through the catalog (e.g. event: accession). */
const VOCABULARY: Record<string, string> = { event: 'event.', measure: 'measure.', channel: 'channel.', verdict: 'verdict.', status: 'status.' };

/**
 * Translates a key, filling {placeholders}. A parameter may come in both languages as `name_es` /
 * `name_en`; vocabulary codes are translated. An unknown key returns itself so a gap is visible.
 */
export function t(locale: Locale, key: string, params: Record<string, string | number> = {}): string {
  const template = isMessageKey(key) ? CATALOGS[locale][key] : key;
  const fill = (name: string): string => {
    const value = params[`${name}_${locale}`] ?? params[name];
    if (value === undefined) return `{${name}}`;
    const vocabulary = VOCABULARY[name];
    const vocabularyKey = vocabulary ? `${vocabulary}${value}` : '';
    return vocabulary && isMessageKey(vocabularyKey) ? CATALOGS[locale][vocabularyKey] : String(value);
  };
  if (!template.includes(', plural,') && !template.includes(', select,')) return template.replace(/\{(\w+)\}/g, (_, name: string) => fill(name));
  return render(parsed(template), locale, params, fill);
}

// A message may choose its words by a number's CLDR plural category or by a code (a noun's gender, a
// tier), in the ICU MessageFormat subset `{n, plural, one {# Parte} other {# Partes}}` and
// `{channel, select, point-of-contact-24-7 {registrado} other {registrada}}`; `#` is the number.
type Part = string | { arg: string } | { arg: string; kind: 'plural' | 'select'; branches: Map<string, Part[]> } | { hash: true };

const PARSED = new Map<string, Part[]>();
function parsed(template: string): Part[] {
  let parts = PARSED.get(template);
  if (!parts) {
    parts = parseMessage(template, { at: 0 }, false);
    PARSED.set(template, parts);
  }
  return parts;
}

function parseMessage(s: string, pos: { at: number }, inBranch: boolean): Part[] {
  const parts: Part[] = [];
  let text = '';
  const flush = () => {
    if (text) parts.push(text);
    text = '';
  };
  while (pos.at < s.length) {
    const ch = s[pos.at] as string;
    if (ch === '}' && inBranch) break;
    if (ch === '#' && inBranch) {
      flush();
      parts.push({ hash: true });
      pos.at += 1;
      continue;
    }
    if (ch !== '{') {
      text += ch;
      pos.at += 1;
      continue;
    }
    const close = s.indexOf('}', pos.at);
    const simple = /^\{(\w+)\}/.exec(s.slice(pos.at, close + 1));
    if (simple) {
      flush();
      parts.push({ arg: simple[1] as string });
      pos.at += simple[0].length;
      continue;
    }
    const head = /^\{(\w+), (plural|select),\s*/.exec(s.slice(pos.at));
    if (!head) {
      text += ch;
      pos.at += 1;
      continue;
    }
    flush();
    pos.at += head[0].length;
    const branches = new Map<string, Part[]>();
    while (pos.at < s.length && s[pos.at] !== '}') {
      const label = /^([\w=-]+)\s*\{/.exec(s.slice(pos.at));
      if (!label) throw new Error(`malformed message at ${pos.at}: ${s}`);
      pos.at += label[0].length;
      branches.set(label[1] as string, parseMessage(s, pos, true));
      pos.at += 1; // the branch's closing brace
      while (s[pos.at] === ' ') pos.at += 1;
    }
    pos.at += 1; // the argument's closing brace
    parts.push({ arg: head[1] as string, kind: head[2] as 'plural' | 'select', branches });
  }
  flush();
  return parts;
}

function render(parts: Part[], locale: Locale, params: Record<string, string | number>, fill: (name: string) => string, count?: number): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'string') out += p;
    else if ('hash' in p) out += count === undefined ? '#' : new Intl.NumberFormat(formatTag(locale)).format(count);
    else if (!('kind' in p)) out += fill(p.arg);
    else {
      const value = params[p.arg];
      let branch: Part[] | undefined;
      let n: number | undefined;
      if (p.kind === 'plural') {
        n = Number(value);
        branch = p.branches.get(`=${n}`) ?? p.branches.get(new Intl.PluralRules(formatTag(locale)).select(n));
      } else {
        branch = p.branches.get(String(value));
      }
      out += render(branch ?? p.branches.get('other') ?? [], locale, params, fill, n ?? count);
    }
  }
  return out;
}

/** The arguments a message uses, plain or choosing (`{n, plural, …}`), for checking that translations agree. */
export function messageArguments(template: string): string[] {
  const names = new Set<string>();
  const walk = (parts: Part[]) => {
    for (const p of parts) {
      if (typeof p === 'string' || 'hash' in p) continue;
      names.add(p.arg);
      if ('kind' in p) for (const b of p.branches.values()) walk(b);
    }
  };
  walk(parsed(template));
  return [...names].sort();
}

/** The BCP 47 tag numbers and dates are formatted with: Peru's Spanish, British English. */
export const formatTag = (locale: Locale): string => (locale === 'es' ? 'es-PE' : 'en-GB');

/**
 * A message that depends on a count: `<key>.one` or `<key>.other` by the locale's CLDR plural rules
 * (Spanish and English have those two), with `{count}` formatted in the locale's digits.
 */
export function tCount(locale: Locale, key: string, count: number, params: Record<string, string | number> = {}): string {
  const category = new Intl.PluralRules(formatTag(locale)).select(count) === 'one' ? 'one' : 'other';
  return t(locale, `${key}.${category}`, { ...params, count: new Intl.NumberFormat(formatTag(locale)).format(count) });
}

/**
 * A field problem's message in the reader's language (`field.<code>` with its parameters); a code
 * without a message falls back to the problem's own message, then its code.
 */
export function fieldMessage(locale: Locale, f: { code: string; message?: string | undefined; params?: Record<string, string | number> | undefined }): string {
  const key = `field.${f.code}`;
  return isMessageKey(key) ? t(locale, key, f.params ?? {}) : (f.message ?? f.code);
}

/** The keys under `prefix`, without it. */
export type KeysUnder<P extends string, K = MessageKey> = K extends `${P}${infer Rest}` ? Rest : never;

/**
 * The messages whose keys start with `prefix`, keyed without it, as they are (placeholders unfilled):
 * for a set of words read as a whole, such as a PDF document's (cooperation/document-text.ts).
 */
export function messagesUnder<P extends string>(locale: Locale, prefix: P): Record<KeysUnder<P>, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(CATALOGS[locale])) if (key.startsWith(prefix)) out[key.slice(prefix.length)] = value;
  return out as Record<KeysUnder<P>, string>;
}

/** Picks a supported locale from an explicit choice, then an Accept-Language header, else Spanish. */
export function negotiateLocale(explicit: string | undefined, acceptLanguage: string | undefined): Locale {
  if (explicit === 'es' || explicit === 'en') return explicit;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0]?.trim().toLowerCase().slice(0, 2);
    if (tag === 'es' || tag === 'en') return tag;
  }
  return DEFAULT_LOCALE;
}

/** Long date with the time zone named, as people read it (e.g. "1 de diciembre de 2019"). */
export function formatDate(locale: Locale, iso: string): string {
  return new Intl.DateTimeFormat(locale === 'es' ? 'es-PE' : 'en-GB', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`));
}
