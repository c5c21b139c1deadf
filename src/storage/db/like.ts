import { type RawBuilder, sql } from 'kysely';

/** `column LIKE 'prefix%'` with the prefix taken literally: its wildcards are escaped, on both databases. */
export function startsWith(column: string, prefix: string): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(column)} LIKE ${`${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`} ESCAPE '\\'`;
}
