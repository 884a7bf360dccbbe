// The open file's container (a libvirt save image): its records as read, the change asked for
// (new XML, was_running: what `virsh save-image-define` and `save-image-edit --running` do), and
// the download that puts the container's bytes back around the edited stream.

import { qcow2ImageParts } from '../format/container/qcow2.ts';
import { xlImageParts } from '../format/container/xl.ts';
import { blobSource, type ByteSource } from '../format/byte-source.ts';
import { readLibvirt } from '../format/container/libvirt.ts';
import { libvirtPrefix, type LibvirtChange } from '../format/container/libvirt-edit.ts';
import type { ContainerInfo } from '../format/container/types.ts';
import { RequestError } from './open-file.ts';

export interface ContainerState {
  /** The file as dropped (the stream the edits apply to is a part of it, or its spill). */
  file: Blob;
  original: ContainerInfo;
  /** What the page shows: `original`, or the records as `change` rewrites them. */
  info: ContainerInfo;
  change: LibvirtChange | null;
  /** The stream as opened (before edits): qcow2 downloads compare against it. */
  stream: Blob;
  /** Removes the spill of a compressed stream. */
  close(): Promise<void>;
}

/** The file with `prefix` over its first bytes: what the image reads like after a change. */
function overlay(file: ByteSource, prefix: Uint8Array): ByteSource {
  return {
    size: file.size,
    read: async (offset, length) => {
      if (offset >= prefix.length) return file.read(offset, length);
      const head = prefix.subarray(offset, Math.min(prefix.length, offset + length));
      if (head.length === length) return head;
      const rest = await file.read(prefix.length, length - head.length);
      const out = new Uint8Array(head.length + rest.length);
      out.set(head);
      out.set(rest, head.length);
      return out;
    },
  };
}

/** Adds a change to the ones made so far (null reverts them all); refused with libvirt's reason. */
export async function changeContainer(state: ContainerState, next: LibvirtChange | null): Promise<ContainerState> {
  if (!next) return { ...state, info: state.original, change: null };
  const change = { ...state.change, ...next };
  const lv = state.original.libvirt;
  if (!lv) throw new RequestError('bad-request', 'the libvirt header could not be read, so it cannot be rewritten');
  const r = libvirtPrefix(lv, change);
  if (!r.ok) throw new RequestError('bad-request', r.reason);
  const read = await readLibvirt(overlay(blobSource(state.file), r.prefix));
  if (!read) throw new RequestError('bad-request', 'the rewritten header is not a libvirt header');
  const info: ContainerInfo = { ...read, inner: state.original.inner, streamSize: state.original.streamSize };
  // Problems of the compressed stream came from decompressing it, not from the header: keep them.
  const stream = state.original.records.find((x) => x.kind === 'stream');
  if (stream) info.records = info.records.map((x) => (x.kind === 'stream' ? stream : x));
  info.problems = info.records.flatMap((x) => x.problems);
  return { ...state, info, change };
}

export type ContainerDownload = 'keep' | 'raw';

/**
 * The image around the edited stream. A raw image: the (rewritten) prefix and slices of the
 * stream. A gzip image: re-compressed by the browser's CompressionStream, or written raw
 * (compressed = 0). Other compressors are always written raw: the browser has no encoder for them.
 */
export async function imageBlob(state: ContainerState, stream: Blob, how: ContainerDownload = 'keep'): Promise<{ blob: Blob; notes: string[] }> {
  const { inner } = state.original;
  if (state.original.kind === 'xl') return { blob: new Blob(xlImageParts(state.original, state.file, stream)), notes: [] };
  if (state.original.kind === 'qcow2') {
    const r = await qcow2ImageParts(state.original, state.file, stream, state.stream);
    if ('reason' in r) throw new RequestError('bad-request', r.reason);
    return { blob: new Blob(r.parts), notes: [] };
  }
  const compressed = inner.codec !== 'raw';
  const recompress = compressed && how === 'keep' && inner.codec === 'gzip' && typeof CompressionStream === 'function';
  const writeRaw = compressed && !recompress;
  if (!state.change && !writeRaw) {
    const prefix = state.file.slice(0, inner.offset);
    if (!compressed) return { blob: new Blob([prefix, stream]), notes: [] };
    return { blob: new Blob([prefix, await gzip(stream)]), notes: ['the stream was compressed again with gzip (the bytes differ from the original compressor\'s, the stream inside is the same)'] };
  }
  const r = libvirtPrefix(state.original.libvirt!, { ...state.change, codec: writeRaw ? 'raw' : undefined });
  if (!r.ok) throw new RequestError('bad-request', r.reason);
  const notes = writeRaw
    ? [`written as a raw image (compressed = 0): ${inner.codec === 'gzip' ? 'as asked' : `this browser has no ${inner.codec} compressor`}; libvirt restores it without a decompressor`]
    : [];
  const body = recompress ? await gzip(stream) : stream;
  return { blob: new Blob([r.prefix as Uint8Array<ArrayBuffer>, body]), notes };
}

async function gzip(stream: Blob): Promise<Blob> {
  return new Response(stream.stream().pipeThrough(new CompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>>)).blob();
}
