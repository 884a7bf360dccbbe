// The open file's container (libvirt, xl or qcow2 image): its records as read, the records as the
// edit history's 'container' changes leave them (libvirt XML and was_running, an xl image's HVM
// context: format/container/field-edit.ts), and the download that puts the container's bytes back
// around the edited stream.

import { qcow2ImageParts } from '../format/container/qcow2.ts';
import { blobParts, libvirtRawParts, xlParts } from '../format/container/image-parts.ts';
import { blobSource, type ByteSource } from '../format/byte-source.ts';
import { editedContainer, type ContainerTarget } from '../format/container/field-edit.ts';
import { libvirtPrefix } from '../format/container/libvirt-edit.ts';
import type { ContainerInfo } from '../format/container/types.ts';
import type { Change } from '../format/edit/change.ts';
import { containerSplices } from '../format/edit/history.ts';
import { editedSource } from '../format/edit/piece-table.ts';
import { editedBlob } from './edited-file.ts';
import { RequestError } from './open-file.ts';

export interface ContainerState {
  /** The file as dropped (the stream the edits apply to is a part of it, or its spill). */
  file: Blob;
  original: ContainerInfo;
  /** What the page shows: `original`, or the records as the applied container changes rewrite them. */
  info: ContainerInfo;
  /** The applied actions changed the container's own bytes. */
  edited: boolean;
  /** The stream as opened (before edits): qcow2 downloads compare against it. */
  stream: Blob;
  /** Removes the spill of a compressed stream. */
  close(): Promise<void>;
}

/** The container's bytes and records after `done` (the applied actions, stream and container alike). */
export async function containerTarget(state: ContainerState, done: readonly Change[]): Promise<ContainerTarget & { file: ByteSource }> {
  const splices = containerSplices(done);
  const file = editedSource(blobSource(state.file), splices);
  const info = splices.length ? await editedContainer(state.original, file) : state.original;
  return { info, file, read: (o, n) => file.read(o, n) };
}

/** The state as the history `done` leaves it. */
export async function containerAfter(state: ContainerState, done: readonly Change[]): Promise<ContainerState> {
  const t = await containerTarget(state, done);
  return { ...state, info: t.info, edited: containerSplices(done).length > 0 };
}

export type ContainerDownload = 'keep' | 'raw';

/**
 * The image around the edited stream. A raw image: the (rewritten) prefix and slices of the
 * stream. A gzip image: re-compressed by the browser's CompressionStream, or written raw
 * (compressed = 0). Other compressors are always written raw: the browser has no encoder for them.
 */
export async function imageBlob(state: ContainerState, stream: Blob, done: readonly Change[], how: ContainerDownload = 'keep'): Promise<{ blob: Blob; notes: string[] }> {
  const { inner } = state.original;
  const file = editedBlob(state.file, containerSplices(done));
  if (state.original.kind === 'xl') {
    if (!state.original.xl) throw new RequestError('bad-request', `${state.original.title}: it has no EMULATOR_CONTEXT record to write the device state into`);
    return { blob: new Blob(blobParts(xlParts(state.original, stream.size), file, stream)), notes: [] };
  }
  if (state.original.kind === 'qcow2') {
    const r = await qcow2ImageParts(state.original, state.file, stream, state.stream);
    if ('reason' in r) throw new RequestError('bad-request', r.reason);
    return { blob: new Blob(r.parts), notes: [] };
  }
  const compressed = inner.codec !== 'raw';
  const recompress = compressed && how === 'keep' && inner.codec === 'gzip' && typeof CompressionStream === 'function';
  const writeRaw = compressed && !recompress;
  if (!compressed) return { blob: new Blob(blobParts(libvirtRawParts(state.original, stream.size), file, stream)), notes: [] };
  if (!writeRaw) {
    const prefix = file.slice(0, inner.offset);
    return { blob: new Blob([prefix, await gzip(stream)]), notes: ['the stream was compressed again with gzip (the bytes differ from the original compressor\'s, the stream inside is the same)'] };
  }
  const lv = (await containerTarget(state, done)).info.libvirt;
  if (!lv) throw new RequestError('bad-request', 'the libvirt header could not be read, so it cannot be rewritten');
  const r = libvirtPrefix(lv, { codec: 'raw' });
  if (!r.ok) throw new RequestError('bad-request', r.reason);
  const notes = [`written as a raw image (compressed = 0): ${inner.codec === 'gzip' ? 'as asked' : `this browser has no ${inner.codec} compressor`}; libvirt restores it without a decompressor`];
  return { blob: new Blob([r.prefix as Uint8Array<ArrayBuffer>, stream]), notes };
}

async function gzip(stream: Blob): Promise<Blob> {
  return new Response(stream.stream().pipeThrough(new CompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>>)).blob();
}
