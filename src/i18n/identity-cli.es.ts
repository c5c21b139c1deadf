/** Identity cli strings (Spanish, the source). */
export const identityCliEs = {
  'identity.cli.erased.one':
    'Datos de la persona suprimidos: {count} entrada del registro destruida criptográficamente (registrado en la entrada {index}); la cuenta quedó sin datos que la identifiquen.',
  'identity.cli.erased.other':
    'Datos de la persona suprimidos: {count} entradas del registro destruidas criptográficamente (registrado en la entrada {index}); la cuenta quedó sin datos que la identifiquen.',
  'identity.cli.orgCreated': 'Organización «{id}» creada: {name} ({kind}).',
  'identity.cli.noOrganisations': 'No hay organizaciones en este nodo.',
  'identity.cli.operator': '(opera el nodo)',
  'identity.cli.userAdded': '{email} es miembro de {org} con los roles: {roles}.',
  'identity.cli.enrolmentLink': 'Envíe a la persona este enlace de activación de un solo uso; vale hasta {expires} y no se volverá a mostrar:',
  'identity.cli.alreadyEnrolled': '{email} ya tiene una cuenta activa en este nodo: no necesita enlace de activación.',
  'identity.cli.members': 'Miembros de {org}:',
  'identity.cli.noMembers': 'La organización {org} no tiene miembros.',
  'identity.cli.status.invited': 'invitado (sin activar)',
  'identity.cli.status.active': 'activo',
  'identity.cli.status.disabled': 'desactivado',
  'identity.cli.rolesSet': 'Roles de {email} en {org}: {roles}. Sus sesiones en la organización se cerraron.',
  'identity.cli.newLink': 'Nuevo enlace de activación para {email} (el anterior deja de funcionar), válido hasta {expires}:',
  'identity.cli.noEvents': 'Ningún evento coincide.',
  'identity.cli.moreEvents': 'Hay más eventos: repita con --before {next}.',
  'field.identity.cli.not_member': 'No es miembro de la organización.',
} as const;
