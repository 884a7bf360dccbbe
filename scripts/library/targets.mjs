// Probe targets (machines and option combinations) and how a probe's QEMU command line is built:
// the backends a device's properties call for, the parent buses it needs, and retry rules keyed on
// QEMU's error messages (scripts/make-vmdesc-library.mjs).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ccidCardOpts, makeNssDb } from '../lib/nss-db.mjs';
import { hasVhostUserDaemon } from '../lib/vhost-user-daemons.mjs';
import { tpmBackendArgs } from '../lib/swtpm.mjs';
import { VALUE_RULES } from './value-rules.mjs';
import { ROOT } from './options.mjs';

// ------------------------------------------------------------------------------------------------
// Targets and built-in option combinations

// Combinations several machines are probed with, written once.
const SMP2 = { name: 'smp2', smp: '2' };
const CPU_MAX = { name: 'cpu-max', cpu: 'max' };
const CPU_MAX_SMP2 = { name: 'cpu-max-smp2', cpu: 'max', smp: '2' };
const DEFAULTS = { name: 'defaults', nodefaults: false };
const GIC_V3_SMP2 = { name: 'gic-v3-smp2', smp: '2', machineOpts: ['gic-version=3'] };
/** `combo` with the guest left running `ms` milliseconds before the save: run-NAME. */
const running = (ms, combo) => ({ ...combo, name: `run-${combo.name}`, run: ms });

/**
 * A probe target: machine `id` of `binary` with the base configuration and the combinations
 * probed beside it; `cpuProbes`: every CPU model is probed too.
 */
const target = (id, binary, base, cpuProbes, combos) => ({ id, binary, base, cpuProbes, combos });

/**
 * A probe configuration. Built into a QEMU command line by buildArgs().
 * machine: -M value (plus machineOpts), mem: -m value, cpu/smp optional, nodefaults (default true),
 * extra: additional raw args, device: {type, opts[]} or null, providers: bus names added.
 */
export const TARGETS = [
  target('x86_64-pc', 'qemu-system-x86_64', { machine: 'pc', mem: '64' }, true, [
    SMP2,
    { name: 'smp4-sockets2', smp: '4,sockets=2,cores=2' },
    CPU_MAX,
    CPU_MAX_SMP2,
    DEFAULTS,
    { name: 'defaults-usb-user-net', nodefaults: false, machineOpts: ['usb=on'], extra: ['-netdev', 'user,id=n0', '-device', 'e1000,netdev=n0'] },
    { name: 'hpet-off', machineOpts: ['hpet=off'] },
    { name: 'acpi-off', machineOpts: ['acpi=off'] },
    { name: 'vmport-on', machineOpts: ['vmport=on'] },
    { name: 'std-vga-usb-tablet', extra: ['-vga', 'std', '-usb', '-device', 'usb-tablet'] },
    { name: 'cirrus-vga', extra: ['-vga', 'cirrus'] },
    { name: 'pc-i440fx-5.2', machine: 'pc-i440fx-5.2' },
    { name: 'pc-i440fx-3.1', machine: 'pc-i440fx-3.1', nodefaults: false },
    { name: 'pc-i440fx-2.3', machine: 'pc-i440fx-2.3', nodefaults: false },
    { name: 'isapc', machine: 'isapc', nodefaults: false },
    running(300, SMP2),
    running(300, DEFAULTS),
  ]),
  target('x86_64-q35', 'qemu-system-x86_64', { machine: 'q35', mem: '64' }, false, [
    SMP2,
    CPU_MAX,
    DEFAULTS,
    { name: 'smm-off', machineOpts: ['smm=off'] },
    { name: 'pc-q35-5.2', machine: 'pc-q35-5.2', nodefaults: false },
    { name: 'intel-iommu', machineOpts: ['kernel-irqchip=split'], extra: ['-device', 'intel-iommu,intremap=on'] },
    running(300, SMP2),
    running(300, DEFAULTS),
  ]),
  target('aarch64-virt', 'qemu-system-aarch64', { machine: 'virt', cpu: 'cortex-a57', mem: '128' }, true, [
    SMP2,
    CPU_MAX,
    CPU_MAX_SMP2,
    DEFAULTS,
    { name: 'gic-v3', machineOpts: ['gic-version=3'] },
    { name: 'gic-v3-its-off', machineOpts: ['gic-version=3', 'its=off'] },
    { name: 'cpu-max-gic-v3-el2', cpu: 'max', machineOpts: ['gic-version=3', 'virtualization=on'] },
    { name: 'cpu-max-secure', cpu: 'max', machineOpts: ['secure=on'] },
    { name: 'acpi-off', machineOpts: ['acpi=off'] },
    { name: 'virt-6.2', machine: 'virt-6.2' },
    { name: 'firmware', extra: ['-bios', '@FIRMWARE@'] },
    { name: 'firmware-defaults', nodefaults: false, extra: ['-bios', '@FIRMWARE@'] },
    { name: 'gic-v2', machineOpts: ['gic-version=2'] },
    GIC_V3_SMP2,
    { name: 'gic-v3-defaults', nodefaults: false, machineOpts: ['gic-version=3'] },
    { name: 'cpu-max-gic-v3-smp2', cpu: 'max', smp: '2', machineOpts: ['gic-version=3'] },
    running(200, SMP2),
    running(200, GIC_V3_SMP2),
  ]),
  // hw/ppc/spapr.c: the PCI host bridge and the VIO bus are built in, so PCI and spapr-vio devices plug in directly.
  target('ppc64-pseries', 'qemu-system-ppc64', { machine: 'pseries', mem: '512' }, false, [
    SMP2,
    DEFAULTS,
    { name: 'vga-usb', extra: ['-vga', 'std', '-usb', '-device', 'usb-kbd'] },
    running(300, SMP2),
  ]),
  // hw/s390x/s390-virtio-ccw.c: virtio devices sit on the virtual channel subsystem (virtio-*-ccw); PCI is zPCI.
  target('s390x-ccw', 'qemu-system-s390x', { machine: 's390-ccw-virtio', mem: '256' }, false, [SMP2, DEFAULTS]),
];

