import { useMemo } from 'react';
import type { ContainerInfo } from '../../format/container/types.ts';
import type { StreamModel } from '../../format/model.ts';
import { useExplorer } from '../../store/useExplorer.ts';
import { EditToolbar } from '../edits/EditToolbar.tsx';
import { FileButton } from '../common/FileButton.tsx';
import { RefusableButton } from '../common/Refusable.tsx';
import { SampleMenu } from './SampleMenu.tsx';
import { CompareButton } from '../compare/CompareButton.tsx';
import { chosenSnapshot, snapshotLabel } from '../../store/snapshot-choice.ts';

function sizeText(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MiB` : `${n.toLocaleString('en-US')} bytes`;
}

/**
 * Inside a container the model's size is the stream's, not the file's: a person who sees a
 * 197 KB gzip image called "302,021 bytes" doubts the tool. The file's size comes first, the
 * stream's (the offsets' range below) after it, each named.
 */
function sizeLine(streamSize: number, container: ContainerInfo | null): string {
  if (!container) return sizeText(streamSize);
  const what = container.kind === 'qcow2' ? 'VM state' : container.inner.codec === 'raw' ? 'stream' : `${container.inner.codec} stream`;
  // A qcow2 image's title names the chosen snapshot, which the line already shows.
  const title = container.kind === 'qcow2' ? 'qcow2 image' : container.title;
  return `${sizeText(container.fileSize)} ${title} · ${what} ${sizeText(streamSize)}`;
}

/**
 * While the field trees are on their way: the sections decoded by the bundled library also wait for
 * the likely QEMU version, which the worker works out after the section table (issue #12).
 */
function outlineNote(model: StreamModel): string {
  return model.records.some((r) => r.decodedBy === 'bundled') ? ' · loading fields and the likely QEMU version' : ' · loading fields';
}

/** Opening files and samples, go to, undo/redo and download, and one line about the open file. */
export function Toolbar({ onGoTo, onCheck }: { onGoTo(): void; onCheck(): void }) {
  const file = useExplorer((s) => s.file);
  const model = useExplorer((s) => s.model);
  const partial = useExplorer((s) => s.partial);
  const snapshot = useExplorer(chosenSnapshot);
  const openFiles = useExplorer((s) => s.openFiles);
  const addChannels = useExplorer((s) => s.addChannels);
  // Offered only for a stream that looks like a multifd main channel: it announces RAM blocks but
  // carries no page data itself (multifd sends every normal page on its channels; zero pages may
  // still come on the main channel with 7.2's or 'legacy' zero-page detection). Shown for every
  // migration, it pushed Undo/Redo/Download onto a second toolbar row at 1280 px for files that
  // can take no channels. Several files dropped or picked together still open as main + channels.
  const takesChannels = useMemo(() => model?.variant === 'migration' && model.ramBlocks.length > 0 && !model.records.some((r) => r.ram && r.ram.pages + r.ram.xbzrle + r.ram.compressed > 0), [model]);
  const container = useExplorer((s) => s.container);
  const openDescription = useExplorer((s) => s.openDescription);
  return (
    <header className="toolbar">
      <h1>vmstate explorer</h1>
      <FileButton label="Open state file" onFiles={(fs) => void openFiles(fs.map((f) => ({ file: f, name: f.name })))} className="primary" title="Open a state file (or a multifd main channel with its channel files, picked together)" />
      <FileButton label="Open description" accept=".json,application/json,.bin,*/*" onFile={(f) => void openDescription(f, f.name)} action="describe" />
      {takesChannels && (
        <FileButton label="Add multifd channels…" onFiles={(fs) => void addChannels(fs.map((f) => ({ file: f, name: f.name })))} action="channels" title="Open the multifd channel files of this migration beside it: the RAM view then takes each page from the file that last wrote it" />
      )}
      <SampleMenu />
      <CompareButton />
      <RefusableButton action="goto" onPress={onGoTo} title="Go to an offset, field or section (Ctrl+G)" keys="Control+G">
        Go to…
      </RefusableButton>
      <RefusableButton action="compat" onPress={onCheck} title="Will this file load into QEMU 7.2, 10.0 or 11.1?">
        Check against QEMU…
      </RefusableButton>
      {model && <EditToolbar />}
      {file && model && (
        <p className="file-info">
          <strong>{file.name}</strong>
          {snapshot ? <span className="snapshot-name"> · snapshot {snapshotLabel(snapshot)}</span> : null} · {sizeLine(file.size, container)} · {model.variant}
          {model.machine ? ` · ${model.machine}` : ''}
          {model.likelyQemu ? ` · fits QEMU ${model.likelyQemu.join(' / ')}` : ''}
          {file.description ? ` · described by ${file.description}` : ''}
          {partial === 'devices' ? ' · devices first, still reading' : partial === 'outline' ? outlineNote(model) : model.complete ? '' : ' · incomplete'}
        </p>
      )}
    </header>
  );
}
