import { useExplorer } from '../../store/useExplorer.ts';
import { FileButton } from '../common/FileButton.tsx';
import { useIgnoreList } from './useIgnoreList.ts';

/**
 * "Compare with…": a second file compared with the open one. Disabled with the reason when there is
 * nothing to compare with; picked while the open file still opens, it waits for the open.
 */
export function CompareButton() {
  const compareWith = useExplorer((s) => s.compareWith);
  // Always mounted with the toolbar: the kept ignore list is in the store before a comparison starts.
  useIgnoreList();
  return <FileButton label="Compare with…" onFile={(f) => void compareWith(f, f.name)} action="compare" />;
}
