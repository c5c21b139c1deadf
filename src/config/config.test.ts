import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AppError } from '../lib/errors.ts';
import { loadConfig } from './config.ts';

describe('configuration', () => {
  it('defaults to SQLite under ./data on port 8080', () => {
    const config = loadConfig({}, {});
    assert.equal(config.port, 8080);
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.sqlitePath, join(process.cwd(), 'data', 'custodia.sqlite'));
  });

  it('reads PORT, CUSTODIA_DATA_DIR and DATABASE_URL from the environment', () => {
    const config = loadConfig({}, { PORT: '9090', CUSTODIA_DATA_DIR: '/tmp/x', DATABASE_URL: 'postgres://u@h:5432/db' });
    assert.equal(config.port, 9090);
    assert.equal(config.sqlitePath, '/tmp/x/custodia.sqlite');
    assert.equal(config.databaseUrl, 'postgres://u@h:5432/db');
  });

  it('refuses invalid values, naming every one', () => {
    assert.throws(
      () => loadConfig({}, { PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' }),
      (error: unknown) => {
        assert.ok(error instanceof AppError);
        assert.equal(error.code, 'config.invalid');
        assert.deepEqual(error.fields.map((f) => f.path).sort(), ['databaseUrl', 'logLevel', 'port']);
        return true;
      },
    );
  });
});
