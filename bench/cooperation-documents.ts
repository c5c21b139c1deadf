// Cooperation request documents (issue #6): archival tagged PDFs of a request per second, target ≥ 20.
// BENCH_DOCS (default 200) requests — Peru → Spain, expedited preservation under the Budapest
// Convention, Art. 29, six mandatory elements — are rendered one after another on one core, each with
// its own reference, alternating Spanish and English. Printed beside two baselines measured in the same
// run: the machine's raw SHA-256 rate over 64 MiB (node:crypto), and the evidence verification report
// (a PDF from the same writer, src/lib/pdf on pdfkit) rendered the same way.
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers/promises';
import { renderRequestPdf } from '../src/modules/cooperation/document.ts';
import { renderVerificationReport } from '../src/modules/evidence/package/report.ts';
import type { ReportModel } from '../src/modules/evidence/package/report-model.ts';
import { requestDocumentFixture } from '../test/support/request-document.ts';

const DOCS = Number(process.env.BENCH_DOCS ?? 200);
const TARGET = 20;

const request = (reference: string) => requestDocumentFixture({ reference });

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

/**
 * Documents per second over `n` renders, after a few untimed ones (fonts are parsed once per process).
 * Each render is followed by a turn of the event loop, as a server's requests are: pdfkit's document
 * is a stream, released by the callbacks it leaves for the next turn (and their time is counted).
 */
async function rate(n: number, render: (i: number) => Buffer | Promise<Buffer>): Promise<{ perSecond: number; cpuMs: number; bytes: number; pages: number }> {
  let last: Buffer = Buffer.alloc(0);
  for (let i = 0; i < 5; i++) last = await render(-1 - i);
  let bytes = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    bytes += (await render(i)).length;
    await setImmediate();
  }
  const perSecond = n / ((performance.now() - t0) / 1000);
  const cpu = process.cpuUsage(cpu0);
  return {
    perSecond,
    cpuMs: (cpu.user + cpu.system) / 1000 / n,
    bytes: bytes / n,
    pages: Number(/\/Type \/Pages\b[^>]*?\/Count (\d+)/.exec(last.toString('latin1'))?.[1] ?? 0),
  };
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
        // CPU time (user + system) of this process per document: steadier than wall time on a shared machine.
        cpuMsPerDocument: r(requests.cpuMs, 2),
        pagesPerDocument: requests.pages,
        bytesPerDocument: Math.round(requests.bytes),
        firstDocumentMs: r(coldMs),
        ratioToSha256MiBs: r(requests.perSecond / sha, 3),
        ratioToReportPdf: r(requests.perSecond / reports.perSecond, 2),
        meetsTarget: requests.perSecond >= TARGET,
      },
      evidenceReportPdf: {
        documentsPerSecond: r(reports.perSecond),
        cpuMsPerDocument: r(reports.cpuMs, 2),
        pagesPerDocument: reports.pages,
        bytesPerDocument: Math.round(reports.bytes),
        note: 'includes its HTML rendering',
      },
    },
    null,
    2,
  )}\n`,
);
