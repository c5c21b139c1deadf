import type { FastifyInstance } from 'fastify';
import type { App } from '../../../app.ts';
import { type Locale, t } from '../../../i18n/index.ts';
import { leafHash, verifyInclusion } from '../../../lib/tlog/merkle.ts';
import type { Principal } from '../../../modules/identity/index.ts';
import { html, type SafeHtml } from '../../html.ts';
import { href } from '../layout.ts';
import { errorSummary, type FieldErrors, langField, one, queryOf, send, textField } from './common.ts';

const MAX_SUBJECT = 200;
const SUBJECT_LIMIT = 100;

type Signed = NonNullable<Awaited<ReturnType<App['ledger']['signedCheckpoint']>>>;

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

function lookupHref(locale: Locale, query: Record<string, string>): string {
  return href(locale, `/ledger?${new URLSearchParams(query).toString()}`);
}

/** The instant as people read it in the node's time zone, with the ISO form kept machine-readable. */
function instant(locale: Locale, iso: string, timeZone: string): SafeHtml {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return html`${iso}`;
  let shown: string;
  try {
    shown = new Intl.DateTimeFormat(locale === 'es' ? 'es-PE' : 'en-GB', { dateStyle: 'long', timeStyle: 'long', timeZone }).format(date);
  } catch {
    shown = iso;
  }
  return html`<time datetime="${iso}">${shown}</time> (${timeZone}; <code>${iso}</code>)`;
}

function none(locale: Locale): SafeHtml {
  return html`<em>${t(locale, 'common.none')}</em>`;
}

async function checkpointSection(app: App, locale: Locale, signed: Signed | undefined, size: number): Promise<SafeHtml> {
  const title = html`<h2 id="checkpoint-title">${t(locale, 'ledger.checkpoint')}</h2>`;
  if (!signed) {
    const sentence = size === 0 ? t(locale, 'ledger.empty') : t(locale, 'ledger.noCheckpoint', { size });
    return html`<section aria-labelledby="checkpoint-title">${title}<p>${sentence}</p>${vkeyBlock(app, locale)}</section>`;
  }
  const cp = signed.checkpoint;
  const peers = await app.ledger.listWitnessPeers();
  const tilesLink = html`<a href="https://c2sp.org/tlog-tiles">C2SP tlog-tiles</a>`;
  return html`<section aria-labelledby="checkpoint-title">
${title}
<dl class="facts ledger-facts">
<dt>${t(locale, 'ledger.origin')}</dt><dd><code>${app.ledger.origin}</code></dd>
<dt>${t(locale, 'ledger.size')}</dt><dd data-testid="checkpoint-size">${cp.size}</dd>
<dt>${t(locale, 'ledger.root')}</dt><dd><code>${b64(cp.root)}</code></dd>
<dt>${t(locale, 'ledger.signedAt')}</dt><dd>${instant(locale, cp.signedAt, app.config.timeZone)}</dd>
</dl>
${size > cp.size ? html`<p>${t(locale, 'ledger.pending', { count: size - cp.size })}</p>` : ''}
<h3>${t(locale, 'ledger.note')}</h3>
<p>${t(locale, 'ledger.noteCaption')}</p>
<pre class="ledger-note">${signed.note}</pre>
<p><a href="/ledger/checkpoint">${t(locale, 'ledger.raw')}</a></p>
<p>${splice(t(locale, 'ledger.tiles', { link: '\u0000' }), tilesLink)}</p>
${vkeyBlock(app, locale)}
<h3>${t(locale, 'ledger.witnesses')}</h3>
<p>${t(locale, 'ledger.witnessesIntro')}</p>
<h4>${t(locale, 'ledger.cosigners')}</h4>
${signed.cosigners.length > 0 ? html`<ul>${signed.cosigners.map((c) => html`<li><code>${c}</code></li>`)}</ul>` : html`<p>${none(locale)}</p>`}
${
  peers.length > 0
    ? html`<div class="table-scroll">
<table class="ledger-table">
<caption>${t(locale, 'ledger.peersCaption')}</caption>
<thead><tr><th scope="col">${t(locale, 'ledger.peer')}</th><th scope="col">${t(locale, 'ledger.peerSize')}</th><th scope="col">${t(locale, 'ledger.peerError')}</th></tr></thead>
<tbody>${peers.map(
        (p) =>
          html`<tr><th scope="row"><code>${p.name}</code></th><td>${p.cosignedSize}</td><td>${p.lastError ? html`<span class="field-error">${p.lastError}</span>` : none(locale)}</td></tr>`,
      )}</tbody>
</table>
</div>`
    : html`<p>${t(locale, 'ledger.noPeers')}</p>`
}
</section>`;
}

