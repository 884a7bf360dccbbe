// How the section table is filtered and sorted; the rows themselves derive from the model.

import type { SortingState } from '@tanstack/react-table';
import type { Slice } from './types.ts';

export interface SectionsSlice {
  sectionFilter: string;
  sorting: SortingState;
  setSectionFilter(text: string): void;
  setSorting(sorting: SortingState): void;
}

export const createSectionsSlice: Slice<SectionsSlice> = (set) => ({
  sectionFilter: '',
  sorting: [],
  setSectionFilter: (sectionFilter) => set({ sectionFilter }),
  setSorting: (sorting) => set({ sorting }),
});
