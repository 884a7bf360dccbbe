import { useState } from 'react';
import type { StreamRecord } from '../../format/model.ts';
import { busyReason } from '../../store/action-guard.ts';
import { useExplorer } from '../../store/useExplorer.ts';
import { RefusableButton, useRefusal } from '../common/Refusable.tsx';
import type { CandidateOption } from '../../worker/protocol.ts';

/**
 * Which library description decodes this section, and the others that fit its bytes as well
 * (same end, same footer): choosing one has the worker decode the section with it. A way of
 * reading the bytes, not an edit: nothing is added to the history or the download.
 */
export function CandidatePicker({ record: r }: { record: StreamRecord }) {
  const sectionCandidates = useExplorer((s) => s.sectionCandidates);
  const chooseCandidate = useExplorer((s) => s.chooseCandidate);
  const refused = useExplorer((s) => busyReason(s, 'candidate'));
  const [options, setOptions] = useState<CandidateOption[] | null>(null);
  const [state, setState] = useState<{ busy?: boolean; error?: string }>({});

  const list = async () => {
    setState({ busy: true });
    try {
      setOptions(await sectionCandidates(r.index));
      setState({});
    } catch (e) {
      setState({ error: e instanceof Error ? e.message : String(e) });
    }
  };
  const choose = async (id: number) => {
    setState({ busy: true });
    const error = await chooseCandidate(r.index, id);
    if (error) setState({ error });
    else {
      setState({});
      setOptions((o) => o?.map((x) => ({ ...x, current: x.id === id })) ?? null);
    }
  };
  const current = options?.find((o) => o.current);
  const pick = useRefusal({ reason: refused });

  return (
    <div className="candidate-picker">
      {options === null ? (
        <RefusableButton by={{ reason: refused }} onPress={() => void list()} disabled={state.busy} title="List the library descriptions that fit this section">
          {state.busy ? 'Looking for descriptions…' : 'Other descriptions…'}
        </RefusableButton>
      ) : options.length <= 1 ? (
        <span className="muted">No other library description fits this section.</span>
      ) : (
        <label className="refusable">
          Decode with{' '}
          {/* Refused, a change snaps back (the value is the store's) and the reason goes to the bar. */}
          <select value={current?.id ?? ''} onChange={(e) => void (pick.allowed() && choose(Number(e.target.value)))} disabled={state.busy} title={refused ?? undefined} {...pick.control}>
            {options.map((o) => (
              <option key={o.id} value={o.id}>{o.describedBy}</option>
            ))}
          </select>
          {pick.hint}
          {/* While the section is decoded again the picker is briefly disabled and says so here. */}
          {state.busy && <span className="muted"> decoding…</span>}
        </label>
      )}
      {state.error && <span role="alert" className="error-text"> {state.error}</span>}
    </div>
  );
}
