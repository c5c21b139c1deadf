/**
 * Budapest Art. 29(2): the six things an expedited preservation request must say, keyed by the
 * knowledge base's element ids, as a Peruvian prosecutor would write them for a fraud case.
 */
export const ART_29_2_CONTENT: Readonly<Record<string, string>> = {
  'requesting-authority': 'Fiscalía Especializada en Ciberdelincuencia, Lima',
  'offence-and-facts': 'Fraude informático (art. 8 Ley 30096): transferencias no autorizadas desde banca en línea.',
  'data-and-link': 'Datos de tráfico y de abonado de la cuenta que recibió los fondos; vínculo con el fraude.',
  'custodian-or-location': 'Proveedor de correo con sede en Madrid que custodia los registros de acceso.',
  necessity: 'Los registros se borran a los 90 días; sin conservación se perderán.',
  'intent-to-request-mla': 'Perú presentará una solicitud de asistencia mutua para obtener los datos.',
};

/** A complete draft of a preservation request from Peru to Spain for a case. */
export function preservationToSpain(caseReference: string, extra: Record<string, unknown> = {}) {
  return {
    caseReference,
    type: 'preservation',
    requestingState: 'PE',
    requestedState: 'ES',
    requestingAuthority: 'pe-ufec',
    requestedAuthority: 'Punto de contacto 24/7 de España',
    languages: ['es'],
    content: { ...ART_29_2_CONTENT },
    ...extra,
  };
}
