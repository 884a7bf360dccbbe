import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { SAMPLES } from '../../store/samples.ts';
import { useExplorer } from '../../store/useExplorer.ts';

/** "Open sample": the built-in real QEMU files served from this page's origin. */
export function SampleMenu() {
  const openSample = useExplorer((s) => s.openSample);
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const close = (e: Event) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', close);
    return () => document.removeEventListener('pointerdown', close);
  }, [open]);

  // A role="menu" promises the menu keys: arrows, Home and End move between the items, Escape
  // closes it and gives the focus back to "Open sample" (it fell to the page's start), Tab leaves.
  const onKeyDown = (e: KeyboardEvent) => {
    if (!open) return;
    if (e.key === 'Escape') {
      e.preventDefault();
      setOpen(false);
      button.current?.focus();
      return;
    }
    if (e.key === 'Tab') return setOpen(false);
    const items = [...(ref.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    const next = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: items.length - 1 }[e.key];
    if (next === undefined || items.length === 0) return;
    e.preventDefault();
    items[(next + items.length) % items.length].focus();
  };

  return (
    <div className="menu-wrap" ref={ref} onKeyDown={onKeyDown}>
      <button type="button" ref={button} aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)}>
        Open sample
      </button>
      {open && (
        <div role="menu" className="menu" aria-label="Samples">
          {SAMPLES.map((s, i) => (
            <button
              key={s.id}
              type="button"
              role="menuitem"
              autoFocus={i === 0}
              onClick={() => {
                setOpen(false);
                void openSample(s.id);
              }}
            >
              {s.label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
