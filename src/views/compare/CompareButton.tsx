import { useExplorer } from '../../store/useExplorer.ts';
import { FileButton } from '../FileButton.tsx';
import { useIgnoreList } from './useIgnoreList.ts';

/** "Compare with…": a second file compared with the open one (refused, with the reason, until it is read). */
export function CompareButton() {
  const compareWith = useExplorer((s) => s.compareWith);
  const ready = useExplorer((s) => s.file !== null);
  // Always mounted with the toolbar: the kept ignore list is in the store before a comparison starts.
  useIgnoreList();
  if (!ready) return null;
  return <FileButton label="Compare with…" onFile={(f) => void compareWith(f, f.name)} />;
}
