/** Identity cli strings (Spanish, the source). */
export const identityCliEs = {
  'identity.cli.placeholder': 'Custodia',
} as const;
