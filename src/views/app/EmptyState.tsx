import { SAMPLES } from '../../store/samples.ts';
import { useExplorer } from '../../store/useExplorer.ts';

/** What the page says before a file is open: what to drop, and that nothing is uploaded. */
export function EmptyState() {
  const openSample = useExplorer((s) => s.openSample);
  return (
    <div className="empty">
      <h2>Drop a QEMU state file anywhere on this page</h2>
      <p>
        A <code>xen-save-devices-state</code> file, a migration stream (<code>migrate "exec:cat &gt; file"</code>), a
        <code> savevm</code> or <code>virsh save</code> image, or a COLO checkpoint buffer. Or use <strong>Open state file</strong> above.
      </p>
      <p>Files are read in this browser tab only: no byte of them leaves your machine.</p>
      <div className="empty-samples">
        {SAMPLES.map((s) => (
          <button key={s.id} type="button" onClick={() => void openSample(s.id)}>
            Try: {s.label}
          </button>
        ))}
      </div>
    </div>
  );
}
