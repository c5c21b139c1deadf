// What the page tests share: a signed-in browser, its session cookie, multipart forms as a browser
// builds them, and HTML text with its entities decoded.
import { randomBytes } from 'node:crypto';
import type { App } from '../../src/app.ts';
import type { Principal } from '../../src/modules/identity/index.ts';
import { type EnrolledUser, login, type ManualClock } from './identity.ts';

/** A person signed in on the web: their session secret, its CSRF token and who they are. */
export interface Browser {
  secret: string;
  csrf: string;
  principal: Principal;
}

export async function signIn(app: App, clock: ManualClock, user: EnrolledUser): Promise<Browser> {
  const secret = await login(app, clock, user);
  const principal = (await app.identity.sessions.authenticate(secret)) as Principal;
  return { secret, csrf: principal.csrfToken as string, principal };
}

export const sessionCookie = (who: Browser) => `__Host-custodia_session=${who.secret}`;

/** The text of HTML with the entities the pages escape turned back into characters. */
export const decodeHtml = (s: string) =>
  s.replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&#39;', "'");

/** A form field, or a file (sent as application/octet-stream unless `type` says otherwise). */
export type FormPart = [name: string, value: string | { filename: string; content: Buffer; type?: string }];

/** A multipart/form-data body in the order given, as a browser builds it from a form. */
export function multipart(parts: FormPart[]): { payload: Buffer; contentType: string } {
  const boundary = `----custodia${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of parts) {
    if (typeof value === 'string') {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
    } else {
      const head = `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${value.filename}"\r\nContent-Type: ${value.type ?? 'application/octet-stream'}\r\n\r\n`;
      chunks.push(Buffer.from(head), value.content, Buffer.from('\r\n'));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
