// The nested decompression worker's entry (inflate-nested.ts): spawned by the decode worker for
// one compressed open, it reads the file and hands the decompressed stream back in batches.

import { serveInflate, type NestedPort } from './inflate-nested.ts';

serveInflate(self as unknown as NestedPort);
