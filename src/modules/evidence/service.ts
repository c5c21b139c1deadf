import { AppError } from '../../lib/errors.ts';
import type { Actor } from '../identity/index.ts';
import type { VaultContext, VaultDeps } from './context.ts';
import { createCustody } from './custody.ts';
import { createExport } from './export.ts';
import { createFixity } from './fixity.ts';
import type { EvidenceVault } from './index.ts';
import type { EvidenceIntake } from './model.ts';
import { sweepOrphanBlobs } from './orphans.ts';
import { createRetention } from './retention.ts';
import { createItems } from './vault.ts';
import { loadVaultKeys, rotateVaultKey, type VaultKeys } from './vault-keys.ts';

export type { VaultDeps } from './context.ts';

/** The evidence vault (C3): intake, custody, fixity, retention and export, over the ledger and identity. */
export function createEvidenceVault(deps: VaultDeps): EvidenceVault {
  let keys: Promise<VaultKeys> | undefined;
  const ctx: VaultContext = {
    deps,
    keys() {
      keys ??= loadVaultKeys(deps.db, deps.kek, deps.clock.now()).catch((err) => {
        keys = undefined;
        throw err;
      });
      return keys;
    },
  };
  const items = createItems(ctx);
  const custody = createCustody(ctx);
  const fixity = createFixity(ctx);
  const retention = createRetention(ctx);
  const exporter = createExport(ctx, custody);
  const intake: EvidenceIntake = {
    vaultRecipients: items.vaultRecipients,
    checkIntake: items.checkIntake,
    adoptStaged: items.adoptStaged,
  };
  return {
    ...items,
    intake,
    history: custody.history,
    verify: fixity.verify,
    fixityRound: fixity.round,
    ...retention,
    exportCase: exporter.exportCase,
    /** Removes blobs an interrupted intake left without a record (older than `graceMs`). */
    sweepOrphanBlobs: (graceMs?: number) => sweepOrphanBlobs(ctx, graceMs),
    /** A new vault key for new blobs; old blobs stay readable with the retired keys. */
    async rotateKey(actor: Actor): Promise<string> {
      if (actor.kind !== 'system') throw new AppError('forbidden', { message: 'the vault key is rotated by the node operator at the shell' });
      keys = rotateVaultKey(deps.db, deps.kek, deps.clock.now());
      return (await keys).recipients[0] as string;
    },
  };
}
