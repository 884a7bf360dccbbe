// The compatibility check's target data in the worker: public/compat (scripts/make-compat-fixtures.mjs)
// fetched from the same origin the first time a check needs it, gunzipped with DecompressionStream,
// kept for the rest of the session. Nothing of it is in the bundle: a page that never checks never
// loads it (the data for one version and architecture is 100-300 KB compressed, mostly the
// reference VM's migration stream whose description decodes the reference state).

import { CompatData, type CompatFileReader } from '../format/compat/run.ts';

const BASE = `${import.meta.env?.BASE_URL ?? '/'}compat/`;

async function fetchGunzipped(name: string): Promise<Uint8Array | null> {
  const res = await fetch(new URL(`${BASE}${name}.gz`, self.location.href));
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`compatibility data ${name}.gz: HTTP ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  // A server that sends .gz with Content-Encoding: gzip has the browser decompress it already.
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    // vite's dev server answers a missing file with the page itself.
    return bytes[0] === 0x3c ? null : bytes;
  }
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
}

let data = new CompatData(fetchGunzipped);

/** Node tests have no origin to fetch from: they read public/compat from disk. */
export function setCompatReader(read: CompatFileReader): void {
  data = new CompatData(read);
}

export const compatData = (): CompatData => data;
