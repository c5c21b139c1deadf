/** Identity ui strings (Spanish, the source). */
export const identityUiEs = {
  'identity.ui.placeholder': 'Custodia',
} as const;
