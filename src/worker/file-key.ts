// The key edits are kept under in the browser: a SHA-256 of the file, so the same bytes find their
// edits again whatever the file is called. Hashing a multi-GiB stream would take as long as
// scanning it, so above WHOLE_FILE_LIMIT only the size, the first and last MiB and SAMPLES
// evenly spaced 64 KiB slices are hashed (the device sections of a migration stream sit in its
// last MiB). Two files that agree on all of those share a key; restoring still checks every
// edited byte against the file (format/edit/history.ts restoreHistory), so a wrong match is dropped.

const MiB = 1024 * 1024;
export const WHOLE_FILE_LIMIT = 16 * MiB;
const EDGE = MiB;
const SAMPLES = 16;
const SAMPLE_SIZE = 64 * 1024;

function hex(buf: ArrayBuffer): string {
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** "sha256:SIZE:HEX" for files up to WHOLE_FILE_LIMIT, else "sampled-sha256:SIZE:HEX". */
export async function fileKey(file: Blob): Promise<string> {
  const size = file.size;
  if (size <= WHOLE_FILE_LIMIT) return `sha256:${size}:${hex(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()))}`;
  const parts: Blob[] = [file.slice(0, EDGE)];
  for (let i = 1; i <= SAMPLES; i++) {
    const at = Math.floor((size * i) / (SAMPLES + 1));
    parts.push(file.slice(at, at + SAMPLE_SIZE));
  }
  parts.push(file.slice(size - EDGE));
  const data = await new Blob(parts).arrayBuffer();
  return `sampled-sha256:${size}:${hex(await crypto.subtle.digest('SHA-256', data))}`;
}
