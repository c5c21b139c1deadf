// Cooperation request documents (issue #6): archival tagged PDFs of a request per second, target ≥ 20.
// BENCH_DOCS (default 200) requests — Peru → Spain, expedited preservation under the Budapest
// Convention, Art. 29, six mandatory elements — are rendered one after another on one core, each with
// its own reference, alternating Spanish and English. Printed beside two baselines measured in the same
// run: the machine's raw SHA-256 rate over 64 MiB (node:crypto), and the evidence verification report
// (a PDF from the same writer) rendered the same way.
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { renderRequestPdf } from '../src/modules/cooperation/document.ts';
import type { RequestDocument } from '../src/modules/cooperation/document-model.ts';
import { renderVerificationReport } from '../src/modules/evidence/package/report.ts';
import type { ReportModel } from '../src/modules/evidence/package/report-model.ts';

const DOCS = Number(process.env.BENCH_DOCS ?? 200);
const TARGET = 20;

const label = (es: string, en: string) => ({ es, en });
const element = (id: string, article: string, es: string, en: string, value: string) => ({ id, article, label: label(es, en), value });

function request(reference: string): RequestDocument {
  return {
    reference,
    caseReference: 'CASO-2026-001',
    direction: 'outgoing',
    measure: {
      id: 'preservation',
      label: label('Solicitud de conservación expedita de datos informáticos almacenados', 'Request for expedited preservation of stored computer data'),
    },
    instrument: {
      id: 'ETS185',
      title: label('Convenio sobre la Ciberdelincuencia (Convenio de Budapest)', 'Convention on Cybercrime (Budapest Convention)'),
      shortTitle: label('Convenio de Budapest', 'Budapest Convention'),
      articles: ['29'],
    },
    requesting: {
      state: 'PE',
      stateName: label('Perú', 'Peru'),
      authority: {
        name: label('Unidad Fiscal Especializada en Ciberdelincuencia (UFEC)', 'Specialised Cybercrime Prosecution Unit (UFEC)'),
        inDirectory: true,
      },
    },
    requested: {
      state: 'ES',
      stateName: label('España', 'Spain'),
      authority: { name: label('Punto de contacto 24/7', '24/7 point of contact'), inDirectory: false },
    },
    urgency: 'urgent',
    urgencyJustification: 'El proveedor borra los registros de conexión a los 90 días.',
    confidential: true,
    noNotification: true,
    languages: ['es', 'en'],
    facts: label(
      'Entre el 2 y el 20 de noviembre de 2026, 37 clientes de un banco peruano sufrieron transferencias no autorizadas tras acceder a una página de suplantación alojada en España.',
      'Between 2 and 20 November 2026, 37 customers of a Peruvian bank suffered unauthorised transfers after visiting a phishing page hosted in Spain.',
    ),
    elements: [
      element(
        'requesting-authority',
        '29(2)(a)',
        'Autoridad que solicita la conservación',
        'Authority seeking the preservation',
        'Fiscalía Provincial de Lima.',
      ),
      element(
        'offence-and-facts',
        '29(2)(b)',
        'Delito objeto de la investigación o del procedimiento penal y breve resumen de los hechos',
        'Offence that is the subject of the criminal investigation or proceedings and a brief summary of the related facts',
        'Fraude informático (art. 8 de la Ley 30096); suplantación de la banca en línea con pérdidas de S/ 412 000.',
      ),
      element(
        'data-and-link',
        '29(2)(c)',
        'Datos informáticos almacenados que deben conservarse y su relación con el delito',
        'Stored computer data to be preserved and their relationship to the offence',
        'Registros de conexión, datos del abonado y contenido del servidor que alojó «banca-segura-pe.example».',
      ),
      element(
        'custodian-or-location',
        '29(2)(d)',
        'Información disponible que identifique al custodio de los datos o la ubicación del sistema informático',
        'Any available information identifying the custodian of the stored computer data or the location of the computer system',
        'Alojamiento Ibérico S.L., centro de datos de Alcobendas (Madrid); IP 190.216.12.34.',
      ),
      element('necessity', '29(2)(e)', 'Necesidad de la conservación', 'Necessity of the preservation', 'Sin los registros no se identifica al autor.'),
      element(
        'intent-to-request-mla',
        '29(2)(f)',
        'Intención de presentar una solicitud de asistencia mutua para el registro o acceso, la confiscación u obtención, o la revelación de los datos',
        'Intention to submit a mutual assistance request for the search or similar access, seizure or similar securing, or disclosure of the data',
        'Se presentará una solicitud de asistencia judicial en un plazo de 45 días.',
      ),
    ],
    identifiers: [
      { kind: 'ip', value: '190.216.12.34', port: 51234, observedAt: '2026-11-20T03:14:07-05:00', timeZone: 'America/Lima' },
      { kind: 'domain', value: 'banca-segura-pe.example' },
    ],
    dueAt: '2026-12-01T18:00:00+01:00',
    version: 1,
    draft: false,
    signature: { name: 'Ana Quispe Mamani', organisation: 'Ministerio Público — Fiscalía de la Nación', role: 'Fiscal provincial' },
    issuedAt: '2026-11-24T10:30:00-05:00',
    ledger: { index: 48213, origin: 'custodia.fiscalia.gob.pe/log', contentHash: `sha256:${'3f'.repeat(32)}`, verificationCode: 'CUST-7Q4M-2XKD-91HF' },
  };
}

