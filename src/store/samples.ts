// The built-in samples at this page's base URL (the list itself is format/samples.ts).
import { sampleList } from '../format/samples.ts';

export type { Sample } from '../format/samples.ts';

export const SAMPLES = sampleList(import.meta.env?.BASE_URL ?? '/');
