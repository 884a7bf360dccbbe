// PCI config space bytes QEMU compares when it loads a PCI device (hw/pci/pci.c
// get_pci_config_device): used for plain PCI devices and for the PCI transport of virtio devices.

/**
 * PCI config registers the PCI specification makes read-only, which QEMU refuses to see change
 * ("Bad config data", hw/pci/pci.c get_pci_config_device compares them under cmask & ~wmask):
 * ids, revision, class, header type, subsystem ids, capability pointer, interrupt pin, and in the
 * capability list the ids and links, PM capabilities, PCI Express capability/device/link/slot
 * capabilities, MSI-X table size and locations, vendor capability lengths and types. Device-specific
 * registers (e.g. the q35 MCH's graphics control at 0x50, which firmware may set) are not compared:
 * nothing in the file says whether they are writable. Verified against real loads between 7.2,
 * 10.0 and 11.1 (compat.test.ts).
 */
export function readOnlyConfigBytes(config: Uint8Array): number[] {
  const out = [0, 1, 2, 3, 8, 9, 10, 11, 0x0e, 0x2c, 0x2d, 0x2e, 0x2f, 0x34, 0x3d];
  const range = (from: number, n: number) => {
    for (let i = from; i < from + n && i < config.length; i++) out.push(i);
  };
  if (!(config[6] & 0x10)) return out; // status: no capability list
  let cap = config[0x34] & 0xfc;
  for (let hops = 0; cap >= 0x40 && cap < 0x100 && hops < 48; hops++) {
    range(cap, 2);
    const id = config[cap];
    if (id === 0x01) range(cap + 2, 2);
    else if (id === 0x10) [2, 4, 5, 6, 7, 0xc, 0xd, 0xe, 0xf, 0x14, 0x15, 0x16, 0x17, 0x24, 0x25, 0x26, 0x27, 0x2c, 0x2d, 0x2e, 0x2f].forEach((o) => range(cap + o, 1));
    else if (id === 0x11) range(cap + 2, 1), range(cap + 4, 8);
    else if (id === 0x09) range(cap + 2, 2);
    cap = config[cap + 1] & 0xfc;
  }
  return out;
}

/** The first read-only register byte (judged on the target's own config) where the two differ. */
export function firstReadOnlyDifference(mine: Uint8Array, theirs: Uint8Array): number {
  const bytes = readOnlyConfigBytes(theirs).filter((i) => i < mine.length).sort((a, b) => a - b);
  return bytes.find((i) => mine[i] !== theirs[i]) ?? -1;
}
