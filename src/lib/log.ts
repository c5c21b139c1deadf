import { type Logger, pino } from 'pino';

/** Paths whose values never reach a log line (secrets, credentials, session material). */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'databaseUrl',
  '*.databaseUrl',
  'smtpPassword',
  '*.smtpPassword',
  's3SecretAccessKey',
  '*.s3SecretAccessKey',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
];

/** One-time links carry their secret in the path (/enrol/<token>): it never reaches a log line. */
export function redactUrl(url: string): string {
  return url.replace(/\/enrol\/[^/?#]+/g, '/enrol/[redacted]');
}

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
}

// Replaces Fastify's request serializer (same fields) so that URLs are redacted too.
const serializers = {
  req: (req: LoggedRequest) => ({ method: req.method, url: redactUrl(String(req.url ?? '')), host: req.host, remoteAddress: req.ip }),
};

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, serializers, base: { service: 'custodia' } },
    destination as pino.DestinationStream | undefined,
  );
}

/** Removes the password from a database URL before it is shown anywhere. */
export function maskUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
