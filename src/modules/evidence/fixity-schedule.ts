import type { Logger } from 'pino';

/**
 * The background fixity job: every `intervalMinutes`, re-verify the items checked longest ago, a
 * batch at a time, so that over time every item is re-hashed. Mismatches are logged at error level
 * by the check itself and here again as a round summary. Returns a stop function.
 */
export function scheduleFixity(
  round: (limit: number) => Promise<Array<{ ok: boolean; itemId: string }>>,
  log: Logger,
  intervalMinutes: number,
  batch = 20,
): () => void {
  if (intervalMinutes <= 0) return () => undefined;
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return;
    running = round(batch)
      .then((results) => {
        const failed = results.filter((r) => !r.ok);
        if (failed.length > 0) log.error({ checked: results.length, mismatches: failed.map((r) => r.itemId) }, 'EVIDENCE FIXITY ROUND FOUND MISMATCHES');
        else if (results.length > 0) log.info({ checked: results.length }, 'evidence fixity round passed');
      })
      .catch((err: unknown) => log.error({ err }, 'evidence fixity round failed to run'))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, intervalMinutes * 60_000);
  timer.unref();
  return () => clearInterval(timer);
}
