import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AppError } from '../lib/errors.ts';

/** The repository root: shipped knowledge-base files live under it. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const ConfigSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  host: z.string().min(1).default('0.0.0.0'),
  dataDir: z.string().min(1).default('./data'),
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  kbDir: z.string().min(1).default(join(PROJECT_ROOT, 'kb')),
  timeZone: z.string().min(1).default('America/Lima'),
  /** The first admin's email, used once when the node has nobody yet. */
  adminEmail: z
    .string()
    .regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address')
    .default('admin@localhost'),
  /** The name of the organisation running the node, created at first start. */
  operatorName: z.string().min(2).max(200).default('Operador del nodo'),
  /** Where the first admin's enrolment link points to (printed at first start). */
  publicUrl: z.string().url().optional(),
  /** Key-encryption key (base64, 32 bytes) sealing the node's signing keys; default: a file in the data directory. */
  masterKey: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64')
    .optional(),
  /** The custody log's origin line (a schema-less URL); default: derived once at first start. */
  logOrigin: z
    .string()
    .regex(/^[a-zA-Z0-9.-]+(?::\d+)?(?:\/[\w.~/-]*)?$/, 'must be a schema-less URL such as custodia.example.pe/ledger')
    .optional(),
});

export type Config = z.infer<typeof ConfigSchema> & { sqlitePath: string };

const ENV_KEYS: Record<string, keyof z.input<typeof ConfigSchema>> = {
  PORT: 'port',
  HOST: 'host',
  CUSTODIA_DATA_DIR: 'dataDir',
  DATABASE_URL: 'databaseUrl',
  LOG_LEVEL: 'logLevel',
  CUSTODIA_KB_DIR: 'kbDir',
  CUSTODIA_TIME_ZONE: 'timeZone',
  CUSTODIA_PUBLIC_URL: 'publicUrl',
  CUSTODIA_ADMIN_EMAIL: 'adminEmail',
  CUSTODIA_OPERATOR_NAME: 'operatorName',
  CUSTODIA_MASTER_KEY: 'masterKey',
  CUSTODIA_LOG_ORIGIN: 'logOrigin',
};

/**
 * The only place configuration is read. Precedence: explicit overrides > environment >
 * the JSON file named by CUSTODIA_CONFIG (or ./custodia.config.json) > defaults.
 * Throws AppError('config.invalid') listing every invalid key.
 */
export function loadConfig(overrides: Partial<z.input<typeof ConfigSchema>> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const filePath = env.CUSTODIA_CONFIG ?? (existsSync('custodia.config.json') ? 'custodia.config.json' : undefined);
  let fromFile: Record<string, unknown> = {};
  if (filePath) {
    try {
      fromFile = JSON.parse(readFileSync(filePath, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new AppError('config.invalid', {
        message: `cannot read configuration file ${filePath}: ${(err as Error).message}`,
        fields: [{ path: 'CUSTODIA_CONFIG', code: 'config.unreadable' }],
      });
    }
  }
  const fromEnv: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value !== undefined && value !== '') fromEnv[key] = value;
  }
  const parsed = ConfigSchema.safeParse({ ...fromFile, ...fromEnv, ...overrides });
  if (!parsed.success) {
    throw new AppError('config.invalid', {
      message: 'invalid configuration',
      fields: parsed.error.issues.map((issue) => ({
        path: issue.path.join('.'),
        code: 'config.invalid_value',
        message: issue.message,
      })),
    });
  }
  const dataDir = resolve(parsed.data.dataDir);
  return { ...parsed.data, dataDir, sqlitePath: join(dataDir, 'custodia.sqlite') };
}

/** Who runs a CLI command and which language their shell asks for: recorded as the actor of imports. */
export function operatorEnvironment(env: NodeJS.ProcessEnv = process.env): { user: string; language: string | undefined } {
  return { user: env.USER ?? env.LOGNAME ?? 'unknown', language: env.LC_ALL ?? env.LANG };
}

/**
 * The key-encryption key for keys stored at rest. From CUSTODIA_MASTER_KEY when set (production:
 * from a secret store); otherwise generated once into <dataDir>/master.key, readable by the owner only.
 */
export function loadMasterKey(config: Config): Buffer {
  if (config.masterKey) return Buffer.from(config.masterKey, 'base64');
  const path = join(config.dataDir, 'master.key');
  if (!existsSync(path)) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(path, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  }
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length !== 32)
    throw new AppError('config.invalid', {
      message: `${path} does not hold a 32-byte base64 key`,
      fields: [{ path: 'masterKey', code: 'config.invalid_value' }],
    });
  return key;
}