// ------------------------------------------------------------------------------------------------
// Backends and parent buses (table-driven)

/** Device property name → backend object to create and the value to give the property. */
export const PROPERTY_BACKENDS = {
  drive: { args: (t) => ['-blockdev', `driver=null-co,node-name=probe-disk,read-zeroes=on,size=${t.diskSize ?? 67108864}`], value: 'probe-disk' },
  netdev: { args: () => ['-netdev', 'user,id=probe-net'], value: 'probe-net' },
  chardev: { args: () => ['-chardev', 'null,id=probe-chr'], value: 'probe-chr' },
  audiodev: { args: () => ['-audiodev', 'none,id=probe-snd'], value: 'probe-snd' },
  // 128M unless a retry rule asks for another size or a file (value-rules.mjs: pseries DIMMs, NVDIMMs).
  memdev: {
    args: (t) => ['-object', `${t.memdevFile ? `memory-backend-file,mem-path=${t.workDir}/probe-mem-${t.machine}-${t.device.type}.img` : 'memory-backend-ram'},id=probe-mem,size=${t.memdevSize ?? '128M'}`],
    value: 'probe-mem',
  },
  cryptodev: { args: () => ['-object', 'cryptodev-backend-builtin,id=probe-crypto'], value: 'probe-crypto' },
  fsdev: { args: (t) => ['-fsdev', `local,id=probe-fs,path=${t.workDir},security_model=none`], value: 'probe-fs' },
  bmc: { args: () => ['-device', 'ipmi-bmc-sim,id=probe-bmc'], value: 'probe-bmc' },
  canbus: { args: () => ['-object', 'can-bus,id=probe-can'], value: 'probe-can' },
  rootdir: { args: () => [], value: (t) => t.workDir },
  // The swtpm the probe starts per attempt (needsSwtpm) behind `-tpmdev emulator`.
  tpmdev: { args: (t) => tpmBackendArgs(t.tpmSocket, 'probe-tpm'), value: 'probe-tpm' },
};
/**
 * vhost-user-blk and vhost-user-fs (on PCI, on virtio-mmio as themselves, on CCW): the chardev must be
 * a socket with a vhost-user server behind it, which the probe starts per attempt
 * (scripts/lib/vhost-user-blk.mjs: qemu-storage-daemon; scripts/lib/virtiofsd.mjs) and names in
 * cfg.serverSocket; vhost-user-gpu, -vga and -vsock likewise (needsVhostUserDaemon). The other
 * vhost-user devices have no server on these hosts: they keep the null chardev and fail ("Failed to set msg
 * fds."), as the README lists.
 */
export const needsVhostUserBlkServer = (type) => /^vhost-user-blk(-pci(-non)?(-transitional)?)?$/.test(type);
export const needsVirtiofsd = (type) => /^vhost-user-fs-(device|pci|ccw)$/.test(type);
/**
 * vhost-user-gpu, -vga and (forky only) vhost-user-vsock: the daemon Debian ships, where it is
 * installed for the QEMU probed (scripts/lib/vhost-user-daemons.mjs).
 */