/** A two-exhibit evidence report with a dozen custody events: a document of similar length from the same writer. */
function report(reference: string): ReportModel {
  const acquisition = {
    by: 'Ana Quispe',
    at: '2026-03-01T09:15:00-05:00',
    where: 'Lima, Perú',
    tool: 'ddrescue',
    toolVersion: '1.28',
    method: 'imagen física',
    source: 'SN-1',
    authority: 'Orden 17',
  };
  const item = (n: number) => ({
    exhibit: `EXH-${n}`,
    description: 'Disco del servidor',
    fileName: 'disco.dd',
    path: `data/EXH-${n}/disco.dd`,
    bytes: 1 << 30,
    sha256: String(n).repeat(64),
    acquisition,
  });
  return {
    generatedAt: '2026-11-24T10:30:00-05:00',
    generatedBy: 'Ana Quispe — Fiscalía',
    logOrigin: 'custodia.fiscalia.gob.pe/log',
    logVerifierKey: 'custodia.fiscalia.gob.pe/log+4f2a9c1b+ARbD0v5UqS2QpTQ5m0kLq6dH8sQy1W3x5Zk7uYcVb9Lh',
    checkpoint: {
      size: 1234,
      rootHash: 'a'.repeat(64),
      note: 'custodia.fiscalia.gob.pe/log\n1234\nq83n=\n\n— custodia.fiscalia.gob.pe/log Tyu7==\n',
      cosigners: [],
    },
    case: { reference, title: 'Fraude informático — banca en línea', organisation: 'Fiscalía' },
    items: [item(1), item(2)],
    custody: Array.from({ length: 12 }, (_, i) => ({
      index: 10 + i,
      event: 'accessed',
      at: '2026-03-02T08:00:00-05:00',
      actor: 'Luis Huamán',
      exhibit: `EXH-${1 + (i % 2)}`,
      reason: 'análisis',
      proofPath: `custody/proofs/${10 + i}.tlog-proof`,
    })),
    checks: [{ code: 'bag_valid', ok: true }],
  };
}

/** Raw single-core SHA-256 throughput over 64 MiB, MiB/s. */
function sha256MiBs(): number {
  const data = Buffer.alloc(64 * 1024 * 1024, 7);
  const t0 = performance.now();
  createHash('sha256').update(data).digest();
  return 64 / ((performance.now() - t0) / 1000);
}

/** Documents per second over `n` renders, after a few untimed ones (fonts are parsed once per process). */
async function rate(n: number, render: (i: number) => Buffer | Promise<Buffer>): Promise<{ perSecond: number; bytes: number; pages: number }> {
  let last: Buffer = Buffer.alloc(0);
  for (let i = 0; i < 5; i++) last = await render(-1 - i);
  let bytes = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) bytes += (await render(i)).length;
  const perSecond = n / ((performance.now() - t0) / 1000);
  return { perSecond, bytes: bytes / n, pages: Number(/\/Type \/Pages [^>]*\/Count (\d+)/.exec(last.toString('latin1'))?.[1] ?? 0) };
}

const t0 = performance.now();
renderRequestPdf(request('PE-UFEC-2026-COLD'), 'es');
const coldMs = performance.now() - t0;
const sha = sha256MiBs();
const requests = await rate(DOCS, (i) => renderRequestPdf(request(`PE-UFEC-2026-${String(i + 10_000)}`), i % 2 === 0 ? 'es' : 'en'));
const reports = await rate(DOCS, async (i) => (await renderVerificationReport(report(`CASO-${i + 10_000}`), i % 2 === 0 ? 'es' : 'en')).pdf);
const r = (v: number, digits = 1) => Number(v.toFixed(digits));
process.stdout.write(
  `${JSON.stringify(
    {
      documents: DOCS,
      sha256MiBs: r(sha),
      requestPdf: {
        documentsPerSecond: r(requests.perSecond),
        msPerDocument: r(1000 / requests.perSecond, 2),
        pagesPerDocument: requests.pages,
        bytesPerDocument: Math.round(requests.bytes),
        firstDocumentMs: r(coldMs),
        ratioToSha256MiBs: r(requests.perSecond / sha, 3),
        ratioToReportPdf: r(requests.perSecond / reports.perSecond, 2),
        meetsTarget: requests.perSecond >= TARGET,
      },
      evidenceReportPdf: {
        documentsPerSecond: r(reports.perSecond),
        pagesPerDocument: reports.pages,
        bytesPerDocument: Math.round(reports.bytes),
        note: 'includes its HTML rendering',
      },
    },
    null,
    2,
  )}\n`,
);
