import { type RequestDocument, verificationCode } from '../../src/modules/cooperation/index.ts';

export const REQUEST_DOCUMENT_HASH = `sha256:${'3f'.repeat(32)}`;
export const REQUEST_DOCUMENT_CODE = verificationCode(48213, REQUEST_DOCUMENT_HASH);

/** Peru asks Spain to preserve stored data under the Budapest Convention, Art. 29 (the labels are the knowledge base's). */
export function requestDocumentFixture(overrides: Partial<RequestDocument> = {}): RequestDocument {
  return {
    reference: 'PE-UFEC-2026-0042',
    caseReference: 'CASO-2026-001',
    direction: 'outgoing',
    measure: {
      id: 'preservation',
      label: { es: 'Solicitud de conservación expedita de datos informáticos almacenados', en: 'Request for expedited preservation of stored computer data' },
    },
    instrument: {
      id: 'ETS185',
      title: { es: 'Convenio sobre la Ciberdelincuencia (Convenio de Budapest)', en: 'Convention on Cybercrime (Budapest Convention)' },
      shortTitle: { es: 'Convenio de Budapest', en: 'Budapest Convention' },
      articles: ['29'],
    },
    requesting: {
      state: 'PE',
      stateName: { es: 'Perú', en: 'Peru' },
      authority: {
        name: { es: 'Unidad Fiscal Especializada en Ciberdelincuencia (UFEC)', en: 'Specialised Cybercrime Prosecution Unit (UFEC)' },
        inDirectory: true,
      },
    },
    requested: {
      state: 'ES',
      stateName: { es: 'España', en: 'Spain' },
      authority: {
        name: { es: 'Punto de contacto 24/7 — Comisaría General de Policía Judicial', en: '24/7 point of contact — Judicial Police' },
        inDirectory: false,
      },
    },
    urgency: 'urgent',
    urgencyJustification: 'El proveedor borra los registros de conexión a los 90 días; los del 20 de noviembre se perderían el 18 de febrero.',
    confidential: true,
    noNotification: true,
    languages: ['es', 'en'],
    facts: {
      es: 'Entre el 2 y el 20 de noviembre de 2026, 37 clientes de un banco peruano sufrieron transferencias no autorizadas tras acceder a una página de suplantación alojada en España.',
      en: 'Between 2 and 20 November 2026, 37 customers of a Peruvian bank suffered unauthorised transfers after visiting a phishing page hosted in Spain.',
    },
    elements: [
      {
        id: 'requesting-authority',
        label: { es: 'Autoridad que solicita la conservación', en: 'Authority seeking the preservation' },
        article: '29(2)(a)',
        value: 'Fiscalía Provincial Especializada en Ciberdelincuencia de Lima, Perú.',
      },
      {
        id: 'offence-and-facts',
        label: {
          es: 'Delito objeto de la investigación o del procedimiento penal y breve resumen de los hechos',
          en: 'Offence that is the subject of the criminal investigation or proceedings and a brief summary of the related facts',
        },
        article: '29(2)(b)',
        value: 'Fraude informático (art. 8 de la Ley 30096); suplantación de la banca en línea con pérdidas de S/ 412 000.',
      },
      {
        id: 'data-and-link',
        label: {
          es: 'Datos informáticos almacenados que deben conservarse y su relación con el delito',
          en: 'Stored computer data to be preserved and their relationship to the offence',
        },
        article: '29(2)(c)',
        value: 'Registros de conexión, datos del abonado y contenido del servidor que alojó «banca-segura-pe.example»; desde él se capturaron las claves.',
      },
      {
        id: 'custodian-or-location',
        label: {
          es: 'Información disponible que identifique al custodio de los datos o la ubicación del sistema informático',
          en: 'Any available information identifying the custodian of the stored computer data or the location of the computer system',
        },
        article: '29(2)(d)',
        value: 'Alojamiento Ibérico S.L., centro de datos de Alcobendas (Madrid); IP 190.216.12.34.',
      },
      {
        id: 'necessity',
        label: { es: 'Necesidad de la conservación', en: 'Necessity of the preservation' },
        article: '29(2)(e)',
        value: '¿Por qué ahora? ¡El proveedor borra los registros a los 90 días! Sin ellos no se identifica al autor.',
      },
      {
        id: 'intent-to-request-mla',
        label: {
          es: 'Intención de presentar una solicitud de asistencia mutua para el registro o acceso, la confiscación u obtención, o la revelación de los datos',
          en: 'Intention to submit a mutual assistance request for the search or similar access, seizure or similar securing, or disclosure of the data',
        },
        article: '29(2)(f)',
        value: 'Se presentará una solicitud de asistencia judicial para la revelación de los datos en un plazo de 45 días.',
      },
    ],
    identifiers: [
      { kind: 'ip', value: '190.216.12.34', port: 51234, observedAt: '2026-11-20T03:14:07-05:00', timeZone: 'America/Lima' },
      { kind: 'domain', value: 'banca-segura-pe.example' },
    ],
    dueAt: '2026-12-01T18:00:00+01:00',
    version: 2,
    draft: false,
    signature: { name: 'Ana Quispe Mamani', organisation: 'Ministerio Público — Fiscalía de la Nación', role: 'Fiscal provincial' },
    issuedAt: '2026-11-24T10:30:00-05:00',
    ledger: { index: 48213, origin: 'custodia.fiscalia.gob.pe/log', contentHash: REQUEST_DOCUMENT_HASH, verificationCode: REQUEST_DOCUMENT_CODE },
    ...overrides,
  };
}