export const needsVhostUserDaemon = (type) => hasVhostUserDaemon(type, ROOT);
/** ivshmem-doorbell: its chardev must reach an ivshmem server (scripts/lib/ivshmem-server.mjs), or QEMU hangs at realize. */
export const needsIvshmemServer = (type) => type === 'ivshmem-doorbell';
/**
 * TPM front-ends (tpm-tis, tpm-crb, tpm-tis-device, tpm-spapr, tpm-tis-i2c: every device with a
 * `tpmdev` property) get a swtpm per attempt (scripts/lib/swtpm.mjs), named in cfg.tpmSocket.
 */
export const needsSwtpm = (cfg) => (cfg.device?.props ?? []).includes('tpmdev');

/** Numbered variants (chardev1…, canbus0…) get one backend each: `chardev2` → backend of `chardev` with id suffix 2. */
export function backendFor(prop) {
  if (PROPERTY_BACKENDS[prop]) return { ...PROPERTY_BACKENDS[prop], suffix: '' };
  const m = /^(chardev|canbus|drive|netdev)(\d+)$/.exec(prop);
  return m ? { ...PROPERTY_BACKENDS[m[1]], suffix: m[2] } : null;
}

/** Bus name (as printed by `-device help`) → device that provides such a bus, plus buses it needs. */
export const BUS_PROVIDERS = {
  'usb-bus': { needs: [], args: ['-device', 'qemu-xhci,id=probe-usb'] },
  IDE: { needs: [], args: ['-device', 'ich9-ahci,id=probe-ide'] },
  SCSI: { needs: [], args: ['-device', 'virtio-scsi-pci,id=probe-scsi'] },
  HDA: { needs: [], args: ['-device', 'intel-hda,id=probe-hda'] },
  'ccid-bus': { needs: ['usb-bus'], args: ['-device', 'usb-ccid,id=probe-ccid'] },
  'virtio-serial-bus': { needs: [], args: ['-device', 'virtio-serial-pci,id=probe-vser'] },
  IndustryPack: { needs: [], args: ['-device', 'tpci200,id=probe-ipack'] },
  'floppy-bus': { needs: [], args: ['-device', 'isa-fdc,id=probe-fdc'] },
  'nvme-bus': { needs: [], args: ['-device', 'nvme,id=probe-nvme,serial=probe0'] },
  'sd-bus': { needs: [], args: ['-device', 'sdhci-pci,id=probe-sdhci'] },
};

/**
 * Retry rules: when QEMU refuses to start with a message matching `re`, `fix(cfg, match)` changes the
 * configuration (returns false if it cannot help). Each rule is applied at most once per probe.
 */
/** The probe machines KVM can run here: the host's own architecture's (x86_64). */
const KVM_MACHINES = process.arch === 'x64' ? ['pc', 'q35'] : [];

