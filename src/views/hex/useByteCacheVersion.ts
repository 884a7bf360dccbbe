import { useSyncExternalStore } from 'react';
import type { ByteCache } from '../../store/byte-cache.ts';

const noSubscribe = () => () => {};
const zero = () => 0;

/** Re-renders the caller whenever a byte page arrives in `cache`. */
export function useByteCacheVersion(cache: ByteCache | null): number {
  return useSyncExternalStore(cache?.subscribe ?? noSubscribe, cache?.getVersion ?? zero);
}
