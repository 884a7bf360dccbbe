import { useEffect, useRef, useState } from 'react';
import { SAMPLES } from '../../store/samples.ts';
import { useExplorer } from '../../store/useExplorer.ts';

/** "Open sample": the built-in real QEMU files served from this page's origin. */
export function SampleMenu() {
  const openSample = useExplorer((s) => s.openSample);
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const close = (e: Event) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', close);
    return () => document.removeEventListener('pointerdown', close);
  }, [open]);

  return (
    <div className="menu-wrap" ref={ref} onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}>
      <button type="button" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)}>
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