/** Splices a piece of markup into a translated sentence at the `\u0000` placeholder, escaping the rest. */
function splice(sentence: string, inserted: SafeHtml): SafeHtml {
  const [before = '', after = ''] = sentence.split('\u0000');
  return html`${before}${inserted}${after}`;
}

function vkeyBlock(app: App, locale: Locale): SafeHtml {
  return html`<h3>${t(locale, 'ledger.vkey')}</h3>
<p><code class="vkey">${app.ledger.vkey()}</code></p>
<p>${t(locale, 'ledger.vkeyExplain')}</p>`;
}

async function witnessedSection(app: App, locale: Locale): Promise<SafeHtml> {
  const logs = await app.ledger.listWitnessedLogs();
  return html`<section aria-labelledby="witnessed-title">
<h2 id="witnessed-title">${t(locale, 'ledger.witnessed')}</h2>
<h3>${t(locale, 'ledger.witnessVkey')}</h3>
<p><code class="vkey">${app.ledger.witnessVkey()}</code></p>
${
  logs.length > 0
    ? html`<div class="table-scroll">
<table class="ledger-table">
<caption>${t(locale, 'ledger.witnessedCaption')}</caption>
<thead><tr><th scope="col">${t(locale, 'ledger.witnessedLog')}</th><th scope="col">${t(locale, 'ledger.witnessedSize')}</th><th scope="col">${t(locale, 'ledger.witnessedAt')}</th></tr></thead>
<tbody>${logs.map((l) => html`<tr><th scope="row"><code>${l.origin}</code></th><td>${l.size}</td><td>${l.updatedAt}</td></tr>`)}</tbody>
</table>
</div>`
    : html`<p>${t(locale, 'ledger.noWitnessed')}</p>`
}
</section>`;
}

interface LookupValues {
  index: string | undefined;
  subject: string | undefined;
}

function lookupForm(locale: Locale, values: LookupValues, errors: FieldErrors): SafeHtml {
  return html`<section aria-labelledby="lookup-title">
<h2 id="lookup-title">${t(locale, 'ledger.lookup')}</h2>
<p>${t(locale, 'ledger.lookupIntro')}</p>
<form class="query" method="get" action="/ledger" novalidate>
${langField(locale)}
${textField({ id: 'index', label: t(locale, 'ledger.form.index'), value: values.index, errors, hint: t(locale, 'ledger.form.index.hint') })}
${textField({ id: 'subject', label: t(locale, 'ledger.form.subject'), value: values.subject, errors, hint: t(locale, 'ledger.form.subject.hint') })}
<div><button type="submit">${t(locale, 'ledger.form.submit')}</button></div>
</form>
</section>`;
}

function dataValue(locale: Locale, value: unknown): SafeHtml {
  if (value === null || value === undefined) return none(locale);
  if (typeof value === 'string') return html`${value}`;
  return html`<code>${String(value)}</code>`;
}

