import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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
  /** Where evidence blobs go: `local` (files under blobDir) or `s3` (an S3-compatible bucket). */
  blobStore: z.enum(['local', 's3']).default('local'),
  /** The local blob store's directory; default <dataDir>/blobs. */
  blobDir: z.string().min(1).optional(),
  s3Endpoint: z.string().url().optional(),
  s3Region: z.string().min(1).default('us-east-1'),
  s3Bucket: z.string().min(3).max(63).optional(),
  s3AccessKeyId: z.string().min(1).optional(),
  s3SecretAccessKey: z.string().min(1).optional(),
  s3Prefix: z.string().max(200).default(''),
  /** Outgoing mail for deadline reminders; without a host, reminders stay in the application only. */
  smtpHost: z.string().min(1).optional(),
  smtpPort: z.coerce.number().int().min(1).max(65535).default(587),
  /** `starttls` (port 587, upgraded; refused if the server does not offer it), `tls` (465) or `none` (a local relay only). */
  smtpSecurity: z.enum(['starttls', 'tls', 'none']).default('starttls'),
  smtpUser: z.string().min(1).optional(),
  smtpPassword: z.string().min(1).optional(),
  smtpFrom: z
    .string()
    .regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address')
    .optional(),
  /** Where tus uploads are staged (encrypted) until complete; default <dataDir>/uploads. Local disk. */
  uploadDir: z.string().min(1).optional(),
  /** Hours an unfinished upload is kept after its creation before it expires. */
  uploadExpiryHours: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(24),
  /** The largest upload accepted, bytes (default 2 TiB). */
  maxUploadBytes: z.coerce
    .number()
    .int()
    .min(1)
    .default(2 * 1024 ** 4),
  /** Minutes between background fixity rounds (0 turns them off); each round re-verifies the items checked longest ago. */
  fixityIntervalMinutes: z.coerce
    .number()
    .int()
    .min(0)
    .default(24 * 60),
  /**
   * Requests a minute per API token and per browser session (0: no limit); over it, 429
   * `http.rate_limited` with Retry-After. Counted in the database, so all processes share it.
   */
  rateLimitPerCredential: z.coerce.number().int().min(0).default(600),
  /** Requests a minute per source address for requests without a valid credential (0: no limit). */
  rateLimitPerSource: z.coerce.number().int().min(0).default(1200),
});

export type Config = z.infer<typeof ConfigSchema> & { sqlitePath: string; blobDir: string; uploadDir: string };

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
  CUSTODIA_BLOB_STORE: 'blobStore',
  CUSTODIA_BLOB_DIR: 'blobDir',
  CUSTODIA_S3_ENDPOINT: 's3Endpoint',
  CUSTODIA_S3_REGION: 's3Region',
  CUSTODIA_S3_BUCKET: 's3Bucket',
  CUSTODIA_S3_ACCESS_KEY_ID: 's3AccessKeyId',
  CUSTODIA_S3_SECRET_ACCESS_KEY: 's3SecretAccessKey',
  CUSTODIA_S3_PREFIX: 's3Prefix',
  CUSTODIA_SMTP_HOST: 'smtpHost',
  CUSTODIA_SMTP_PORT: 'smtpPort',
  CUSTODIA_SMTP_SECURITY: 'smtpSecurity',
  CUSTODIA_SMTP_USER: 'smtpUser',
  CUSTODIA_SMTP_PASSWORD: 'smtpPassword',
  CUSTODIA_SMTP_FROM: 'smtpFrom',
  CUSTODIA_UPLOAD_DIR: 'uploadDir',
  CUSTODIA_UPLOAD_EXPIRY_HOURS: 'uploadExpiryHours',
  CUSTODIA_MAX_UPLOAD_BYTES: 'maxUploadBytes',
  CUSTODIA_FIXITY_INTERVAL_MINUTES: 'fixityIntervalMinutes',
  CUSTODIA_RATE_LIMIT_PER_CREDENTIAL: 'rateLimitPerCredential',
  CUSTODIA_RATE_LIMIT_PER_SOURCE: 'rateLimitPerSource',
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
  const s3 = parsed.data;
  if (s3.blobStore === 's3') {
    const missing = (['s3Endpoint', 's3Bucket', 's3AccessKeyId', 's3SecretAccessKey'] as const).filter((key) => !s3[key]);
    if (missing.length > 0) {
      throw new AppError('config.invalid', {
        message: 'the S3 blob store needs an endpoint, a bucket and credentials',
        fields: missing.map((path) => ({ path, code: 'config.missing_value' })),
      });
    }
  }
  if (s3.smtpHost && !s3.smtpFrom) {
    throw new AppError('config.invalid', {
      message: 'mail needs a sender address (CUSTODIA_SMTP_FROM)',
      fields: [{ path: 'smtpFrom', code: 'config.missing_value' }],
    });
  }
  return {
    ...parsed.data,
    dataDir,
    sqlitePath: join(dataDir, 'custodia.sqlite'),
    blobDir: resolve(parsed.data.blobDir ?? join(dataDir, 'blobs')),
    uploadDir: resolve(parsed.data.uploadDir ?? join(dataDir, 'uploads')),
  };
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
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
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

