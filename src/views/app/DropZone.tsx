import { useEffect, useRef, useState } from 'react';
import { useExplorer } from '../../store/useExplorer.ts';

type Target = 'state' | 'description' | 'compare';

/** A description is a JSON file; anything else dropped is taken as a state file. */
function defaultTarget(f: File, haveFile: boolean): Target {
  return haveFile && (f.name.toLowerCase().endsWith('.json') || f.type === 'application/json') ? 'description' : 'state';
}

/**
 * Files dropped anywhere on the page open. While a file is open the overlay offers two targets:
 * open as the new state file, or use as the description of the open one.
 */
export function DropZone() {
  // A file being opened counts: a description dropped meanwhile is applied once it is open.
  const haveFile = useExplorer((s) => s.file !== null || s.scan?.what === 'open');
  const openFiles = useExplorer((s) => s.openFiles);
  const refuseDrop = useExplorer((s) => s.refuseDrop);
  const openDescription = useExplorer((s) => s.openDescription);
  const compareWith = useExplorer((s) => s.compareWith);
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);
  const state = useRef({ haveFile, openFiles, openDescription, compareWith, refuseDrop });
  state.current = { haveFile, openFiles, openDescription, compareWith, refuseDrop };

  useEffect(() => {
    const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;
    const onEnter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth.current++;
      setDragging(true);
    };
    const onOver = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      e.dataTransfer!.dropEffect = 'copy';
    };
    const onLeave = () => {
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setDragging(false);
    };
    const onDrop = (e: DragEvent) => {
      e.preventDefault();
      depth.current = 0;
      setDragging(false);
      const files = [...(e.dataTransfer?.files ?? [])];
      const f = files[0];
      if (!f) return;
      const zone = (e.target as Element | null)?.closest?.('[data-drop]')?.getAttribute('data-drop') as Target | null;
      const s = state.current;
      // Several files open together (a multifd main channel and its channels); a description or a
      // second file to compare is one file, and more are refused, never dropped silently.
      const target = zone ?? (files.length > 1 ? 'state' : defaultTarget(f, s.haveFile));
      if (target !== 'state' && files.length > 1) s.refuseDrop(`${files.length} files dropped on "${target === 'description' ? 'use as the description' : 'compare'}", which takes one: nothing was done with ${files.map((x) => x.name).join(', ')}.`);
      else if (target === 'description') void s.openDescription(f, f.name);
      else if (target === 'compare') void s.compareWith(f, f.name);
      else void s.openFiles(files.map((x) => ({ file: x, name: x.name })));
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragover', onOver);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('drop', onDrop);
    };
  }, []);

  if (!dragging) return null;
  return (
    <div className="drop-overlay" aria-hidden="true">
      <div className="drop-target" data-drop="state">
        Drop to open as the state file
      </div>
      {haveFile && (
        <div className="drop-target" data-drop="description">
          Drop to use as the description (JSON, or a migration stream to take it from)
        </div>
      )}
      {haveFile && (
        <div className="drop-target" data-drop="compare">
          Drop to compare with the open file
        </div>
      )}
    </div>
  );
}
