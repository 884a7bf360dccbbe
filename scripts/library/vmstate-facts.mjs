// The per-section facts of a `-dump-vmstate` file (scripts/library/dump-vmstate.mjs) that the packed
// libraries carry: for every vmsd name, its version_id, minimum_version_id and the names of the
// subsections it may send (migration/savevm.c dump_vmstate_vmsd writes "name", "version_id",
// "minimum_version_id", "Fields", "Subsections" per VMStateDescription). The migration JSON
// (vmdesc) lists only the subsections a device actually sent and no minimum version.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** Top-level subsection names of one dumped description, and theirs (a subsection may have subsections). */
function subsectionNames(desc, out = []) {
  for (const s of desc.Subsections ?? []) {
    out.push(s.name);
    subsectionNames(s, out);
  }
  return out;
}

/**
 * Facts of several dumps (the machines of one architecture) merged:
 * { "<vmsd name>": [[version_id, minimum_version_id, [subsection names…]], …] } with distinct entries.
 */
export function vmstateFacts(dumpFiles) {
  const facts = new Map();
  for (const file of dumpFiles) {
    const dump = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8'));
    for (const [type, entry] of Object.entries(dump)) {
      if (type === 'vmschkmachine' || !entry.Description) continue;
      const d = entry.Description;
      const fact = [d.version_id, d.minimum_version_id, [...new Set(subsectionNames(d))].sort()];
      const list = facts.get(d.name) ?? [];
      if (!list.some((f) => JSON.stringify(f) === JSON.stringify(fact))) list.push(fact);
      facts.set(d.name, list);
    }
  }
  return Object.fromEntries([...facts].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
}

/** The machine type each dump recorded ("pc-i440fx-10.0"). */
export function dumpMachine(file) {
  return JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')).vmschkmachine?.Name ?? null;
}
