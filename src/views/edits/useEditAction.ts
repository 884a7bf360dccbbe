// The state of one editor's request: what the worker said about the last attempt (refused,
// needs confirming, failed) and whether a request is on its way.

import { useCallback, useState } from 'react';
import type { EditOutcome } from '../../store/edits-slice.ts';

export interface EditAction {
  outcome: EditOutcome | null;
  /**
   * A request is on its way (a moment: one round trip to the worker). Its buttons stay plain
   * `disabled` meanwhile, not refused through common/Refusable.tsx: each says so in its own
   * label ("Applying…", "Reverting…", "Setting…"), and is back before a reason could be read.
   */
  pending: boolean;
  /** Runs `send`; resolves true when the edit was applied. */
  run(send: () => Promise<EditOutcome>): Promise<boolean>;
  /** Shows a message in the same place as the worker's answers (a local typing check). */
  fail(reason: string): void;
  reset(): void;
}

export function useEditAction(): EditAction {
  const [outcome, setOutcome] = useState<EditOutcome | null>(null);
  const [pending, setPending] = useState(false);
  const run = useCallback(async (send: () => Promise<EditOutcome>) => {
    setPending(true);
    try {
      const r = await send();
      setOutcome(r.status === 'applied' ? null : r);
      return r.status === 'applied';
    } finally {
      setPending(false);
    }
  }, []);
  const fail = useCallback((reason: string) => setOutcome({ status: 'failed', reason }), []);
  const reset = useCallback(() => setOutcome(null), []);
  return { outcome, pending, run, fail, reset };
}
