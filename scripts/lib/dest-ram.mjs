// What a real destination QEMU's guest RAM holds, as per-page hashes: the oracle the RAM views
// and the CLI's `ram` command are tested against (scripts/fixtures10/channels.mjs destinationRam
// for QEMU 10.0/11.1 multifd, scripts/fixtures72/dest-ram.mjs for QEMU 7.2 streams).
import { createHash } from 'node:crypto';

export const DEST_RAM_PAGE = 4096;
const pageHash = (b) => createHash('sha256').update(b).digest('hex').slice(0, 16);

/** Per-page hashes of a block's bytes: zero pages counted, the others listed by page index. */
export function pageHashes(name, how, bytes) {
  const pages = {};
  let zeroPages = 0;
  for (let i = 0; i * DEST_RAM_PAGE < bytes.length; i++) {
    const p = bytes.subarray(i * DEST_RAM_PAGE, (i + 1) * DEST_RAM_PAGE);
    if (p.every((x) => x === 0)) zeroPages++;
    else pages[i] = pageHash(p);
  }
  return { name, how, length: bytes.length, zeroPages, pages };
}

/** The JSON file's description line, naming the script that made it. */
export const destRamDescription = (madeBy) =>
  `Per-page SHA-256 (first 16 hex digits) of guest RAM in a real destination QEMU after it received the files below; pages not listed are zero. Made by ${madeBy}.`;
