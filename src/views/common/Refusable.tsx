// A refused action's control stays in the Tab order (aria-disabled, not disabled): a keyboard or
// screen-reader user reaches it, hears the reason as its description, sees it under the control
// on focus, and a press says it in the notice bar, as a refused key does. A `disabled` control is
// skipped by Tab, and its title tooltip shows only to a mouse (issue #10: every action is carried
// out or visibly refused with the reason).

import { useId, type MouseEvent, type ReactNode, type Ref } from 'react';
import type { UserAction } from '../../store/action-guard.ts';
import { busyReason } from '../../store/action-guard.ts';
import { useExplorer } from '../../store/useExplorer.ts';

/**
 * What decides a refusal: a store action (asked of the action guard), or a reason the view itself
 * knows, as a plain string (null: not refused), e.g. "no field is ticked".
 */
export type RefusedBy = UserAction | { reason: string | null };

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

/** The one decision applied to a control; no `by`: never refused. */
export function useRefusal(by?: RefusedBy): Refusal {
  const plain = typeof by === 'object' ? by.reason : null;
  const action = typeof by === 'string' ? by : undefined;
  const guarded = useExplorer((s) => (action ? busyReason(s, action) : null));
  const allow = useExplorer((s) => s.allow);
  const refuse = useExplorer((s) => s.refuse);
  const id = useId();
  const reason = action ? guarded : plain;
  return {
    reason,
    control: reason ? { 'aria-disabled': true, 'aria-describedby': id } : {},
    hint: reason ? <span id={id} className="refused-hint">{reason}</span> : null,
    // A store action is asked at the press, not at the render: the reason the bar shows is the one
    // that holds then. A plain reason is the view's own, as rendered; it goes to the bar in the
    // same words and tone as the guard's.
    allowed: () => {
      if (action) return allow(action);
      if (plain) refuse(plain);
      return !plain;
    },
  };
}

/**
 * A button for `by`: carried out on a press, or refused with the reason (see above). Without
 * `onPress` it is a form's submit button: a refused press does not submit. `disabled` stays for
 * the moments a control's own label says why (e.g. "Applying…").
 */
export function RefusableButton({ by, action, onPress, title, className, keys, label, disabled, submit, ref, children }: { by?: RefusedBy; action?: UserAction; onPress?(): void; title?: string; className?: string; keys?: string; label?: string; disabled?: boolean; submit?: boolean; ref?: Ref<HTMLButtonElement>; children: ReactNode }) {
  const r = useRefusal(by ?? action);
  const press = (e: MouseEvent) => {
    if (!r.allowed()) e.preventDefault();
    else onPress?.();
  };
  return (
    <span className="refusable">
      <button type={submit ? 'submit' : 'button'} ref={ref} className={className} onClick={press} title={r.reason ?? title} aria-label={label} aria-keyshortcuts={keys} disabled={disabled} {...r.control}>
        {children}
      </button>
      {r.hint}
    </span>
  );
}

/**
 * A checkbox refused for a plain reason (what the box would take is missing): ticked or cleared
 * on a press, or left as it is with the reason said, as RefusableButton does for a press.
 */
export function RefusableCheckbox({ by, label, checked, onChange }: { by: { reason: string | null }; label: string; checked: boolean; onChange(): void }) {
  const r = useRefusal(by);
  return (
    <span className="refusable">
      <input
        type="checkbox"
        aria-label={label}
        checked={checked}
        title={r.reason ?? undefined}
        // A refused click (or Space) is cancelled, so the box does not change; React still reports
        // a change for that same click (it reads the box before the browser puts it back), so the
        // change is dropped too.
        onClick={(e) => {
          e.stopPropagation();
          if (!r.allowed()) e.preventDefault();
        }}
        onChange={() => r.reason === null && onChange()}
        {...r.control}
      />
      {r.hint}
    </span>
  );
}
