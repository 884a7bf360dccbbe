// The CLI's container commands and edits: `extract FILE -o STREAM` (the bare QEMU stream), `xml
// FILE` (the domain XML), the container records in `inspect`, and `set` assignments of the
// container's own fields: `libvirt/was_running=1`, `libvirt/xml=@NEW.xml` (what `virsh
// save-image-edit --running` and `virsh save-image-define` do), `hvm CPU (0)/rax=…` in an xl image.

import { formatProblem } from '../format/errors.ts';
import type { ContainerInfo } from '../format/container/types.ts';
import type { EditRequest } from '../format/edit/steps.ts';
import type { OpenedInput } from './container-open.ts';
import { writeNewFile } from './new-file.ts';

const hex = (n: number) => `0x${n.toString(16)}`;

export function printContainer(info: ContainerInfo): string {
  const rows = [['container record', 'file offset', 'size', 'status']];
  for (const r of info.records) {
    const p = r.problems.find((x) => x.severity !== 'info');
    rows.push([r.title, hex(r.offset), String(r.size), p ? `${p.severity}: ${p.message}`.slice(0, 100) : 'ok']);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const lines = rows.map((row) => row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
  const h = info.libvirt?.header;
  const head = `${info.title}, ${info.fileSize} bytes` + (h ? `, version ${h.version} (${h.littleEndian ? 'little' : 'big'}-endian), was_running ${h.wasRunning}, compressed ${info.inner.codec}` : '');
  const where = info.inner.codec === 'raw'
    ? `stream offsets below are relative to the stream: file offset = stream offset + ${hex(info.inner.offset)}`
    : info.inner.codec === 'mapped'
      ? `stream offsets below are VM-state offsets; the VM state's ${info.qcow2?.extents.length ?? 0} extent(s) in the image are listed above`
      : `stream offsets below are in the decompressed stream (${info.streamSize ?? '?'} bytes)`;
  const problems = info.problems.map(formatProblem);
  return [head, ...lines, ...problems, where, ''].join('\n') + '\n';
}

export function containerJson(info: ContainerInfo): unknown {
  return {
    kind: info.kind, file_size: info.fileSize, stream_offset: info.inner.offset, stream_size_in_file: info.inner.size, codec: info.inner.codec,
    stream_size: info.streamSize, header: info.libvirt?.header, xml: info.libvirt?.xml, cookie: info.libvirt?.cookie,
    records: info.records.map((r) => ({ kind: r.kind, title: r.title, offset: r.offset, size: r.size, problems: r.problems })),
    problems: info.problems,
  };
}

/**
 * A `set` assignment of one of the container's own fields (format/container/field-edit.ts):
 * `libvirt/xml=@NEW.xml` reads the XML from a file, as `virsh save-image-define` takes one.
 */
export async function containerAssignment(path: string, value: string): Promise<EditRequest> {
  return { kind: 'container', path, value: path === 'libvirt/xml' && value.startsWith('@') ? await (await import('node:fs/promises')).readFile(value.slice(1), 'utf8') : value };
}

/** `extract`: the bare QEMU stream, copied in slices. */
export async function extractStream(input: OpenedInput, output: string): Promise<number> {
  return writeNewFile(output, async (write) => {
    let at = 0;
    while (at < input.stream.size) {
      const chunk = await input.stream.read(at, Math.min(8 << 20, input.stream.size - at));
      if (!chunk.length) break;
      await write(chunk);
      at += chunk.length;
    }
    return at;
  });
}

/** `snapshots IMAGE`: the snapshot table of a qcow2 image, as `qemu-img snapshot -l` lists it, plus the VM state's place. */
export function printSnapshots(info: ContainerInfo): string {
  if (!info.qcow2) return `${info.title}: not a qcow2 image\n`;
  const clock = (ns: number) => {
    const s = Math.floor(ns / 1e9);
    return `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}.${String(Math.floor(ns / 1e6) % 1000).padStart(3, '0')}`;
  };
  const rows = [['id', 'name', 'date', 'vm clock', 'disk size', 'vm state size', '']];
  for (const s of info.qcow2.snapshots) {
    rows.push([s.id, s.name, new Date(s.dateSec * 1000).toISOString().replace('T', ' ').slice(0, 19), clock(s.vmClockNsec), String(s.diskSize), String(s.vmStateSize), s.vmStateSize ? (s.index === info.qcow2.chosen ? 'opens by default' : '') : 'disk only']);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const head = `qcow2 v${info.qcow2.version}, cluster size ${info.qcow2.clusterSize}, disk size ${info.qcow2.diskSize}, ${info.qcow2.snapshots.length} snapshot(s)`;
  return [head, ...rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()), 'open one with IMAGE@NAME (or @ID, @#N), e.g. inspect IMAGE@NAME'].join('\n') + '\n';
}
