import type { IdentityDeps, IdentityService } from '../identity/index.ts';

/** What the cases module needs: the database and ledger identity uses, and identity's directory. */
export interface CasesDeps extends IdentityDeps {
  identity: Pick<IdentityService, 'directory'>;
}

export const nowIso = (deps: CasesDeps): string => deps.clock.now().toISOString();
