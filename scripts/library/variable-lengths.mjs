// Buffers whose length QEMU writes in an earlier field of the same section (VMS_VBUFFER): the vmdesc
// JSON gives such a buffer the size it had in the probe's save, so a library description fits only
// files whose buffer happens to have that size. Where the length is state that differs from VM to
// VM, the packed libraries name the length field instead (`size_from`, the decoder's own key for
// VMS_VBUFFER, format.md §3.7), so the buffer is read at the length the file itself gives. Read from
// QEMU's sources (the same in 7.2, 10.0 and 11.1):
//   backends/tpm/tpm_emulator.c, vmstate_tpm_emulator: swtpm's permanent, volatile and savestate
//     blobs, VMSTATE_VBUFFER_ALLOC_UINT32 after their VMSTATE_UINT32 sizes. The blobs are swtpm's
//     state: a TPM that libvirt manufactured (swtpm_setup's EK and platform certificates) has
//     other sizes than the probes' empty TPM (library-tpm.test.ts), and what a guest stores in its
//     TPM (NV indices, persistent keys) or leaves loaded changes them again.
//   hw/tpm/tpm_spapr.c, vmstate_spapr_vtpm: `buffer`, VMSTATE_VBUFFER_UINT32 by `numbytes` (a
//     response not yet delivered to the guest; 0 otherwise).
// (scripts/pack-vmdesc-library.mjs; the generated qemu-<v>*.json keep QEMU's sizes as written.)

/** vmsd name → buffer field → the earlier uint32 field holding its length. */
export const VARIABLE_LENGTHS = {
  'tpm-emulator': {
    'state_blobs.permanent.buffer': 'state_blobs.permanent.size',
    'state_blobs.volatil.buffer': 'state_blobs.volatil.size',
    'state_blobs.savestate.buffer': 'state_blobs.savestate.size',
  },
  'tpm-spapr': { buffer: 'numbytes' },
};

/**
 * FIELDS (a variant's top-level fields) with each listed buffer sized by its length field: size 0
 * and size_from, as the decoder's built-in descriptions write VMS_VBUFFER. A buffer is only marked
 * when the length field comes before it as a uint32, as QEMU writes it; anything else is left as is.
 */
export function withVariableLengths(vmsdName, fields) {
  const table = VARIABLE_LENGTHS[vmsdName];
  if (!table) return fields;
  return fields.map((f, i) => {
    const from = table[f.name];
    const ok = from && f.type === 'buffer' && fields.slice(0, i).some((g) => g.name === from && g.type === 'uint32');
    return ok ? { ...f, size: 0, size_from: from } : f;
  });
}
