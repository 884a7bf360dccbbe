import { useEffect, useState } from 'react';
import type { SectionDiff } from '../../format/diff/types.ts';
import type { FieldNode, StreamRecord } from '../../format/model.ts';
import { useExplorer } from '../../store/useExplorer.ts';
import { HexSnippet } from './HexSnippet.tsx';

/**
 * Both files' bytes of the selected difference side by side, each annotated with its own fields.
 * A click on the left bytes selects that field in the explorer's tree and hex view (the open
 * file); on either side, a byte of another listed difference selects that difference.
 */
export function SideBySideHex({ section, path }: { section: SectionDiff; path: string | null }) {
  const model = useExplorer((s) => s.model);
  const leftSize = useExplorer((s) => s.file?.size ?? 0);
  const rightSize = useExplorer((s) => s.compare?.reply?.result.right.size ?? 0);
  const leftBytes = useExplorer((s) => s.leftBytes);
  const rightBytes = useExplorer((s) => s.compareBytes);
  const compareRecord = useExplorer((s) => s.compareRecord);
  const selectOffset = useExplorer((s) => s.selectOffset);
  const selectDifference = useExplorer((s) => s.selectDifference);
  const [right, setRight] = useState<StreamRecord | null>(null);
  const [picked, setPicked] = useState<string | null>(null);
  const rightIndex = section.right?.recordIndex;
  useEffect(() => {
    let live = true;
    setRight(null);
    if (rightIndex !== undefined) compareRecord(rightIndex).then((r) => live && setRight(r), () => undefined);
    return () => {
      live = false;
    };
  }, [compareRecord, rightIndex]);
  const field = path ? section.fields.find((f) => f.path === path) : undefined;
  const leftAt = field?.left ?? (section.left && { offset: section.left.offset, size: Math.min(section.left.size, 64) });
  const rightAt = field?.right ?? (section.right && { offset: section.right.offset, size: Math.min(section.right.size, 64) });
  const leftFields = section.left ? model?.records[section.left.recordIndex]?.fields : undefined;
  // A picked byte's field, when it is one of the differences listed, becomes the selected one.
  const listed = (f: FieldNode | null, o: number) => {
    if (!f) return null;
    const rel = f.path.slice(f.path.indexOf('/') + 1);
    // A buffer's differing bytes are listed one by one, named like an edit of that byte.
    const byte = `${rel}[${o - f.offset}]`;
    return section.fields.find((x) => x.path === rel || x.path === byte)?.path ?? null;
  };
  const pick = (side: 'left' | 'right', o: number, f: FieldNode | null) => {
    setPicked(`${side} 0x${o.toString(16)}: ${f?.path ?? 'no field'}`);
    const rel = listed(f, o);
    if (rel && rel !== path) selectDifference({ key: section.key, path: rel });
  };
  const pickLeft = (o: number, f: FieldNode | null) => {
    // The open file's tree and hex view follow the left side.
    selectOffset(o);
    pick('left', o, f);
  };
  return (
    <div className="side-by-side" aria-label="Bytes side by side">
      {leftAt ? (
        <HexSnippet label="Left (open file)" fileSize={leftSize} offset={leftAt.offset} size={leftAt.size} fetch={leftBytes} fields={leftFields} onPick={pickLeft} />
      ) : (
        <p className="muted">Not in the left file.</p>
      )}
      {rightAt ? (
        <HexSnippet label="Right" fileSize={rightSize} offset={rightAt.offset} size={rightAt.size} fetch={rightBytes} fields={right?.fields} onPick={(o, f) => pick('right', o, f)} />
      ) : (
        <p className="muted">Not in the right file.</p>
      )}
      {picked && <p className="muted" role="status">{picked}</p>}
    </div>
  );
}
