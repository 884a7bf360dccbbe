import { useState } from 'react';
import { useFocusBack } from '../common/useFocusBack.ts';
import { leafType } from '../../format/field-types/index.ts';
import type { FieldNode } from '../../format/model.ts';

/**
 * One leaf of a container record (an HVM context register, an APIC or RTC field), shown with its
 * field type's display and edited as that type's text: the edit goes through the edit model as
 * a 'container' change, so it is in undo, the edit list and patches like a stream field.
 */
export function ContainerField({ node, onSet, pending }: { node: FieldNode; onSet(path: string, value: string): Promise<boolean>; pending: boolean }) {
  const type = leafType(node);
  const [draft, setDraft] = useState<string | null>(null);
  // As the page's other editors: the input takes the focus, and closing it (Set, Cancel, Escape)
  // gives it back to this field's "edit" button; the removed input left it on the page's start.
  const back = useFocusBack<HTMLButtonElement>(draft === null);
  const close = () => back.close(() => setDraft(null));
  const shown = node.value === undefined ? `${node.size} bytes at 0x${node.offset.toString(16)}` : type.display(node.value, node.size);
  if (draft === null) {
    return (
      <span className="mono">
        {' '}= {shown}{' '}
        {node.value !== undefined && (
          <button type="button" ref={back.ref} className="linkish" aria-label={`Edit ${node.path}`} onClick={() => setDraft(type.text(node.value ?? null, node.size))}>edit</button>
        )}
      </span>
    );
  }
  const save = () => void onSet(node.path, draft).then((ok) => ok && close());
  return (
    <span className="mono">
      {' '}={' '}
      <input aria-label={`New value of ${node.path}`} value={draft} spellCheck={false} onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => { if (e.key === 'Enter') save(); if (e.key === 'Escape') close(); }} autoFocus />{' '}
      <button type="button" onClick={save} disabled={pending}>{pending ? 'Setting…' : 'Set'}</button>{' '}
      <button type="button" onClick={close}>Cancel</button>
    </span>
  );
}