export const RETRY_RULES = [
  {
    name: 'bus',
    re: /No '([^']+)' bus found for device/,
    fix: (cfg, m) => addProvider(cfg, m[1]),
  },
  {
    name: 'nvdimm',
    re: /nvdimm is not enabled/i,
    fix: (cfg) => (cfg.machineOpts = [...(cfg.machineOpts ?? []), 'nvdimm=on'], true),
  },
  {
    name: 'maxmem',
    re: /maxmem|memory devices \(e\.g\. for memory hotplug\) are not (enabled|supported)|no slots where (specified|defined|allocated)/i,
    fix: (cfg) => (cfg.memOpts = ['slots=4', 'maxmem=1G'], true),
  },
  {
    name: 'serial',
    re: /'serial' property is not set|serial property not set|property 'serial' is required/i,
    fix: (cfg) => (cfg.device.opts.push('serial=probe0'), true),
  },
  {
    // aarch64 virt only creates its ACPI GED (needed for memory hotplug) when firmware is loaded.
    name: 'acpi-ged',
    re: /missing acpi-ged device/,
    fix: (cfg) => (cfg.extra = [...(cfg.extra ?? []), '-bios', FIRMWARE], true),
  },
  {
    // A vhost device's memory listener needs ioeventfds, which only KVM gives (hw/virtio/vhost.c
    // vhost_dev_init: "vhost initialization failed: requires kvm"); where /dev/kvm exists the probe is
    // run under KVM (its CPU and clock sections are then KVM's: the library takes only the device's own).
    name: 'kvm',
    re: /requires kvm/,
    fix: (cfg) => (cfg.accel || !KVM_MACHINES.includes(cfg.machine) || !existsSync(join(ROOT ?? '/', 'dev/kvm')) ? false : ((cfg.accel = 'kvm'), true)),
  },
  {
    // Someone else's SIGTERM (e.g. a test run cleaning up QEMU processes): just try again.
    name: 'sigterm',
    re: /killed by SIGTERM/,
    fix: () => true,
  },
  {
    name: 'chassis',
    re: /Bridge chassis not specified/,
    fix: (cfg) => {
      const all = cfg.device.allProps ?? [];
      if (all.includes('chassis_nr')) cfg.device.opts.push('chassis_nr=7');
      else if (all.includes('bus_nr')) cfg.device.opts.push('bus_nr=5');
      else return false;
      return true;
    },
  },
  {
    // vmmouse links to the machine's PS/2 controller, which has no id: discover() found its QOM path
    // (cfg.i8042). It also needs the machine's vmport, on by default with TCG.
    name: 'i8042',
    re: /'i8042' link is not set/,
    fix: (cfg) => (cfg.i8042 ? (cfg.device.opts.push(`i8042=${cfg.i8042}`), true) : false),
  },
  {
    // ivshmem-plain and -doorbell default to master=off, and a peer blocks migration (the shared memory
    // is the master's to migrate, hw/misc/ivshmem.c). The only rule applied after a refused migration:
    // the README keeps QEMU's message as the reason for the retry.
    name: 'ivshmem-master',
    stage: 'migrate',
    re: /Migration is disabled when using feature 'peer mode' in device 'ivshmem'/,
    fix: (cfg) => (cfg.device.opts.push('master=on'), true),
  },
  {
    // pxb-cxl, a CXL host bridge, needs the machine's CXL support (q35's; pc has no PCIe root) and a
    // fixed memory window targeting it (hw/cxl/cxl-host.c: "-M cxl-fmw.N…").
    name: 'cxl-on',
    re: /CXL host bridges present, but cxl=off/,
    fix: (cfg) => ((cfg.machineOpts = [...(cfg.machineOpts ?? []), ...CXL_MACHINE('probe-dev')]), true),
  },
  {
    // cxl-type3 (a CXL memory device): its memdev is persistent memory, which needs a label storage
    // area (lsa), and the device sits on a CXL root port of a CXL host bridge (providers 'cxl-rp').
    name: 'cxl-type3',
    re: /lsa property must be set/,
    fix: (cfg) => {
      cfg.machineOpts = [...(cfg.machineOpts ?? []), ...CXL_MACHINE('probe-cxl')];
      cfg.providers = [...(cfg.providers ?? []), 'cxl-rp'];
      cfg.device.opts.push('lsa=probe-lsa', 'bus=probe-cxl-rp');
      cfg.extra = [...(cfg.extra ?? []), '-object', 'memory-backend-ram,id=probe-lsa,size=1M'];
      return true;
    },
  },
  {
    // ccid-card-emulated: a card with three certificates from an NSS database made in the work
    // directory (scripts/lib/nss-db.mjs, certutil on the host).
    name: 'ccid-certificates',
    re: /backend must be one of/,
    fix: (cfg) => {
      makeNssDb(join(ROOT ?? '', cfg.workDir, 'nss'));
      cfg.device.opts.push(...ccidCardOpts(join(cfg.workDir, 'nss')));
      return true;
    },
  },
  {
    // vhost-user-fs: "missing tag property" (its mount tag, any name).
    name: 'tag',
    re: /missing tag property/,
    fix: (cfg) => (cfg.device.opts.push('tag=probe'), true),
  },
  {
    name: 'mount_tag',
    re: /mount_tag/i,
    fix: (cfg) => (cfg.device.opts.push('mount_tag=probe'), true),
  },
  {
    name: 'floppy-size',
    re: /(geometry|floppy)/i,
    fix: (cfg) => (cfg.diskSize = 1474560, true),
  },
  {
    name: 'split-irqchip',
    re: /kernel-irqchip=split|intremap/i,
    fix: (cfg) => (cfg.machineOpts = [...(cfg.machineOpts ?? []), 'kernel-irqchip=split'], true),
  },
  {
    // spapr-rng (hw/ppc/spapr_rng.c) refuses to realize without a link to an RNG backend object; the
    // host's /dev/urandom is one every target has (a chroot too).
    name: 'rng-backend',
    re: /needs an RNG backend/,
    fix: (cfg) => {
      cfg.extra = [...(cfg.extra ?? []), '-object', 'rng-random,id=probe-rng,filename=/dev/urandom'];
      cfg.device.opts.push('rng=probe-rng');
      return true;
    },
  },
  {
    // QEMU 11.1's nvme controller migrates, but one made without a drive of its own (the namespaces
    // only as nvme-ns devices on its bus, the documented way) kills QEMU with SIGSEGV while saving
    // (reproducer in NOT-COVERED.md). Giving the controller a drive of its own lets nvme-ns migrate.
    name: 'nvme-ctrl-drive',
    stage: 'migrate',
    re: /killed by SIGSEGV/,
    fix: (cfg) => (cfg.device.type === 'nvme-ns' && cfg.providers?.includes('nvme-bus') ? (cfg.nvmeCtrlDrive = true) : false),
  },
  {
    name: 'pcie-slot',
    re: /(PCI Express|PCIe) (device|port).*(slot|bus)|must be a PCI Express/i,
    fix: (cfg) => {
      if (cfg.providers?.includes('pcie-root-port')) return false;
      cfg.providers = [...(cfg.providers ?? []), 'pcie-root-port'];
      cfg.device.opts.push('bus=probe-rp');
      return true;
    },
  },
  ...VALUE_RULES,
];

