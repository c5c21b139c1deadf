import { t } from '../../i18n/index.ts';
import { AppError } from '../../lib/errors.ts';
import type { Actor } from '../identity/index.ts';
import type { KnowledgeSnapshot } from '../knowledge/index.ts';
import { provisionFor } from './completeness.ts';
import { type CooperationDeps, requireRequest, toRequest } from './context.ts';
import { renderRequestHtml, renderRequestPdf } from './document.ts';
import type { DocumentParty, Locale, RequestDocument } from './document-model.ts';
import { type FrozenRequest, gather, loadVersions, type StoredVersion } from './versions.ts';

/**
 * The code printed on a sent request: the ledger index and the start of the content hash that the
 * entry at that index carries. Anyone holding the document reads the entry (`custodia ledger entry
 * <index>`, or the Ledger page) and compares: a different hash means a different document.
 */
export function verificationCode(index: number, contentHash: string): string {
  const h = contentHash.replace(/^sha256:/, '').toUpperCase();
  return `CUST-${index}-${h.slice(0, 4)}-${h.slice(4, 8)}-${h.slice(8, 12)}`;
}

function party(kb: KnowledgeSnapshot, state: string, authority: string | null): DocumentParty {
  const known = kb.states.get(state);
  const listed = authority ? kb.authorities(state).find((a) => a.id === authority) : undefined;
  return {
    state,
    stateName: known?.name ?? { es: state, en: state },
    ...(listed
      ? { authority: { name: listed.name, inDirectory: true } }
      : authority
        ? { authority: { name: { es: authority, en: authority }, inDirectory: false } }
        : {}),
  };
}

export function documentFor(
  kb: KnowledgeSnapshot,
  frozen: FrozenRequest,
  version: StoredVersion | undefined,
  signer: { organisation: string },
  logOrigin: string,
): RequestDocument {
  const r = frozen.request;
  const instrument = r.instrument ? kb.instruments.get(r.instrument) : undefined;
  const provision = provisionFor(instrument, r.type);
  const title = (locale: Locale) => t(locale, `request.title`, { measure: t(locale, `measure.${r.type}`) });
  return {
    reference: r.reference,
    caseReference: r.caseReference,
    direction: r.direction,
    measure: { id: r.type, label: { es: title('es'), en: title('en') } },
    instrument: {
      id: r.instrument ?? '',
      title: instrument?.title ?? { es: '—', en: '—' },
      shortTitle: instrument?.shortTitle ?? { es: '—', en: '—' },
      articles: provision?.articles ?? [],
    },
    requesting: party(kb, r.requestingState, r.requestingAuthority),
    requested: party(kb, r.requestedState, r.requestedAuthority),
    urgency: r.urgency,
    urgencyJustification: r.urgencyJustification,
    confidential: r.confidential,
    noNotification: r.noNotification,
    languages: r.languages,
    facts: frozen.facts,
    elements: (provision?.mandatoryContent ?? []).map((e) => ({ id: e.id, label: e.label, article: e.article, value: r.content[e.id] ?? '' })),
    identifiers: frozen.identifiers,
    ...(r.dueAt ? { dueAt: r.dueAt } : {}),
    version: r.version,
    draft: version === undefined,
    signature: { name: frozen.signedBy?.name ?? '', organisation: signer.organisation, role: '' },
    issuedAt: frozen.frozenAt,
    ...(version?.ledgerIndex !== null && version !== undefined
      ? {
          ledger: {
            index: version.ledgerIndex as number,
            origin: logOrigin,
            contentHash: `sha256:${version.contentHash}`,
            verificationCode: verificationCode(version.ledgerIndex as number, version.contentHash),
          },
        }
      : {}),
  };
}

export interface RenderedDocument {
  bytes: Buffer;
  contentType: string;
  fileName: string;
  version: number;
  draft: boolean;
}

/** The request's formal document: a fixed version as sent (reproducible bytes), or the draft as it stands. */
export interface Documents {
  /** The PDF (or HTML) of version `version`, else of the latest if the request is at it, else of the draft as it stands. */
  render(actor: Actor, orgId: string, reference: string, options: { locale: Locale; format?: 'pdf' | 'html'; version?: number }): Promise<RenderedDocument>;
}

export function createDocuments(deps: CooperationDeps): Documents {
  async function frozenOrDraft(actor: Actor, orgId: string, reference: string, wantedVersion?: number) {
    const row = await requireRequest(deps, actor, 'requests.read', orgId, reference);
    const request = toRequest(row);
    const versions = await loadVersions(deps.db, request.id);
    if (wantedVersion !== undefined) {
      const v = versions.find((x) => x.version === wantedVersion);
      if (!v) throw new AppError('not_found', { message: `request ${reference} has no version ${wantedVersion}` });
      return { frozen: v.frozen, version: v };
    }
    const latest = versions.at(-1);
    if (latest && latest.version === request.version) return { frozen: latest.frozen, version: latest };
    // Not fixed yet: the draft is rendered from what the request and its case say now.
    const frozen = await gather(deps.db, request, deps.clock.now().toISOString());
    return { frozen, version: undefined };
  }

  return {
    async render(
      actor: Actor,
      orgId: string,
      reference: string,
      options: { locale: Locale; format?: 'pdf' | 'html'; version?: number },
    ): Promise<RenderedDocument> {
      const { frozen, version } = await frozenOrDraft(actor, orgId, reference, options.version);
      const kb = await deps.knowledge.snapshot();
      const org = await deps.db.selectFrom('organisations').select('name').where('id', '=', orgId).executeTakeFirst();
      const doc = documentFor(kb, frozen, version, { organisation: org?.name ?? orgId }, deps.logOrigin);
      const base = `${reference}-v${doc.version}${doc.draft ? '-draft' : ''}-${options.locale}`;
      if (options.format === 'html') {
        return {
          bytes: Buffer.from(renderRequestHtml(doc, options.locale)),
          contentType: 'text/html; charset=utf-8',
          fileName: `${base}.html`,
          version: doc.version,
          draft: doc.draft,
        };
      }
      return { bytes: renderRequestPdf(doc, options.locale), contentType: 'application/pdf', fileName: `${base}.pdf`, version: doc.version, draft: doc.draft };
    },
  };
}