/**
 * The data directory holds the database, the master key, blobs and staged uploads: it is created
 * readable by the owner only (0700), and a node refuses to start on one that its group or everyone
 * may write to (`config.data_dir_unsafe`): anyone who can write there can swap the database or the key.
 */
export function prepareDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const mode = statSync(dir).mode & 0o777;
  if ((mode & 0o022) !== 0) {
    throw new AppError('config.data_dir_unsafe', {
      message: `the data directory ${dir} is writable by its group or by everyone (mode ${mode.toString(8).padStart(4, '0')}); run chmod 700 on it`,
      params: { dir, mode: mode.toString(8).padStart(4, '0') },
      fields: [{ path: 'dataDir', code: 'config.data_dir_unsafe' }],
    });
  }
}

/**
 * Every command but `serve` and `migrate` works on a node that exists: it refuses a data directory
 * that is not there (`config.data_dir_missing`, naming where it looked) rather than creating a new,
 * empty node and answering from it ("no members").
 */
export function requireDataDir(config: Config, env: NodeJS.ProcessEnv = process.env): void {
  if (existsSync(config.dataDir)) return;
  const from = env.CUSTODIA_DATA_DIR ? 'CUSTODIA_DATA_DIR' : 'the default, ./data in the working directory, as CUSTODIA_DATA_DIR is not set';
  throw new AppError('config.data_dir_missing', {
    message: `there is no data directory at ${config.dataDir} (${from}); set CUSTODIA_DATA_DIR to the node's data directory (only serve and migrate create one)`,
    params: { dir: config.dataDir },
    fields: [{ path: 'CUSTODIA_DATA_DIR', code: 'config.data_dir_missing' }],
  });
}

const SERVING_FILE = 'serving-at';

/** A serving node notes in its data directory where it listens, for the links the CLI prints. */
export function recordServingAddress(config: Config, url: string): void {
  writeFileSync(join(config.dataDir, SERVING_FILE), `${url}\n`, { mode: 0o600 });
}

/**
 * Where links printed to the operator point: the node's public URL; else the address the node last
 * served at (noted in its data directory); else this machine's configured port. `from` says which:
 * anything but the public URL is a guess the operator is warned about.
 */
export function linkBase(config: Config): { base: string; from: 'public-url' | 'serving' | 'port' } {
  if (config.publicUrl) return { base: config.publicUrl.replace(/\/+$/, ''), from: 'public-url' };
  try {
    const noted = readFileSync(join(config.dataDir, SERVING_FILE), 'utf8').trim();
    if (/^https?:\/\/[^\s/]+$/.test(noted)) return { base: noted, from: 'serving' };
  } catch {
    // No node has served from this data directory yet.
  }
  return { base: `http://localhost:${config.port}`, from: 'port' };
}