/** q35's machine options for CXL with one 4 GiB fixed memory window on host bridge BRIDGE. */
const CXL_MACHINE = (bridge) => ['cxl=on', `cxl-fmw.0.targets.0=${bridge}`, 'cxl-fmw.0.size=4G'];

/** Placeholder for an all-zero 64 KiB firmware image (created in the work directory). */
export const FIRMWARE = '@FIRMWARE@';

export function addProvider(cfg, bus) {
  const p = BUS_PROVIDERS[bus];
  if (!p) return false;
  cfg.providers ??= [];
  if (cfg.providers.includes(bus)) return false;
  for (const need of p.needs) if (!cfg.providers.includes(need)) cfg.providers.push(need);
  cfg.providers.push(bus);
  return true;
}

export function buildArgs(cfg) {
  const args = ['-S', '-display', 'none'];
  if (cfg.nodefaults !== false) args.push('-nodefaults');
  args.push('-M', [cfg.machine, ...(cfg.machineOpts ?? [])].join(','));
  if (cfg.accel) args.push('-accel', cfg.accel);
  args.push('-m', [cfg.mem, ...(cfg.memOpts ?? [])].join(','));
  if (cfg.cpu) args.push('-cpu', cfg.cpu);
  if (cfg.smp) args.push('-smp', cfg.smp);
  for (const bus of cfg.providers ?? []) {
    if (bus === 'pcie-root-port') args.push('-device', 'pcie-root-port,id=probe-rp,chassis=9,slot=9');
    else if (bus === 'cxl-rp') args.push('-device', 'pxb-cxl,id=probe-cxl,bus_nr=12,bus=pcie.0', '-device', 'cxl-rp,id=probe-cxl-rp,bus=probe-cxl,port=0,chassis=10,slot=10');
    else if (bus === 'cxl-upstream') args.push('-device', 'cxl-upstream,id=probe-cxl-us,bus=probe-cxl-rp,addr=0.0,multifunction=on');
    else if (bus === 'nvme-bus' && cfg.nvmeCtrlDrive) args.push('-blockdev', 'driver=null-co,node-name=probe-ctrl-disk,read-zeroes=on,size=67108864', '-device', 'nvme,id=probe-nvme,serial=probe0,drive=probe-ctrl-disk');
    else args.push(...BUS_PROVIDERS[bus].args);
  }
  if (cfg.device) {
    const opts = [...cfg.device.opts];
    for (const prop of cfg.device.props ?? []) {
      const b = prop === 'chardev' && cfg.serverSocket ? { args: () => ['-chardev', `socket,id=probe-chr,path=${cfg.serverSocket}`], value: 'probe-chr', suffix: '' } : backendFor(prop);
      if (!b) continue;
      const rename = (x) => (b.suffix ? x.replace(/\b(id|node-name)=probe-([a-z]+)/, `$1=probe-$2${b.suffix}`) : x);
      args.push(...b.args(cfg).map(rename));
      const value = typeof b.value === 'function' ? b.value(cfg) : b.value;
      opts.push(`${prop}=${value}${b.suffix}`);
    }
    args.push('-device', [cfg.device.type.replace(/,/g, ',,'), 'id=probe-dev', ...opts].join(','));
  }
  args.push(...(cfg.extra ?? []).map((a) => (a === FIRMWARE ? join(cfg.workDir, 'firmware.bin') : a)));
  return args;
}
