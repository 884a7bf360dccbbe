// ccid-card-emulated's backend for the scripts that start QEMU with it (the library probes, the
// hostdev fixtures): with backend=certificates the emulated smart card (libcacard) presents three
// certificates, found by nickname in an NSS database. Without a backend QEMU refuses ("backend must be
// one of: nss-emulated, certificates"), and nss-emulated finds no card on these hosts ("failed to
// initialize vcard"). The database is made with certutil (Debian package libnss3-tools, on the host
// only): the sql: format (cert9.db, key4.db) is read the same by the NSS of bookworm, trixie and
// forky, so a QEMU in a chroot reads a copy made inside the chroot's tree.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const NSS_CERTS = ['cert1', 'cert2', 'cert3'];

/** Makes (once) an NSS database in DIR (a host path) with self-signed EC certificates cert1…cert3. */
export function makeNssDb(dir) {
  if (existsSync(join(dir, 'cert9.db'))) return dir;
  mkdirSync(dir, { recursive: true });
  const db = `sql:${dir}`;
  execFileSync('certutil', ['-N', '-d', db, '--empty-password'], { stdio: 'pipe' });
  // certutil -S wants entropy from a file (or keystrokes): any bytes do for throwaway test keys.
  const noise = join(dir, 'noise');
  writeFileSync(noise, Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 97 + 13) & 255)));
  for (const [i, nick] of NSS_CERTS.entries()) {
    execFileSync('certutil', ['-S', '-d', db, '-n', nick, '-s', `CN=probe card ${i + 1}`, '-x', '-t', 'CT,C,C',
      '-k', 'ec', '-q', 'nistp256', '-z', noise, '-v', '120', '-m', String(i + 1)], { stdio: 'pipe' });
  }
  return dir;
}

/** ccid-card-emulated's options for a database at DB (the path as QEMU sees it). */
export const ccidCardOpts = (db) => ['backend=certificates', `db=sql:${db}`, ...NSS_CERTS.map((n, i) => `cert${i + 1}=${n}`)];
