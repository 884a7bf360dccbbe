// The bundled description library (src/format/vmdesc-library/, made from real QEMU 7.2 by
// scripts/make-vmdesc-library.mjs): field layouts for files that carry no vmdesc.
import type { DescriptionBody, DescriptionLibrary } from './descriptions.ts';

export function bundledLibrary(): DescriptionLibrary | undefined {
  return undefined;
}

export type { DescriptionBody };
