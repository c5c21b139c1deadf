import type { cooperationEs } from './cooperation.es.ts';

/** Cases and evidence storage; later the cooperation workflow (English). */
export const cooperationEn = {
  'problem.cooperation.case_exists': 'A case with that reference exists in the organisation.',
  'field.cooperation.case_exists': 'A case with that reference exists in the organisation.',
  'field.cooperation.case_unseen': 'A case needs at least one person on its access list.',
  'field.cooperation.reference_invalid': 'Invalid reference: letters, digits and . _ : / -, up to 100.',
  'field.cooperation.orgId_invalid': 'Invalid organisation identifier.',
  'field.cooperation.title_invalid': 'The title takes up to 300 characters.',
  'field.cooperation.members_invalid': 'Invalid people (up to 50).',
  'problem.cooperation.transition_not_allowed': 'The request cannot go from “{from}” to “{to}”. Possible steps: {allowed}.',
  'problem.cooperation.four_eyes': 'The person who drafted the request cannot approve it (four-eyes principle).',
  'field.cooperation.reason_required': 'Give the reason (at least 3 characters).',
  'field.cooperation.grounds_required': 'Give the grounds for refusal the instrument provides.',
  'field.cooperation.grounds_unknown': 'The instrument does not provide these grounds for refusal: {grounds}.',
  'case.created': 'Case {reference} opened in {org} (id {id}).',
  'case.none': 'No visible cases.',
  'case.line': '{reference} · {title} · opened {at}',
  'problem.blob.key_invalid': 'The stored object identifier is not valid.',
  'problem.blob.not_found': 'There is no such stored object.',
  'problem.blob.range_invalid': 'The range asked for is outside the object.',
  'problem.blob.size_mismatch': 'The size received does not match the size declared.',
  'problem.blob.too_large': 'The object is too large.',
  'problem.blob.key_conflict': 'The identifier clashes with another stored object.',
  'problem.blob.disk_full': 'The storage is full; nothing was saved.',
  'request.title': 'Request for {measure}',
} as const satisfies Record<keyof typeof cooperationEs, string>;
