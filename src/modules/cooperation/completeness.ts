import type { Instrument, MeasureProvision } from '../knowledge/index.ts';
import type { Gap, RequestRecord } from './model.ts';

/**
 * Below this many characters (after trimming), an answer is a placeholder ("x", "-", "ok"), not
 * content a foreign authority can act on: it is a gap of its own, `content_too_short`, so the drafter
 * is told it is too short rather than missing (docs/cooperation.md).
 */
export const MIN_CONTENT = 3;
const MIN_JUSTIFICATION = 10;

/** The provision of `instrument` that carries this type of request, if it provides one. */
export function provisionFor(instrument: Instrument | undefined, type: string): MeasureProvision | undefined {
  return instrument?.measures.find((m) => m.measure === type);
}

/**
 * Everything a request still lacks before it can go for approval or be sent, each with the article
 * that requires it. The mandatory content comes from the knowledge base's provision for (type,
 * instrument), never from a list kept here, so a new instrument needs data, not code.
 */
export function requestGaps(request: RequestRecord, instrument: Instrument | undefined, inForce: { available: boolean; reason?: string } | undefined): Gap[] {
  const gaps: Gap[] = [];
  if (!request.instrument) {
    gaps.push({ path: 'instrument', code: 'cooperation.instrument_required' });
  } else if (!instrument) {
    gaps.push({ path: 'instrument', code: 'cooperation.instrument_unknown', instrument: request.instrument });
  } else {
    const provision = provisionFor(instrument, request.type);
    if (!provision) {
      gaps.push({ path: 'instrument', code: 'cooperation.type_not_provided', instrument: instrument.id });
    } else {
      if (inForce && !inForce.available) gaps.push({ path: 'instrument', code: 'cooperation.basis_unavailable', instrument: instrument.id });
      for (const element of provision.mandatoryContent) {
        const length = (request.content[element.id] ?? '').trim().length;
        if (length >= MIN_CONTENT) continue;
        gaps.push({
          path: `content.${element.id}`,
          code: length === 0 ? 'cooperation.content_missing' : 'cooperation.content_too_short',
          element: element.id,
          label: element.label,
          article: element.article,
          instrument: instrument.id,
          ...(length === 0 ? {} : { min: MIN_CONTENT }),
        });
      }
    }
  }
  if (request.direction === 'outgoing' && !request.requestedAuthority) gaps.push({ path: 'requestedAuthority', code: 'cooperation.authority_required' });
  if (request.direction === 'outgoing' && !request.requestingAuthority) gaps.push({ path: 'requestingAuthority', code: 'cooperation.authority_required' });
  if (request.urgency === 'emergency' && request.urgencyJustification.trim().length < MIN_JUSTIFICATION) {
    gaps.push({ path: 'urgencyJustification', code: 'cooperation.justification_required' });
  }
  if (request.languages.length === 0) gaps.push({ path: 'languages', code: 'cooperation.languages_required' });
  return gaps;
}
