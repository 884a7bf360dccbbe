import type { StreamRecord } from '../../format/model.ts';
import { recordStatus, recordType } from './section-columns.ts';

/** One formatter for every row: Number.toLocaleString builds one per call, which shows in a big table. */
const SIZE = new Intl.NumberFormat('en-US');

/** The whole idstr (the column is often narrower), and the VMSD's name where it differs. */
function deviceTitle(r: StreamRecord): string | undefined {
  if (!r.idstr) return undefined;
  return r.vmsdName && r.vmsdName !== r.idstr ? `${r.idstr} (vmsd ${r.vmsdName})` : r.idstr;
}

/**
 * The name a record without an idstr shows in the Device column: its Type column is narrow
 * ("com…", "multi…", "dam…" even in a 1920 px window) while this one has the room, and a
 * command's name (POSTCOPY_RUN, PING) is what a person scans a postcopy stream for.
 * Header and EOF say all there is in their Type.
 */
export function otherRecordName(r: StreamRecord): string {
  if (r.idstr || r.kind === 'header' || r.kind === 'eof' || r.kind === 'section') return '';
  return r.kind === 'command' ? (r.command?.name ?? 'command') : r.kind;
}

/** One cell of the section table, formatted for reading (hex offsets, grouped sizes). */
export function SectionCell({ column, record: r }: { column: string; record: StreamRecord }) {
  switch (column) {
    case 'type': {
      // The Status column is often scrolled out of a narrow pane (1280 px): a damaged or
      // warned record's type is coloured by its status and its title carries the message.
      const { status, message } = recordStatus(r);
      return (
        <td className={`c-type${status === 'ok' ? '' : ` st-${status}`}`} title={status === 'ok' ? recordType(r) : `${recordType(r)}: ${status} (${message})`}>
          {recordType(r)}
        </td>
      );
    }
    case 'sectionId':
      return <td className="c-num">{r.sectionId ?? ''}</td>;
    case 'device':
      return (
        <td className="c-device" title={deviceTitle(r)}>
          {r.idstr ?? <span className="muted">{otherRecordName(r)}</span>}
        </td>
      );
    case 'instance':
      return <td className="c-num">{r.instanceId ?? ''}</td>;
    case 'version':
      return <td className="c-num">{r.versionId ?? ''}</td>;
    case 'offset':
      return <td className="c-num mono">0x{r.offset.toString(16)}</td>;
    case 'size':
      return <td className="c-num">{SIZE.format(r.size)}</td>;
    case 'decodedBy':
      return <td title={r.describedBy}>{r.decodedBy ?? ''}{r.describedBy ? ` · ${r.describedBy.replace(/^QEMU ([\d.]+).*/, '$1')}` : ''}</td>;
    case 'status': {
      const { status, message } = recordStatus(r);
      return (
        <td className={`c-status ${status}`} title={message || undefined}>
          <span className="badge">{status}</span>
          {message && <span className="status-msg">{message}</span>}
        </td>
      );
    }
    default:
      return <td />;
  }
}
