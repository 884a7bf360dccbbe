// The generated README next to each library (scripts/make-vmdesc-library.mjs).
import { notCoveredParagraph } from './not-covered.mjs';
import { CPU_PROBES, DEVICES, NO_COMBOS, NO_CPU_PROBES, STEM, LABEL } from './options.mjs';

// ------------------------------------------------------------------------------------------------
// README

export function readme(lib, summary, size, seconds, discovery) {
  const L = [];
  L.push('# vmdesc library (generated)');
  L.push('');
  L.push(`\`${STEM}.json\` holds the VMState descriptions ("vmdesc" JSON, docs format.md §3.7) of every device`);
  L.push(`section that QEMU ${LABEL} wrote while migrating the probe machines listed below. It is the schema source`);
  L.push('for files that carry no JSON themselves (xen-save-devices-state, COLO, Xen; format.md §3.10).');
  L.push('');
  // A long --devices list is given under "Reduced run" instead; a short one stays in the command.
  const dropped = (a) => a === '--out' || (a === '--devices' && DEVICES.length > 8);
  L.push(`Regenerate with \`node scripts/make-vmdesc-library.mjs ${process.argv.slice(2).filter((a, i, all) => !dropped(all[i - 1]) && !dropped(a)).join(' ')}\``);
  L.push('(QEMU from the host or, with --root, a debootstrap chroot; qemu-system-x86, -arm, -ppc, -s390x or -misc');
  L.push('installed there; vhost-user-blk needs qemu-storage-daemon too: qemu-system-common in bookworm, qemu-utils in');
  L.push('trixie and forky; vhost-user-fs needs virtiofsd: qemu-system-common in bookworm, package virtiofsd in trixie');
  L.push('and forky; the TPM devices need swtpm, package swtpm in all three; ivshmem-doorbell needs python3 on the host');
  L.push('for scripts/lib/ivshmem-server.py, as no Debian package ships an ivshmem server; ccid-card-emulated needs');
  L.push('certutil on the host, package libnss3-tools; vhost-user-gpu and -vga need /usr/lib/qemu/vhost-user-gpu, package');
  L.push('qemu-system-gui in all three, and vhost-user-vsock needs vhost-device-vsock, a package of forky only), then');
  L.push('`node scripts/pack-vmdesc-library.mjs`. Do not edit the');
  L.push('files by hand.');
  L.push('');
  L.push(`## Shape of ${STEM}.json`);
  L.push('');
  L.push('```');
  L.push('{');
  L.push('  "qemu": "7.2.22 (Debian …)",            // qemu-system-x86_64 --version');
  L.push('  "generatedBy": "scripts/make-vmdesc-library.mjs",');
  L.push('  "targets": { "<target>": { "binary", "args" (base command line), "machine" (name from the');
  L.push('               CONFIGURATION section), "page_size" (vmdesc page_size), "sectionOrder" (vmsd names in the');
  L.push('               order the bare machine wrote its sections: it differs between QEMU versions) } },');
  L.push('  "vmsds": {');
  L.push('    "<vmsd_name>": {');
  L.push('      "versions": { "<section version>": [ { "fields": [...], "subsections": [...]?, "seenIn": [...] } ] },');
  L.push('      "subsections": { "<subsection vmsd_name>": [ { "version", "fields", "subsections"? } ] },');
  L.push('      "idstrs": [ "<idstr>", ... ],          // section names seen (first 16)');
  L.push('      "instanceIds": [ 0, ... ]');
  L.push('    }');
  L.push('  },');
  L.push('  "idstrAliases": { "<last idstr component>": "<vmsd_name>" | ["<vmsd_name>", ...] },');
  L.push('  "oldStyle": { "<idstr>": { "opaque": true, "instanceIds", "variants": [ { "size", "fields", "seenIn" } ] } },');
  L.push('  "probes": { "<target>": { "started": [types], "migrated": [types], "failed": { "<type>": "<stage>: <reason>" },');
  L.push('                            "combos": { "(<name>)": { "args", "failed"? } } } },');
  L.push('  "duplicateKeyObjects": { "<field name> (<type>): <keys>": count }');
  L.push('}');
  L.push('```');
  L.push('');
  L.push('- `versions[v]` is a list of the **distinct** top-level descriptions seen for that section version. Each');
  L.push('  one reflects the runtime state of one probe: VARRAY/VBUFFER lengths, `index`-style array entries,');
  L.push('  opaque blob sizes (`virtio`, old-style) and which subsections were sent can differ. `fields` and');
  L.push('  `subsections` are exactly as QEMU wrote them (nested `struct` bodies and the inline `vmsd_name`/');
  L.push('  `version`/`fields`/`subsections` keys of `tmp`/`vstruct`/`qtailq` fields included); only the');
  L.push('  device-level keys `name`, `instance_id`, `vmsd_name`, `version` are moved out.');
  L.push('- `subsections` (per vmsd) is the superset of every subsection description seen anywhere below that');
  L.push('  section: direct subsections, subsections of subsections and subsections of nested struct/tmp/vstruct');
  L.push('  bodies, keyed by the subsection vmsd_name; each value lists the distinct descriptions (a subsection');
  L.push('  is only sent when its `needed` returns true, so a file may contain one that a given variant lacks).');
  L.push('- `seenIn` lists `<target>:<probe>`; probes in parentheses are the bare machine `(base)` or an option');
  L.push('  combination, others are device types (or CPU types, probed as `-cpu MODEL`). When the base machine');
  L.push('  of a target already produced that description, device probes of that target are only counted');
  L.push('  (`<target>:+N device probes`).');
  L.push('- `idstrAliases`: a section idstr is `<vmsd name>` or `<qdev path>/<vmsd name>`; entries appear');
  L.push('  only where the last `/` component of an idstr differs from the vmsd_name of the section. A list');
  L.push('  means the same component named different vmsds.');
  L.push('- `oldStyle`: sections without a vmsd (format.md §3.6), keyed by idstr; their body is opaque and the');
  L.push('  JSON only gives the total size.');
  L.push('- qtailq/qlist/gtree fields repeat their element keys once per element (format.md §3.7); the file keeps');
  L.push('  what `JSON.parse` keeps (the last element). `duplicateKeyObjects` counts where that happened.');
  const shared = Object.entries(lib.vmsds)
    .filter(([, e]) => {
      // Some version seen only on one architecture and another seen only on a different one.
      const archOf = (variants) => new Set(variants.flatMap((v) => v.seenIn.map((x) => x.slice(0, x.indexOf(':')).split('_')[0].split('-')[0])));
      const only = Object.values(e.versions).map(archOf).filter((a) => a.size === 1).map((a) => [...a][0]);
      return new Set(only).size > 1;
    })
    .map(([n, e]) => `\`${n}\` (versions ${Object.keys(e.versions).join(', ')})`);
  L.push('- vmsd names are not unique across architectures: the same name can carry an unrelated layout on');
  L.push(`  x86_64 and aarch64${shared.length ? ` (here: ${shared.join(', ')})` : ''}; pick the variant by version and \`seenIn\`.`);
  L.push('');
  L.push('## Probe summary');
  L.push('');
  const only = DEVICES?.join(',') === '-' ? 'no device types (the bare machine and its option combinations only)' : `device types ${DEVICES?.join(', ')} only`;
  if (DEVICES || NO_CPU_PROBES || NO_COMBOS) L.push(`Reduced run: ${DEVICES ? only : 'every device type'}${NO_CPU_PROBES ? '; no -cpu MODEL probes' : CPU_PROBES ? '; every CPU model probed as -cpu MODEL' : ''}${NO_COMBOS ? '; no option combinations (the bare machine only)' : ''}.`, '');
  L.push(`QEMU ${lib.qemu}; ${Object.keys(lib.vmsds).length} vmsd entries, ${Object.keys(lib.oldStyle).length} old-style sections,`);
  L.push(`${(size / 1048576).toFixed(2)} MiB of JSON; run time ${Math.floor(seconds / 60)} min ${seconds % 60} s.`);
  L.push('');
  L.push('Each device type is started alone on the base machine (`-S -nodefaults -display none`), with the');
  L.push('backends its properties call for (drive → `null-co` blockdev, netdev → `user`, chardev → `null` or, for');
  L.push('vhost-user-blk, -fs, -gpu, -vga and -vsock, a socket qemu-storage-daemon, virtiofsd, vhost-user-gpu or');
  L.push('vhost-device-vsock serves where Debian has it, and for ivshmem-doorbell a socket an');
  L.push('ivshmem server serves, tpmdev → `emulator` on a fresh swtpm, audiodev → `none`, memdev → RAM backend, …) and');
  L.push('a parent bus device added when QEMU reports a missing bus; "migrated" means the migration completed and the');
  L.push('vmdesc was extracted. Retry rules');
  L.push('(scripts/library/targets.mjs) react to QEMU\'s refusals: `i8042` links vmmouse to the machine\'s PS/2');
  L.push('controller (QOM path found at discovery; "\'i8042\' link is not set"), `ivshmem-master` retries ivshmem-plain');
  L.push('and -doorbell with master=on after QEMU refused to migrate them as peers ("Migration is disabled when using');
  L.push('feature \'peer mode\' in device \'ivshmem\'"), `cxl-on` and `cxl-type3` give pxb-cxl and cxl-type3 the machine\'s');
  L.push('CXL support (cxl=on and a fixed memory window), a CXL root port and a label storage area, and');
  L.push('`ccid-certificates` gives ccid-card-emulated a card of three certificates from an NSS database');
  L.push('(scripts/lib/nss-db.mjs; certutil, package libnss3-tools, on the host), `rng-backend` gives spapr-rng an');
  L.push('`rng-random` object on /dev/urandom ("needs an RNG backend"), and `nvme-ctrl-drive` retries nvme-ns with a');
  L.push('drive on its nvme controller after QEMU 11.1 crashed saving a controller without one (NOT-COVERED.md), and');
  L.push('`kvm` runs an x86 probe under KVM where /dev/kvm exists when QEMU says a vhost device "requires kvm" (the');
  L.push('library then takes only the sections the TCG base machine lacks). The rules of value-rules.mjs give a device');
  L.push('the value QEMU names as missing: a chassis_nr for a bridge and an index for a second PHB on pseries, a');
  L.push('256 MiB DIMM, an NVDIMM\'s label, UUID and file, zpci\'s PCI target, a NUMA node, a CXL switch for its');
  L.push('mailbox, a file for the loaders, and others (each names the QEMU message it answers).');
  L.push('');
  L.push('| target | base args | page size | device types tried | started | migrated | CPU models tried | migrated | combos migrated |');
  L.push('|---|---|---|---|---|---|---|---|---|');
  for (const [t, s] of Object.entries(summary)) {
    const tg = lib.targets[t];
    L.push(`| ${t} | \`${tg.args.join(' ')}\` (${tg.machine}) | ${tg.page_size} | ${s.devices.tried} | ${s.devices.started} | ${s.devices.migrated} | ${s.cpus.tried} | ${s.cpus.migrated} | ${s.combos.migrated}/${s.combos.tried} |`);
  }
  L.push('');
  const crashes = [];
  for (const [t, log] of Object.entries(lib.probes)) {
    for (const [name, why] of Object.entries(log.failed)) if (/killed by SIG|timeout/.test(why)) crashes.push(`${t} \`${name}\`: ${why}`);
  }
  // From the probe records of every library file of this version, this one included (it is written
  // first); scripts/library/not-covered.mjs rewrites the paragraph as later files add devices.
  L.push(notCoveredParagraph(/^(\d+\.\d+)/.exec(lib.qemu)[1]));
  L.push('');
  if (crashes.length) {
    L.push('QEMU crashed or hung:');
    L.push('');
    for (const c of crashes) L.push(`- ${c}`);
    L.push('');
  }
  for (const [t, s] of Object.entries(summary)) {
    L.push(`### ${t}: failures by reason`);
    L.push('');
    const fx = Object.entries(s.fixes).map(([k, v]) => `${k} ×${v}`).join(', ');
    if (fx) L.push(`Retry rules applied: ${fx}.`, '');
    if (discovery[t]?.unknownProps.length) L.push(`No property list for: ${discovery[t].unknownProps.join('; ')}.`, '');
    const groups = [...s.reasons].sort((a, b) => b[1].length - a[1].length);
    for (const [reason, names] of groups) {
      const shown = names.slice(0, 12).join(', ') + (names.length > 12 ? `, … (+${names.length - 12})` : '');
      L.push(`- **${names.length}** × \`${reason.replace(/`/g, "'")}\` — ${shown}`);
    }
    L.push('');
  }
  return L.join('\n');
}
