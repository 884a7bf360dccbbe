// What this process is making and has not finished (a partial output, a decompressed image's
// temporary stream) is removed if it is interrupted: Ctrl+C or kill would otherwise leave it
// behind, a spill as large as the decompressed stream (GiBs) or an output half written.
// One registry for the whole process, so that whichever command's file is pending, the first
// signal removes them all before exiting (two handlers that each exit would skip the other's).
import { rmSync } from 'node:fs';

const pending = new Set<string>();

const removeAll = () => {
  for (const p of pending) rmSync(p, { recursive: true, force: true });
  pending.clear();
};

// The 'exit' listener does the removing, so a process.exit() anywhere still removes them.
const onSignal = (signal: NodeJS.Signals) => process.exit(signal === 'SIGINT' ? 130 : 143);

/** Removes `path` (a file or directory) if the process ends before the returned function is called. */
export function removeIfInterrupted(path: string): () => void {
  pending.add(path);
  if (pending.size === 1) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('exit', removeAll);
  }
  return () => {
    if (!pending.delete(path) || pending.size) return;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', removeAll);
  };
}
