import { useEffect, useState } from 'react';
import type { RamBlockInfo } from '../../format/model.ts';
import { useExplorer } from '../../store/useExplorer.ts';
import type { Replies } from '../../worker/protocol.ts';
import { busyReason } from '../../store/action-guard.ts';
import { RefusableButton } from '../common/Refusable.tsx';
import { RAM_COLUMNS, RamPicture } from './RamPicture.tsx';
import { RamPageView } from './RamPageView.tsx';

const MAX_CELLS = RAM_COLUMNS * 32;

function sizeText(n: number): string {
  if (n >= 1 << 30 && n % (1 << 30) === 0) return `${n / (1 << 30)} GiB`;
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)} MiB`;
  if (n >= 1 << 10 && n % (1 << 10) === 0) return `${n / (1 << 10)} KiB`;
  return `${n.toLocaleString('en-US')} bytes`;
}

/** A RAM block: its counts, its page picture from the worker and a raw download. */
export function RamBlockRow({ block }: { block: RamBlockInfo }) {
  const generation = useExplorer((s) => s.file?.generation ?? 0);
  const ramPicture = useExplorer((s) => s.ramPicture);
  const ramExport = useExplorer((s) => s.ramExport);
  // Asked again once the open is done: the outline and the full model share a generation.
  const refused = useExplorer((s) => busyReason(s, 'ram'));
  // Joined multifd channels change the pages' index: the picture is asked again.
  const multifd = useExplorer((s) => s.multifd);
  const pageSize = useExplorer((s) => s.model?.pageSize ?? 4096);
  const [pic, setPic] = useState<Replies['ram-picture'] | null>(null);
  const [state, setState] = useState<string>('');

  useEffect(() => {
    let live = true;
    setState('');
    ramPicture(block.name, MAX_CELLS).then(
      (p) => live && setPic(p),
      (e: Error) => live && setState(e.message),
    );
    return () => {
      live = false;
    };
  }, [ramPicture, generation, block.name, refused, multifd]);

  const download = async () => {
    setState('Preparing…');
    try {
      const r = await ramExport(block.name);
      const url = URL.createObjectURL(r.blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `${block.name.replace(/[^\w.-]+/g, '_').replace(/^_+/, '')}.raw`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setState(r.notes.join('; '));
    } catch (e) {
      setState(`Download failed: ${(e as Error).message}`);
    }
  };

  const other = block.xbzrle + block.compressed;
  const label = `${block.name}: ${block.zero} zero, ${block.pages} data, ${other} other pages${pic ? `; ${pic.pagesPerCell} page(s) per cell` : ''}`;
  return (
    <li className="ram-block">
      <div className="ram-head">
        <strong>{block.name}</strong>
        <span>{sizeText(block.length)}</span>
        <span className="muted">{block.zero.toLocaleString('en-US')} zero · {block.pages.toLocaleString('en-US')} data · {other.toLocaleString('en-US')} other</span>
        <RefusableButton by={{ reason: refused }} onPress={() => void download()} label={`Download ${block.name}`}>Download</RefusableButton>
      </div>
      {pic && <RamPicture cells={pic.cells} label={label} />}
      {state && <p className="muted">{state}</p>}
      {block.length > 0 && <RamPageView block={block.name} pages={Math.ceil(block.length / pageSize)} pageSize={pageSize} />}
    </li>
  );
}
