import type { cooperationEs } from './cooperation.es.ts';

/** Cases and, later, the cooperation workflow (English). */
export const cooperationEn = {
  'problem.cooperation.case_exists': 'A case with that reference exists in the organisation.',
  'field.cooperation.case_exists': 'A case with that reference exists in the organisation.',
  'field.cooperation.case_unseen': 'A case needs at least one person on its access list.',
  'field.cooperation.reference_invalid': 'Invalid reference: letters, digits and . _ : / -, up to 100.',
  'field.cooperation.orgId_invalid': 'Invalid organisation identifier.',
  'field.cooperation.title_invalid': 'The title takes up to 300 characters.',
  'field.cooperation.members_invalid': 'Invalid people (up to 50).',
  'case.created': 'Case {reference} opened in {org} (id {id}).',
  'case.none': 'No visible cases.',
  'case.line': '{reference} · {title} · opened {at}',
} as const satisfies Record<keyof typeof cooperationEs, string>;
