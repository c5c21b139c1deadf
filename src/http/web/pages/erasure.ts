import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../../app.ts';
import { t, tCount } from '../../../i18n/index.ts';
import { AppError } from '../../../lib/errors.ts';
import { asActor, type Erasure } from '../../../modules/identity/index.ts';
import { csrfField } from '../../auth/csrf.ts';
import { principalOf } from '../../context.ts';
import { html } from '../../html.ts';
import { href } from '../layout.ts';
import { bodyOf, errorSummary, type FieldErrors, formErrors, langField, one, onFields, sendPrivate, textArea, textField } from './common.ts';

const FIELDS = ['email', 'basis', 'confirm'] as const;
const PATH = '/admin/erasure';

interface Values {
  email?: string | undefined;
  basis?: string | undefined;
}

/**
 * Erasure of a person's data under data-protection law, for the operator's admins: the person's
 * ledger entries are crypto-shredded and their account stripped. The form says what it does and
 * what it cannot undo, and asks for an explicit confirmation; it works without JavaScript.
 */
export function registerErasurePage(server: FastifyInstance, app: App): void {
  const erase = { config: { policy: { permission: 'ledger.erase' as const } } };

  function page(request: FastifyRequest, reply: FastifyReply, state: { errors?: FieldErrors; status?: number; values?: Values; done?: Erasure } = {}) {
    const locale = request.locale;
    const title = t(locale, 'erasure.title');
    const errors = state.errors ?? new Map();
    const values = state.values ?? {};
    const done = state.done;
    return sendPrivate(reply, request, app, {
      title,
      path: PATH,
      status: state.status ?? 200,
      body: html`${errorSummary(locale, errors, (f) => f)}
<h1>${title}</h1>
${done ? html`<div class="notice" role="status"><p>${tCount(locale, 'erasure.done', done.shredded, { index: done.recordIndex })}</p></div>` : ''}
<p>${t(locale, 'erasure.intro')}</p>
<ul>
<li>${t(locale, 'erasure.what.ledger')}</li>
<li>${t(locale, 'erasure.what.account')}</li>
<li>${t(locale, 'erasure.what.members')}</li>
<li>${t(locale, 'erasure.what.irreversible')}</li>
</ul>
<form class="query" method="post" action="${PATH}" novalidate>
${csrfField(request, reply)}${langField(locale)}
${textField({ id: 'email', label: t(locale, 'account.email'), hint: t(locale, 'erasure.email.hint'), value: values.email, errors, type: 'email', autocomplete: 'off', required: true })}
${textArea({ id: 'basis', label: t(locale, 'erasure.basis'), hint: t(locale, 'erasure.basis.hint'), value: values.basis, errors, required: true, rows: 3, maxlength: 500 })}
<div class="field${errors.has('confirm') ? ' field-invalid' : ''}">
${errors.has('confirm') ? html`<p class="field-error" id="confirm-error">${errors.get('confirm')?.join(' ')}</p>` : ''}
<input type="checkbox" id="confirm" name="confirm" value="yes"${errors.has('confirm') ? html` aria-invalid="true" aria-describedby="confirm-error"` : ''}>
<label for="confirm">${t(locale, 'erasure.confirm')}</label>
</div>
<div><button type="submit">${t(locale, 'erasure.submit')}</button></div>
</form>
<p><a href="${href(locale, '/admin')}">${t(locale, 'admin.back')}</a></p>`,
    });
  }

  server.get(PATH, erase, async (request, reply) => page(request, reply));

  server.post(PATH, erase, async (request, reply) => {
    const body = bodyOf(request);
    const values: Values = { email: one(body.email), basis: one(body.basis) };
    if (one(body.confirm) !== 'yes') {
      return page(request, reply, { errors: new Map([['confirm', [t(request.locale, 'erasure.confirm.missing')]]]), status: 422, values });
    }
    try {
      const done = await app.identity.directory.erasePersonalData(asActor(principalOf(request)), { email: values.email ?? '', basis: values.basis ?? '' });
      return page(request, reply, { done });
    } catch (error) {
      if (error instanceof AppError && error.code === 'not_found')
        return page(request, reply, { errors: new Map([['email', [t(request.locale, 'field.identity.user_unknown')]]]), status: 404, values });
      const found = formErrors(request, error, 'email');
      return page(request, reply, { errors: onFields(found.errors, FIELDS, 'email'), status: found.status, values });
    }
  });
}
