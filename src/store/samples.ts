// Built-in samples: real QEMU 7.2 files from public/fixtures (scripts/make-fixtures.mjs).

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

const base = import.meta.env?.BASE_URL ?? '/';

export const SAMPLES: Sample[] = [
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
