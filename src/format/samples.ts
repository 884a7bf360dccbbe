// Built-in samples: real QEMU 7.2 files from public/fixtures (scripts/make-fixtures.mjs). The list
// is plain data in the core so the worker (which warms up on the first) and the page share it; the
// page's base URL comes from the caller, the core knows nothing of Vite.

export interface Sample {
  id: string;
  label: string;
  name: string;
  url: string;
  /**
   * A device-state file carries no description; the migration stream of the same VM does, so it
   * is loaded as the description (manifest.json "describedBy").
   */
  descriptionUrl?: string;
}

export const sampleList = (base: string): Sample[] => [
  {
    id: 'q35-devstate',
    label: 'q35 device state (xen-save-devices-state)',
    name: 'q35-devstate.bin',
    url: `${base}fixtures/q35-devstate.bin`,
    descriptionUrl: `${base}fixtures/q35-migration.bin`,
  },
  {
    id: 'q35-migration',
    label: 'q35 migration stream (32 MiB guest)',
    name: 'q35-migration.bin',
    url: `${base}fixtures/q35-migration.bin`,
  },
];
