// Retry rules that give a device the value QEMU says it lacks (NOT-COVERED.md's class `config`, issue
// 12): each answers one QEMU message, quoted beside it, with the least a real guest would also give
// (libvirt gives pseries guests with many PCI devices a second PHB with index=1, a pci-bridge a
// chassis_nr, a DIMM a size the machine accepts). Spread into targets.mjs RETRY_RULES; each is applied
// at most once per probe, like the others.

/** Where `-device loader` puts its small file: guest RAM no firmware, ROM or device tree of the machine uses. */
const LOADER_ADDR = { pc: '0x100000', q35: '0x100000', virt: '0x44000000', pseries: '0x8000000', 's390-ccw-virtio': '0x8000000' };
/** The small file every probe's work directory has (make-vmdesc-library.mjs writes 64 KiB of zeros there). */
const smallFile = (cfg) => `${cfg.workDir}/firmware.bin`;
const isType = (cfg, ...types) => types.includes(cfg.device?.type);
const push = (cfg, ...opts) => (cfg.device.opts.push(...opts), true);

export const VALUE_RULES = [
  {
    // hw/ppc/spapr_pci.c: pseries plugs only bridges whose chassis_nr is set ('PCI Bridge lacks a
    // "chassis_nr" property', QEMU 7.2 and 11.1); pci-bridge and pci-bridge-seat have one, so give it.
    // The PCIe ports and dec-21154-p2p-bridge have none: QEMU's hint "Try -device pci-bridge instead"
    // stays their reason (not-covered.mjs files it under `place`).
    name: 'spapr-chassis',
    re: /PCI Bridge lacks a "chassis_nr" property/,
    fix: (cfg) => ((cfg.device.allProps ?? []).includes('chassis_nr') ? push(cfg, 'chassis_nr=7') : false),
  },
  {
    // '"index" for PAPR PHB is mandatory': an extra PCI host bridge on pseries; the machine's own is 0.
    name: 'phb-index',
    re: /"index" for PAPR PHB is mandatory/,
    fix: (cfg) => push(cfg, 'index=1'),
  },
  {
    // pseries: "Hotplugged memory size must be a multiple of 256 MB" (its LMB size); the probe's
    // memdev is 128M otherwise. `maxmem` (1G over 512M of RAM) leaves room for it.
    name: 'lmb-size',
    re: /memory size must be a multiple of 256 MB/,
    fix: (cfg) => ((cfg.memdevSize = '256M'), true),
  },
  {
    // pseries: "PAPR requires NVDIMM devices to have label-size set" (hw/ppc/spapr_nvdimm.c), and its
    // size less the label must be a multiple of 256 MiB: a 128 KiB label (NVDIMM's minimum) on 256 MiB.
    name: 'papr-nvdimm-label',
    re: /PAPR requires NVDIMM devices to have label-size set/,
    fix: (cfg) => ((cfg.memdevSize = `${256 * 1024 + 128}K`), push(cfg, 'label-size=128K')),
  },
  {
    // ...then "NVDIMM device requires the uuid to be set" (pseries names its NVDIMMs by UUID).
    name: 'nvdimm-uuid',
    re: /NVDIMM device requires the uuid to be set/,
    fix: (cfg) => push(cfg, 'uuid=6e2a3b5c-0d1e-4f20-9a3b-4c5d6e7f8091'),
  },
  {
    // ..."spapr-nvdimm device requires the memdev … to be of memory-backend-file type": a file in the
    // probe's work directory (sparse; removed with it).
    name: 'nvdimm-file',
    re: /requires the memdev \S+ to be of memory-backend-file type/,
    fix: (cfg) => ((cfg.memdevFile = true), true),
  },
  {
    // zpci (s390x) "target must be defined": the id of the PCI device it gives a zPCI function to,
    // which must come after it (a PCI device made first gets a zpci of its own: "target … already has
    // an associated zpci device"). virtio-rng-pci has the MSI-X s390x requires and no backend to add.
    name: 'zpci-target',
    re: /target must be defined/,
    fix: (cfg) => (isType(cfg, 'zpci') ? ((cfg.extra = [...(cfg.extra ?? []), '-device', 'virtio-rng-pci,id=probe-zpci-pci']), push(cfg, 'target=probe-zpci-pci')) : false),
  },
  {
    // sp-mem (x86): "'node' property value 0 exceeds the number of NUMA nodes (0)": one NUMA node
    // holding the guest's RAM (QEMU wants the nodes' memory to add up to -m); `maxmem` follows.
    name: 'numa-node',
    re: /exceeds the number of NUMA nodes \(0\)/,
    fix: (cfg) => ((cfg.extra = [...(cfg.extra ?? []), '-object', `memory-backend-ram,id=probe-numa,size=${cfg.mem}M`, '-numa', 'node,memdev=probe-numa']), true),
  },
  {
    // cxl-switch-mailbox-cci "Target not set": the CXL switch upstream port it serves, as function 0
    // of the slot whose function 1 the CCI is, below a CXL root port of a CXL host bridge.
    name: 'cxl-cci-target',
    re: /Target not set/,
    fix: (cfg) => {
      if (!isType(cfg, 'cxl-switch-mailbox-cci')) return false;
      cfg.machineOpts = [...(cfg.machineOpts ?? []), 'cxl=on', 'cxl-fmw.0.targets.0=probe-cxl', 'cxl-fmw.0.size=4G'];
      cfg.providers = [...(cfg.providers ?? []), 'cxl-rp', 'cxl-upstream'];
      return push(cfg, 'bus=probe-cxl-rp', 'addr=0.1', 'target=probe-cxl-us');
    },
  },
  {
    // aspeed-otp: "'size' property must be set" (its OTP memory; 16 KiB).
    name: 'otp-size',
    re: /'size' property must be set/,
    fix: (cfg) => (isType(cfg, 'aspeed-otp') ? push(cfg, 'size=16384') : false),
  },
  {
    // led: "property 'color' not specified" (any of QEMU's LED colours).
    name: 'led-color',
    re: /property 'color' not specified/,
    fix: (cfg) => push(cfg, 'color=green'),
  },
  {
    // nand: "Unsupported NAND block size 0x1" — chip_id 0 is no chip; 0x73 is a 16 MiB chip of
    // 512-byte pages in hw/block/nand.c's table, from Samsung (manufacturer 0xec).
    name: 'nand-chip',
    re: /Unsupported NAND block size/,
    fix: (cfg) => push(cfg, 'chip_id=0x73', 'manufacturer_id=0xec'),
  },
  {
    // vfio-pci-igd-lpc-bridge, the ISA/LPC bridge stand-in for a passed-through Intel GPU: "VFIO dummy
    // ISA/LPC bridge must have address 1f.0" (free on pc; q35's own LPC bridge is there).
    name: 'igd-lpc-addr',
    re: /must have address 1f\.0/,
    fix: (cfg) => push(cfg, 'addr=1f.0'),
  },
  {
    // loader (the generic loader): "please include valid arguments": a small file and a RAM address.
    name: 'loader-file',
    re: /please include valid arguments/,
    fix: (cfg) => (isType(cfg, 'loader') && LOADER_ADDR[cfg.machine] ? push(cfg, `file=${smallFile(cfg)}`, `addr=${LOADER_ADDR[cfg.machine]}`, 'force-raw=on') : false),
  },
  {
    // guest-loader: "Need to specify a kernel or initrd image" (a small file as the kernel, at a RAM
    // address). Machines without a device tree then refuse it: "Cannot modify FDT fields if the
    // machine has none" (`place`).
    name: 'guest-loader-kernel',
    re: /Need to specify a kernel or initrd image/,
    fix: (cfg) => (LOADER_ADDR[cfg.machine] ? push(cfg, `kernel=${smallFile(cfg)}`, `addr=${LOADER_ADDR[cfg.machine]}`) : false),
  },
];
