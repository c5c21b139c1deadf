import type { Transporter } from 'nodemailer';
import type { Config } from '../config/config.ts';

export interface OutgoingMail {
  to: { email: string; name: string };
  subject: string;
  text: string;
  /** The language of the message (Content-Language), so mail clients and screen readers get it right. */
  language: 'es' | 'en';
}

export type SendMail = (mail: OutgoingMail) => Promise<void>;

/**
 * The node's outgoing mail over SMTP, when it is configured. STARTTLS is required unless the operator
 * says `none` (a relay on the same host): a reminder names a case and a request, never sent in clear.
 */
export function smtpSender(config: Config): SendMail | undefined {
  if (!config.smtpHost || !config.smtpFrom) return undefined;
  // nodemailer is loaded with the first message: most processes (every CLI command) send none.
  let transport: Promise<Transporter> | undefined;
  const connect = async () =>
    (await import('nodemailer')).default.createTransport({
      host: config.smtpHost,
      port: config.smtpPort,
      secure: config.smtpSecurity === 'tls',
      requireTLS: config.smtpSecurity === 'starttls',
      ignoreTLS: config.smtpSecurity === 'none',
      ...(config.smtpUser ? { auth: { user: config.smtpUser, pass: config.smtpPassword ?? '' } } : {}),
      connectionTimeout: 15_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  const from = config.smtpFrom;
  return async (mail) => {
    transport ??= connect();
    await (await transport).sendMail({
      from,
      to: { name: mail.to.name, address: mail.to.email },
      subject: mail.subject,
      text: mail.text,
      headers: { 'Content-Language': mail.language },
    });
  };
}
