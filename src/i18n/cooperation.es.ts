/** Cases and, later, the cooperation workflow (Spanish, the source). */
export const cooperationEs = {
  'problem.cooperation.case_exists': 'Ya existe un caso con esa referencia en la organización.',
  'field.cooperation.case_exists': 'Ya existe un caso con esa referencia en la organización.',
  'field.cooperation.case_unseen': 'Un caso necesita al menos una persona en su lista de acceso.',
  'field.cooperation.reference_invalid': 'Referencia no válida: letras, cifras y . _ : / -, hasta 100.',
  'field.cooperation.orgId_invalid': 'Identificador de organización no válido.',
  'field.cooperation.title_invalid': 'El título admite hasta 300 caracteres.',
  'field.cooperation.members_invalid': 'Personas no válidas (hasta 50).',
  'case.created': 'Caso {reference} abierto en {org} (id {id}).',
  'case.none': 'No hay casos visibles.',
  'case.line': '{reference} · {title} · abierto el {at}',
} as const;
