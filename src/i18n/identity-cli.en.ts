import type { identityCliEs } from './identity-cli.es.ts';

/** Identity cli strings (English). */
export const identityCliEn = {
  'identity.cli.placeholder': 'Custodia',
} as const satisfies Record<keyof typeof identityCliEs, string>;
