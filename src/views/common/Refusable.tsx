// A refused action's control stays in the Tab order (aria-disabled, not disabled): a keyboard or
// screen-reader user reaches it, hears the reason as its description, sees it under the control
// on focus, and a press says it in the notice bar, as a refused key does. A `disabled` control is
// skipped by Tab, and its title tooltip shows only to a mouse (issue #10: every action is carried
// out or visibly refused with the reason).

import { useId, type ReactNode } from 'react';
import type { UserAction } from '../../store/action-guard.ts';
import { busyReason } from '../../store/action-guard.ts';
import { useExplorer } from '../../store/useExplorer.ts';

export interface Refusal {
  /** Why the action is refused now, or null. */
  reason: string | null;
  /** Goes on the focusable control. */
  control: { 'aria-disabled'?: true; 'aria-describedby'?: string };
  /** The reason as text beside the control: its accessible description, shown on focus. */
  hint: ReactNode;
  /** True if the action may go ahead; otherwise the reason is in the notice bar. */
  allowed(): boolean;
}

/** The one decision (the store's action guard) applied to a control; no `action`: never refused. */
export function useRefusal(action?: UserAction): Refusal {
  const reason = useExplorer((s) => (action ? busyReason(s, action) : null));
  const allow = useExplorer((s) => s.allow);
  const id = useId();
  return {
    reason,
    control: reason ? { 'aria-disabled': true, 'aria-describedby': id } : {},
    hint: reason ? <span id={id} className="refused-hint">{reason}</span> : null,
    // Asked at the press, not at the render: the reason the bar shows is the one that holds then.
    allowed: () => !action || allow(action),
  };
}

/** A button for `action`: carried out on a press, or refused with the reason (see above). */
export function RefusableButton({ action, onPress, title, className, keys, children }: { action: UserAction; onPress(): void; title: string; className?: string; keys?: string; children: ReactNode }) {
  const r = useRefusal(action);
  const press = () => {
    if (r.allowed()) onPress();
  };
  return (
    <span className="refusable">
      <button type="button" className={className} onClick={press} title={r.reason ?? title} aria-keyshortcuts={keys} {...r.control}>
        {children}
      </button>
      {r.hint}
    </span>
  );
}
