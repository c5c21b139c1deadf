// Fills the ReportModel (report-model.ts) from what the writer checked, for the report renderer.
import type { EvidenceItem } from '../model.ts';
import type { CheckedCheckpoint, CheckedEvent } from './custody-check.ts';
import { disclosurePath, proofPath } from './layout.ts';
import type { ReportCheck, ReportItem, ReportModel } from './report-model.ts';

export interface ModelInput {
  case: { reference: string; title: string; orgName: string };
  generatedAt: string;
  generatedBy: string;
  logOrigin: string;
  logVerifierKey: string;
  recipient?: string;
  items: Array<{ item: EvidenceItem; path: string }>;
  events: CheckedEvent[];
  checkpoint: CheckedCheckpoint;
  checks: ReportCheck[];
}

function reportItem(item: EvidenceItem, path: string): ReportItem {
  const a = item.acquisition;
  const out: ReportItem = {
    exhibit: item.exhibit,
    description: item.description,
    fileName: item.fileName,
    path,
    bytes: item.bytes,
    sha256: item.sha256,
    acquisition: {
      by: a.by,
      at: a.at,
      where: a.where ?? '',
      tool: a.tool ?? '',
      toolVersion: a.toolVersion ?? '',
      method: a.method ?? '',
      source: a.source ?? '',
      authority: a.authority ?? '',
    },
  };
  if (item.md5) out.md5 = item.md5;
  if (item.sha1) out.sha1 = item.sha1;
  return out;
}

export function buildReportModel(m: ModelInput): ReportModel {
  const model: ReportModel = {
    generatedAt: m.generatedAt,
    generatedBy: m.generatedBy,
    logOrigin: m.logOrigin,
    logVerifierKey: m.logVerifierKey,
    checkpoint: { size: m.checkpoint.size, rootHash: m.checkpoint.rootHash, note: m.checkpoint.note, cosigners: m.checkpoint.cosigners },
    case: { reference: m.case.reference, title: m.case.title, organisation: m.case.orgName },
    items: m.items.map(({ item, path }) => reportItem(item, path)),
    custody: m.events.map((e) => ({
      index: e.index,
      event: e.event,
      at: e.entry.at,
      actor: e.entry.actor,
      exhibit: e.item.exhibit,
      reason: e.reason,
      proofPath: proofPath(e.index),
      ...(e.disclosure ? { disclosurePath: disclosurePath(e.index) } : {}),
    })),
    checks: m.checks,
  };
  if (m.recipient !== undefined) model.encryptedTo = m.recipient;
  return model;
}
