// Merging the probes' device descriptions into one library keyed by vmsd_name, and grouping the
// failures for the README (scripts/make-vmdesc-library.mjs).
import { LABEL } from './options.mjs';
import { firstError } from './probe.mjs';

// ------------------------------------------------------------------------------------------------
// Merging

export function makeLibrary(qemuVersion) {
  return {
    qemu: qemuVersion,
    version: LABEL,
    generatedBy: 'scripts/make-vmdesc-library.mjs',
    targets: {},
    vmsds: {},
    idstrAliases: {},
    oldStyle: {},
    probes: {},
  };
}

const key = (v) => JSON.stringify(v);

/** Every subsection description below `desc` (a device, subsection, struct body or tmp/vstruct/qtailq field). */
function* nestedSubsections(desc) {
  for (const s of desc.subsections ?? []) {
    yield s;
    yield* nestedSubsections(s);
  }
  for (const f of desc.fields ?? []) {
    if (f.struct) yield* nestedSubsections(f.struct);
    if (f.vmsd_name !== undefined) yield* nestedSubsections(f);
  }
}

export function mergeDevice(state, target, probeName, dev) {
  const seen = `${target}:${probeName}`;
  if (dev.vmsd_name === undefined) {
    const e = (state.oldStyle[dev.name] ??= { sizes: new Map(), instanceIds: new Set() });
    e.instanceIds.add(dev.instance_id);
    const fieldsKey = key(dev.fields);
    if (!e.sizes.has(fieldsKey)) e.sizes.set(fieldsKey, { size: dev.size, fields: dev.fields, seenIn: new Set() });
    e.sizes.get(fieldsKey).seenIn.add(seen);
    return;
  }
  const e = (state.vmsds[dev.vmsd_name] ??= { versions: new Map(), subsections: new Map(), idstrs: new Set(), instanceIds: new Set() });
  e.idstrs.add(dev.name);
  e.instanceIds.add(dev.instance_id);
  const variants = e.versions.get(dev.version) ?? new Map();
  e.versions.set(dev.version, variants);
  const variant = { fields: dev.fields };
  if (dev.subsections) variant.subsections = dev.subsections;
  const k = key(variant);
  if (!variants.has(k)) variants.set(k, { ...variant, seenIn: new Set() });
  variants.get(k).seenIn.add(seen);
  for (const s of nestedSubsections(dev)) {
    const sk = `${s.vmsd_name}\u0000${s.version}`;
    const list = e.subsections.get(sk) ?? new Map();
    e.subsections.set(sk, list);
    const desc = { vmsd_name: s.vmsd_name, version: s.version, fields: s.fields };
    if (s.subsections) desc.subsections = s.subsections;
    const dk = key(desc);
    if (!list.has(dk)) list.set(dk, desc);
  }
  const idstr = dev.name;
  if (idstr !== dev.vmsd_name && !idstr.endsWith(`/${dev.vmsd_name}`)) {
    const last = idstr.slice(idstr.lastIndexOf('/') + 1);
    (state.aliases[last] ??= new Set()).add(dev.vmsd_name);
  }
}

/** Reduces a seenIn set: for targets whose base machine already had the entry, device probes are only counted. */
function compactSeenIn(seenIn, baseProbes) {
  const out = [];
  const counted = {};
  for (const s of [...seenIn].sort()) {
    const target = s.slice(0, s.indexOf(':'));
    const probe = s.slice(s.indexOf(':') + 1);
    if (seenIn.has(`${target}:(base)`) && !baseProbes.has(s)) {
      counted[target] = (counted[target] ?? 0) + 1;
      continue;
    }
    out.push(s);
  }
  for (const [t, n] of Object.entries(counted)) out.push(`${t}:+${n} device probes`);
  return out;
}

export function sortedObject(entries) {
  return Object.fromEntries([...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

export function finishLibrary(lib, state, baseProbes) {
  for (const [name, e] of Object.entries(state.vmsds).sort()) {
    const versions = {};
    for (const [v, variants] of [...e.versions].sort((a, b) => a[0] - b[0])) {
      versions[v] = [...variants.values()].map((x) => ({ ...x, seenIn: compactSeenIn(x.seenIn, baseProbes) }));
    }
    const subsections = {};
    for (const list of [...e.subsections.values()]) {
      for (const d of list.values()) (subsections[d.vmsd_name] ??= []).push({ version: d.version, fields: d.fields, ...(d.subsections ? { subsections: d.subsections } : {}) });
    }
    lib.vmsds[name] = {
      versions,
      subsections: sortedObject(Object.entries(subsections)),
      idstrs: [...e.idstrs].sort().slice(0, 16),
      instanceIds: [...e.instanceIds].sort((a, b) => a - b),
    };
  }
  lib.vmsds = sortedObject(Object.entries(lib.vmsds));
  for (const [alias, set] of Object.entries(state.aliases).sort()) lib.idstrAliases[alias] = set.size === 1 ? [...set][0] : [...set].sort();
  for (const [name, e] of Object.entries(state.oldStyle).sort()) {
    lib.oldStyle[name] = {
      opaque: true,
      instanceIds: [...e.instanceIds].sort((a, b) => a - b),
      variants: [...e.sizes.values()].map((x) => ({ size: x.size, fields: x.fields, seenIn: compactSeenIn(x.seenIn, baseProbes) })),
    };
  }
}

// ------------------------------------------------------------------------------------------------
// Failure grouping for the summary

export function reasonGroup(r) {
  let s = firstError(r.error ?? '');
  s = s.replace(/-device [^\s:]+/g, '-device …').replace(/'probe-[a-z-]+'/g, "'…'");
  s = s.replace(/\b(for device|device|Device) '[^']+'/g, "$1 '…'").replace(/"[^"]*"/g, '"…"');
  s = s.replace(/\b0x[0-9a-f]+\b/gi, '0x…').replace(/\d{3,}/g, 'N');
  if (s.length > 160) s = s.slice(0, 157) + '...';
  return `${r.stage === 'start' ? 'start' : 'migrate'}: ${s}`;
}
