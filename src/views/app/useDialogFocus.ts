// What a modal <dialog> does for focus, for a dialog opened with show(): Tab stays inside it, and
// closing it gives the focus back to where it was. showModal() would do both, but it makes the
// rest of the page inert, which restyles and repaints every element of the page on opening and
// again on closing (~30 ms each with a few hundred section rows, measured in Chromium).

import { useEffect, useRef, type KeyboardEvent, type RefObject } from 'react';

const FOCUSABLE = 'input, button, textarea, select, [tabindex]:not([tabindex="-1"])';

/** Opens and closes `ref`'s dialog with `open`; returns its Tab/Escape key handler. */
export function useDialogFocus(ref: RefObject<HTMLDialogElement | null>, open: boolean, onClose: () => void): (e: KeyboardEvent) => void {
  const before = useRef<Element | null>(null);

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      before.current = document.activeElement;
      d.show();
    } else if (!open && d.open) {
      const inside = d.contains(document.activeElement) || document.activeElement === document.body;
      d.close();
      if (inside && before.current instanceof HTMLElement) before.current.focus();
      before.current = null;
    }
  }, [ref, open]);

  return (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      onClose();
      return;
    }
    if (e.key !== 'Tab' || !ref.current) return;
    const items = [...ref.current.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => !(el as HTMLButtonElement).disabled);
    const first = items[0];
    const last = items[items.length - 1];
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last?.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first?.focus();
    }
  };
}
