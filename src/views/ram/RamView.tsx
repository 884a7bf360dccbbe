import { useExplorer } from '../../store/useExplorer.ts';
import type { RamBlockInfo, StreamRecord } from '../../format/model.ts';
import { RamBlockRow } from './RamBlockRow.tsx';

const NONE: RamBlockInfo[] = [];

/** RAM sections: the blocks announced in the stream and what was sent for their pages. */
export function RamView({ record }: { record: StreamRecord }) {
  // With multifd channels joined, each page counted once, by its last write over all the files.
  const blocks = useExplorer((s) => s.multifd?.blocks ?? s.model?.ramBlocks ?? NONE);
  const channels = useExplorer((s) => s.multifd?.channels.length ?? 0);
  const ram = record.ram!;
  return (
    <div className="ram-view" aria-label="RAM blocks" role="region">
      <p className="muted">
        This {record.sectionType?.toUpperCase()} record: {ram.pages.toLocaleString('en-US')} data, {ram.zero.toLocaleString('en-US')} zero
        {ram.xbzrle + ram.compressed ? `, ${ram.xbzrle + ram.compressed} other` : ''} page records. Blocks over the whole stream{channels ? ` and its ${channels} multifd channel file(s), each page by its last write` : ''}:
      </p>
      <p className="legend">
        <span className="sw zero" /> zero <span className="sw data" /> data <span className="sw other" /> other <span className="sw none" /> not sent
      </p>
      <ul className="ram-blocks">
        {blocks.map((b) => (
          <RamBlockRow key={b.name} block={b} />
        ))}
      </ul>
    </div>
  );
}
