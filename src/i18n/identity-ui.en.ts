import type { identityUiEs } from './identity-ui.es.ts';

/** Identity ui strings (English). */
export const identityUiEn = {
  'identity.ui.placeholder': 'Custodia',
} as const satisfies Record<keyof typeof identityUiEs, string>;
