import { useExplorer } from '../../store/useExplorer.ts';

function mib(n: number): string {
  return `${(n / (1024 * 1024)).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MiB`;
}

/** Bytes scanned of total while the worker reads the file, with a way out, and how devices first went. */
export function ScanProgress() {
  const scan = useExplorer((s) => s.scan);
  const cancel = useExplorer((s) => s.cancelScan);
  const describeNext = useExplorer((s) => s.queuedDescription?.name);
  const goToNext = useExplorer((s) => s.pendingGoTo);
  const compareNext = useExplorer((s) => s.queuedCompare?.name);
  if (!scan) return null;
  const pct = scan.total > 0 ? Math.floor((scan.scanned / scan.total) * 100) : 0;
  // A compressed image is first decompressed into the spill: compressed bytes read of the file, and stream bytes made.
  const inflating = scan.produced !== undefined;
  const label = inflating ? `Decompressing ${scan.name}` : scan.what === 'open' ? `Scanning ${scan.name}` : scan.what === 'channels' ? `Reading multifd channels: ${scan.name}` : `Decoding with ${scan.name}`;
  const d = scan.devices;
  return (
    <div className="scan-progress">
      <span>{label}</span>
      <progress
        max={scan.total || 1}
        value={scan.scanned}
        aria-label={label}
        aria-valuetext={`${mib(scan.scanned)} of ${mib(scan.total)} (${pct}%)`}
      />
      <span className="mono">
        {mib(scan.scanned)} / {mib(scan.total)}
        {inflating && ` compressed read, ${mib(scan.produced!)} of stream made`}
      </span>
      <button type="button" onClick={cancel}>Cancel</button>
      {(describeNext || goToNext || compareNext) && (
        <span className="devices-note" role="note" aria-label="Waiting for the open">
          Then: {[describeNext && `describe with ${describeNext}`, goToNext && `go to ${goToNext}`, compareNext && `compare with ${compareNext}`].filter(Boolean).join(', ')}
        </span>
      )}
      {d && (
        <span className="devices-note" role="note">
          {d.ok ? `${d.sections} device sections shown; reading the rest.` : `Reading from the start (devices first not possible: ${d.reason}).`}
        </span>
      )}
    </div>
  );
}
