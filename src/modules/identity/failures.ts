import { recordChange } from '../ledger/index.ts';
import type { IdentityDeps } from './context.ts';
import { userSubjects } from './directory.ts';
import { OPERATOR_ORGANISATION } from './roles.ts';
import { recordFailure } from './throttle.ts';

/**
 * Failed sign-ins in the same short window are recorded together — throttle counters and audit
 * events in one durable commit — and each caller is answered once that commit is done. Under a
 * guessing flood this turns one fsync per attempt into one per window, so the flood cannot tie up
 * the node's event loop; a refusal arriving a little later only slows the guesser.
 */
const WINDOW_MS = 150;

interface Failure {
  keys: string[];
  userId: string | undefined;
  reason: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export function createFailureRecorder(deps: IdentityDeps): (keys: string[], failure: { userId?: string; reason: string }) => Promise<void> {
  let pending: Failure[] = [];
  let timer: NodeJS.Timeout | undefined;

  async function flush(): Promise<void> {
    const batch = pending;
    pending = [];
    timer = undefined;
    try {
      const at = deps.clock.now();
      await recordChange(deps, 'anonymous', async (trx, { audit }) => {
        for (const failure of batch) {
          for (const key of failure.keys) await recordFailure(trx, key, at);
          audit({
            type: 'identity.login_failed',
            actor: failure.userId ? `user:${failure.userId}` : 'anonymous',
            // Attempts on unknown accounts concern no organisation: the node operator's auditors see them.
            subjects: failure.userId ? await userSubjects(trx, failure.userId) : ['identity:login', `org:${OPERATOR_ORGANISATION}`],
            data: { reason: failure.reason },
          });
        }
      });
      for (const failure of batch) failure.resolve();
    } catch (error) {
      for (const failure of batch) failure.reject(error);
    }
  }

  return (keys, failure) =>
    new Promise<void>((resolve, reject) => {
      pending.push({ keys, userId: failure.userId, reason: failure.reason, resolve, reject });
      timer ??= setTimeout(() => void flush(), WINDOW_MS);
    });
}
