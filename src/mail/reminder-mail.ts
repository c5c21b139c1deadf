import { t } from '../i18n/index.ts';
import { isoWithOffset } from '../lib/time.ts';
import type { Mailer } from '../modules/cooperation/index.ts';
import type { SendMail } from './smtp.ts';

/**
 * A deadline reminder as an e-mail in its reader's language. It says which request and which
 * deadline and links to the request; it carries no content of the case (mail leaves the node).
 */
export function reminderMailer(send: SendMail, options: { publicUrl: string | undefined; timeZone: string }): Mailer {
  return async (to, notification) => {
    const locale = to.locale === 'en' ? 'en' : 'es';
    const level = notification.kind.replace(/^deadline\./, '');
    const params: Record<string, string> = { ...notification.params, due: isoWithOffset(new Date(notification.params.dueAt ?? ''), options.timeZone) };
    const link = options.publicUrl ? `\n\n${options.publicUrl.replace(/\/$/, '')}/requests/${encodeURIComponent(params.request ?? '')}` : '';
    await send({
      to: { email: to.email, name: to.name },
      language: locale,
      subject: t(locale, 'mail.deadline.subject', params),
      text: `${t(locale, `mail.deadline.${level}`, params)}${link}\n\n${t(locale, 'mail.footer')}\n`,
    });
  };
}
