// Merging the per-architecture extracts of several generated files of one QEMU version (a full run,
// a supplementary run such as qemu-11.1-run.json with the running-guest combinations) into one packed
// library: identical variants are kept once with the union of where they were seen
// (scripts/pack-vmdesc-library.mjs).

const key = (v) => JSON.stringify(v);
const union = (a = [], b = []) => [...new Set([...a, ...b])];

function mergeVariants(a = [], b = [], keyOf) {
  const out = new Map(a.map((v) => [keyOf(v), { ...v }]));
  for (const v of b) {
    const k = keyOf(v);
    const have = out.get(k);
    if (have) have.seenIn = union(have.seenIn, v.seenIn);
    else out.set(k, { ...v });
  }
  return [...out.values()];
}

const variantKey = (v) => key([v.fields, v.subsections ?? null]);

/** Merges packed library B into A (same version and architecture); returns a new object. */
export function mergePacked(a, b) {
  const vmsds = { ...a.vmsds };
  for (const [name, e] of Object.entries(b.vmsds)) {
    const have = vmsds[name];
    if (!have) { vmsds[name] = e; continue; }
    const versions = { ...have.versions };
    for (const [v, variants] of Object.entries(e.versions)) versions[v] = mergeVariants(versions[v], variants, variantKey);
    const subsections = { ...have.subsections };
    for (const [s, descs] of Object.entries(e.subsections ?? {})) subsections[s] = mergeVariants(subsections[s], descs, key);
    vmsds[name] = { ...have, versions, subsections, idstrs: union(have.idstrs, e.idstrs).sort().slice(0, 16), instanceIds: union(have.instanceIds, e.instanceIds).sort((x, y) => x - y) };
  }
  const oldStyle = { ...a.oldStyle };
  for (const [name, e] of Object.entries(b.oldStyle ?? {})) {
    const have = oldStyle[name];
    oldStyle[name] = have ? { ...have, instanceIds: union(have.instanceIds, e.instanceIds), variants: mergeVariants(have.variants, e.variants, (v) => key([v.size, v.fields])) } : e;
  }
  const idstrAliases = { ...a.idstrAliases };
  for (const [alias, names] of Object.entries(b.idstrAliases ?? {})) {
    const all = union([idstrAliases[alias] ?? []].flat(), [names].flat()).sort();
    idstrAliases[alias] = all.length === 1 ? all[0] : all;
  }
  const sorted = (o) => Object.fromEntries(Object.entries(o).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)));
  const targets = { ...a.targets };
  for (const [t, v] of Object.entries(b.targets ?? {})) targets[t] = { ...targets[t], ...Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null && x !== undefined)) };
  return { ...a, targets, vmsds: sorted(vmsds), idstrAliases: sorted(idstrAliases), oldStyle: sorted(oldStyle) };
}
