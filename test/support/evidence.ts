import { createHash } from 'node:crypto';

/** A complete acquisition record, as a forensic examiner fills it in (the vault's tests share it). */
export const ACQUISITION = {
  by: 'Perito Quispe',
  at: '2026-11-20T09:15:00-05:00',
  where: 'Lima',
  tool: 'FTK Imager',
  toolVersion: '4.7',
  method: 'physical image',
  source: 'SN-123',
  authority: 'Orden 45-2026',
};

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
