// Test support (Node only): the libvirt save images of public/fixtures/libvirt (made by
// scripts/libvirt/make-fixtures.sh with real libvirt 9.0); raw variants are committed gzipped.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FIXTURE_DIR } from './fixtures.ts';

export function libvirtFixture(name: string): Uint8Array {
  const bytes = readFileSync(join(FIXTURE_DIR, 'libvirt', name));
  return new Uint8Array(name.endsWith('.gz') ? gunzipSync(bytes) : bytes);
}
