import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { type SqliteDatabase, SqliteDialect, type SqliteStatement } from 'kysely';

// node:sqlite binds only numbers, strings, bigints, buffers and null; Kysely may hand us booleans
// and Dates, so they are normalised here rather than at every call site.
function bind(parameters: ReadonlyArray<unknown>): SQLInputValue[] {
  return parameters.map((value) => {
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (value instanceof Date) return value.toISOString();
    if (value === undefined) return null;
    return value as SQLInputValue;
  });
}

class NodeSqliteStatement implements SqliteStatement {
  readonly reader: boolean;
  readonly #statement: StatementSync;

  constructor(statement: StatementSync) {
    this.#statement = statement;
    this.reader = statement.columns().length > 0;
  }

  all(parameters: ReadonlyArray<unknown>): unknown[] {
    return this.#statement.all(...bind(parameters));
  }

  run(parameters: ReadonlyArray<unknown>): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.#statement.run(...bind(parameters));
  }

  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    return this.#statement.iterate(...bind(parameters)) as IterableIterator<unknown>;
  }
}

/** Adapts node:sqlite's DatabaseSync to the interface Kysely's SQLite dialect drives. */
export class NodeSqliteDatabase implements SqliteDatabase {
  readonly native: DatabaseSync;

  constructor(path: string) {
    this.native = new DatabaseSync(path);
    // WAL lets readers run beside the writer; busy_timeout waits instead of failing on a lock;
    // synchronous=FULL makes every commit durable before it is acknowledged (ledger appends rely on it).
    this.native.exec(
      'PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 8192;',
    );
  }

  // Compiling SQL costs more than running small statements; the same texts recur constantly.
  readonly #statements = new Map<string, NodeSqliteStatement>();

  prepare(sql: string): SqliteStatement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = new NodeSqliteStatement(this.native.prepare(sql));
      if (this.#statements.size >= 500) this.#statements.delete(this.#statements.keys().next().value as string);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  close(): void {
    this.#statements.clear();
    if (this.native.isOpen) this.native.close();
  }
}

export function nodeSqliteDialect(path: string): SqliteDialect {
  return new SqliteDialect({ database: new NodeSqliteDatabase(path) });
}