async function entryView(app: App, locale: Locale, index: number, principal: Principal | undefined): Promise<SafeHtml> {
  const found = await app.cases.ledgerEntries.read(principal, index);
  let signed = await app.ledger.signedCheckpoint();
  if (!signed || signed.checkpoint.size <= index) {
    // The entry is durable but not yet under a signed checkpoint: sign one now (as the proof bundle does).
    await app.ledger.publish();
    signed = await app.ledger.signedCheckpoint();
  }
  const blinded = found.leaf.kind === 'blinded' ? found.leaf.leaf : undefined;
  const publicPart = blinded
    ? html`<h3>${t(locale, 'ledger.public')}</h3>
<p>${t(locale, 'ledger.publicExplain')}</p>
<dl class="facts ledger-facts">
<dt>${t(locale, 'ledger.entry.type')}</dt><dd><code>${blinded.type}</code></dd>
<dt>${t(locale, 'ledger.entry.at')}</dt><dd>${instant(locale, blinded.at, app.config.timeZone)}</dd>
<dt>${t(locale, 'ledger.entry.node')}</dt><dd><code>${blinded.node}</code></dd>
<dt>${t(locale, 'ledger.entry.commitment')}</dt><dd><code>${blinded.commitment}</code></dd>
<dt>${t(locale, 'ledger.entry.subjectCommitments')}</dt><dd><ul>${blinded.subjects.map((c) => html`<li><code>${c}</code></li>`)}</ul></dd>
<dt>${t(locale, 'ledger.entry.recordedAt')}</dt><dd>${instant(locale, found.recordedAt, app.config.timeZone)}</dd>
</dl>`
    : html`<p>${t(locale, 'ledger.legacyEntry')}</p>`;
  const withheld = found.withheld
    ? html`<div class="notice" role="status"><p>${t(locale, `ledger.withheld.${found.withheld.reason}`)}</p>${
        found.withheld.reason === 'sign-in'
          ? html`<p><a href="${href(locale, `/login?next=${encodeURIComponent(`/ledger?index=${index}`)}`)}">${t(locale, 'ledger.signInToSee')}</a></p>`
          : ''
      }</div>`
    : '';
  const entry = found.disclosure?.details;
  const salt = found.disclosure?.salt;
  const hashes = entry ? Object.entries(entry.hashes) : [];
  const data = entry ? Object.entries(entry.data) : [];
  const details = entry
    ? html`<h3>${t(locale, 'ledger.details')}</h3>
<dl class="facts ledger-facts">
<dt>${t(locale, 'ledger.entry.type')}</dt><dd><code>${entry.type}</code></dd>
<dt>${t(locale, 'ledger.entry.subjects')}</dt>
<dd><ul>${entry.subjects.map((s) => html`<li><a href="${lookupHref(locale, { subject: s })}"><code>${s}</code></a></li>`)}</ul></dd>
<dt>${t(locale, 'ledger.entry.actor')}</dt><dd>${entry.actor}</dd>
<dt>${t(locale, 'ledger.entry.at')}</dt><dd>${instant(locale, entry.at, app.config.timeZone)}</dd>
<dt>${t(locale, 'ledger.entry.hashes')}</dt>
<dd>${hashes.length > 0 ? html`<ul>${hashes.map(([name, value]) => html`<li>${name}: <code>${value}</code></li>`)}</ul>` : none(locale)}</dd>
<dt>${t(locale, 'ledger.entry.refs')}</dt>
<dd>${
        entry.refs.length > 0
          ? html`<ul>${entry.refs.map((r) => html`<li><a href="${lookupHref(locale, { index: String(r) })}">${t(locale, 'ledger.entryLink', { index: r })}</a></li>`)}</ul>`
          : none(locale)
      }</dd>
<dt>${t(locale, 'ledger.entry.data')}</dt>
<dd>${data.length > 0 ? html`<dl class="facts ledger-data">${data.map(([k, v]) => html`<dt>${k}</dt><dd>${dataValue(locale, v)}</dd>`)}</dl>` : none(locale)}</dd>
${salt ? html`<dt>${t(locale, 'ledger.entry.salt')}</dt><dd><code>${b64(salt)}</code></dd>` : ''}
</dl>
${salt ? html`<p><a href="${`/api/v1/ledger/entries/${index}/disclosure`}" download="${`custodia-entry-${index}.disclosure.json`}">${t(locale, 'ledger.disclosureDownload', { file: `custodia-entry-${index}.disclosure.json` })}</a></p>` : ''}`
    : '';

  let proofBlock: SafeHtml;
  if (!signed || signed.checkpoint.size <= index) {
    proofBlock = html`<p>${t(locale, 'ledger.inclusion.pending')}</p>`;
  } else {
    const cp = signed.checkpoint;
    const proof = await app.ledger.inclusion(index, cp.size);
    // Checked from the entry's own bytes against the signed root, not from what the store says the leaf is.
    const leaf = leafHash(found.bytes);
    let failure: string | undefined;
    try {
      verifyInclusion(leaf, index, cp.size, proof.proof, cp.root);
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    const file = `custodia-entry-${index}.tlog-proof`;
    const disclosure = salt ? ` --disclosure custodia-entry-${index}.disclosure.json` : '';
    const command = `npx custodia ledger verify-proof ${file} --vkey '${app.ledger.vkey()}'${disclosure}`;
    // A legacy bundle carries the whole entry: offered only with its details.
    const bundleOffered = blinded !== undefined || entry !== undefined;
    proofBlock = html`<dl class="facts ledger-facts">
<dt>${t(locale, 'ledger.inclusion.size')}</dt><dd>${cp.size}</dd>
<dt>${t(locale, 'ledger.inclusion.leaf')}</dt><dd><code>${b64(leaf)}</code></dd>
<dt>${t(locale, 'ledger.inclusion.root')}</dt><dd><code>${b64(cp.root)}</code></dd>
<dt>${t(locale, 'ledger.inclusion.proof')}</dt>
<dd>${proof.proof.length > 0 ? html`<ol class="proof-hashes">${proof.proof.map((h) => html`<li><code>${b64(h)}</code></li>`)}</ol>` : t(locale, 'ledger.inclusion.noHashes')}</dd>
</dl>
${
  failure === undefined
    ? html`<div class="verify-result ok"><p><strong>✓ ${t(locale, 'ledger.inclusion.ok')}</strong></p><p>${t(locale, 'ledger.inclusion.okDetail', { size: cp.size })}</p></div>`
    : html`<div class="verify-result failed" role="alert"><p><strong>✗ ${t(locale, 'ledger.inclusion.failed')}</strong></p><p>${t(locale, 'ledger.inclusion.failedDetail', { reason: failure })}</p></div>`
}
${
  bundleOffered
    ? html`<h4>${t(locale, 'ledger.offline')}</h4>
<p><a href="${`/api/v1/ledger/entries/${index}/proof-bundle`}" download="${file}">${t(locale, 'ledger.bundle', { file })}</a></p>
<p>${t(locale, 'ledger.bundleExplain')}</p>
<pre class="ledger-command"><code>${command}</code></pre>`
    : ''
}`;
  }

  return html`<section class="results" aria-labelledby="entry-title">
<h2 id="entry-title">${t(locale, 'ledger.entry', { index })}</h2>
${publicPart}
${withheld}
${details}
<h3>${t(locale, 'ledger.inclusion')}</h3>
${proofBlock}
</section>`;
}

async function subjectView(app: App, locale: Locale, subject: string, principal: Principal | undefined): Promise<SafeHtml> {
  const heading = html`<h2 id="subject-title">${t(locale, 'ledger.subjectResults', { subject })}</h2>`;
  if (!principal) {
    // Which entries name a subject is itself case data: the public log holds only commitments.
    return html`<section class="results" aria-labelledby="subject-title">${heading}
<div class="notice" role="status"><p>${t(locale, 'ledger.subjectSignIn')}</p>
<p><a href="${href(locale, `/login?next=${encodeURIComponent(`/ledger?subject=${subject}`)}`)}">${t(locale, 'ledger.signInToSee')}</a></p></div>
</section>`;
  }
  const indices = await app.cases.ledgerEntries.about(principal, subject, SUBJECT_LIMIT);
  if (indices.length === 0) {
    return html`<section class="results" aria-labelledby="subject-title">${heading}
<p>${t(locale, 'ledger.subjectNone', { subject })}</p>
</section>`;
  }
  return html`<section class="results" aria-labelledby="subject-title">${heading}
<ul class="ledger-indices">${indices.map((i) => html`<li><a href="${lookupHref(locale, { index: String(i) })}">${t(locale, 'ledger.entryLink', { index: i })}</a></li>`)}</ul>
${indices.length >= SUBJECT_LIMIT ? html`<p>${t(locale, 'ledger.subjectLimit', { count: SUBJECT_LIMIT })}</p>` : ''}
</section>`;
}

export function registerLedgerPage(server: FastifyInstance, app: App): void {
  server.get('/ledger', { config: { policy: 'public' } }, async (request, reply) => {
    const locale = request.locale;
    const query = queryOf(request);
    const values: LookupValues = { index: one(query.index)?.trim(), subject: one(query.subject)?.trim() };
    const asked = query.index !== undefined || query.subject !== undefined;
    const title = t(locale, 'ledger.title');
    const size = await app.ledger.size();

    const errors: FieldErrors = new Map();
    let result: SafeHtml = html``;
    if (asked) {
      if (values.index && values.subject) {
        errors.set('index', [t(locale, 'ledger.error.both')]);
      } else if (values.index) {
        if (!/^\d{1,15}$/.test(values.index)) {
          errors.set('index', [t(locale, 'field.ledger.index_invalid', { value: values.index })]);
        } else if (Number(values.index) >= size) {
          errors.set('index', [t(locale, 'field.ledger.index_out_of_range', { value: values.index, size })]);
        } else {
          result = await entryView(app, locale, Number(values.index), request.principal);
        }
      } else if (values.subject) {
        if (values.subject.length > MAX_SUBJECT) errors.set('subject', [t(locale, 'ledger.error.subjectTooLong')]);
        else result = await subjectView(app, locale, values.subject, request.principal);
      } else {
        errors.set('index', [t(locale, 'ledger.error.empty')]);
      }
    }

    // Read after the lookup, which may have signed a newer checkpoint.
    const signed = await app.ledger.signedCheckpoint();
    const body = html`${errorSummary(locale, errors, (f) => f)}
<h1>${title}</h1>
<p>${t(locale, 'ledger.intro')}</p>
${lookupForm(locale, values, errors)}
${result}
${await checkpointSection(app, locale, signed, size)}
${await witnessedSection(app, locale)}`;
    return send(reply, request, app, undefined, {
      ...(errors.size > 0 ? { status: 422, title: t(locale, 'form.errors.pageTitle', { title }) } : { title }),
      path: '/ledger',
      body,
    });
  });
}
