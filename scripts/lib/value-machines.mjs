// The machine of scripts/make-virtio-fixtures.mjs --set values: a pseries VM with the devices the
// library probes start only with a value QEMU asks for (scripts/library/value-rules.mjs, issue 12's
// `config` rows): a second PCI host bridge (index=1, as libvirt adds one to a pseries guest with more
// PCI devices than one PHB takes), a pci-bridge on it (chassis_nr), a 256 MiB pc-dimm and a
// spapr-nvdimm (label size, UUID, file backend). Every memory is a shared file, so x-ignore-shared
// leaves its pages out of the migration stream (small fixtures; QEMU 10.0 and 11.1 skip only named
// files). The files are removed after the VM (ramFile).

const file = (name) => `/tmp/values-fixtures-${name}.ram`;
const mem = (id, size, name) => ['-object', `memory-backend-file,id=${id},size=${size},share=on,mem-path=${file(name)}`];

export const VALUE_MACHINES = [
  { label: 'values-pseries', binary: 'qemu-system-ppc64', backends: 'memory-backend-file for RAM, DIMM and NVDIMM',
    ramFile: ['ram', 'dimm', 'nvdimm'].map(file),
    args: () => ['-M', 'pseries,memory-backend=ram0', ...mem('ram0', '256M', 'ram'), '-m', '256M,slots=2,maxmem=1G', '-smp', '1',
      '-device', 'spapr-pci-host-bridge,index=1,id=phb1', '-device', 'pci-bridge,chassis_nr=1,id=br1,bus=phb1.0',
      ...mem('dimm0', '256M', 'dimm'), '-device', 'pc-dimm,memdev=dimm0,id=dimm0',
      ...mem('nvd0', `${256 * 1024 + 128}K`, 'nvdimm'), '-device', 'spapr-nvdimm,memdev=nvd0,label-size=128K,uuid=6e2a3b5c-0d1e-4f20-9a3b-4c5d6e7f8091,id=nvd0'] },
];
