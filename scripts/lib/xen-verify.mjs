// Xen's own stream verifier, verify-stream-v2 from Debian's xen-utils-4.17, run on our xl images.
// Installing that package would pull in changes to systemd, so its .deb is fetched with
// `apt-get download` and unpacked with `dpkg -x` into /var/tmp/xen-verify (`--install`).
// Its xen/migration/libxl.py compares a bytes value with a str under Python 3 when it checks an
// EMULATOR_XENSTORE_DATA record ("Data not NUL terminated" for every non-empty record), and then
// splits bytes by a str: the copy we run has exactly those two expressions corrected to bytes;
// nothing else of the verifier is changed.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const XEN_VERIFY_DIR = process.env.XEN_VERIFY_DIR ?? '/var/tmp/xen-verify';
const ROOT = join(XEN_VERIFY_DIR, 'root/usr/lib/xen-4.17');

export function xenVerifierAvailable() {
  return existsSync(join(ROOT, 'bin/verify-stream-v2')) && existsSync(join(XEN_VERIFY_DIR, 'patched'));
}

export function installXenVerifier() {
  if (xenVerifierAvailable()) return;
  rmSync(XEN_VERIFY_DIR, { recursive: true, force: true });
  mkdirSync(XEN_VERIFY_DIR, { recursive: true });
  execFileSync('apt-get', ['download', 'xen-utils-4.17'], { cwd: XEN_VERIFY_DIR, stdio: 'inherit' });
  const deb = readdirSync(XEN_VERIFY_DIR).find((f) => f.startsWith('xen-utils-4.17_') && f.endsWith('.deb'));
  execFileSync('dpkg', ['-x', join(XEN_VERIFY_DIR, deb), join(XEN_VERIFY_DIR, 'root')]);
  const libxl = join(ROOT, 'lib/python/xen/migration/libxl.py');
  const before = readFileSync(libxl, 'utf8');
  const after = before.replace(`if content[-1] != '\\x00':`, `if content[-1:] != b'\\x00':`).replace(`parts = content[:-1].split("\\x00")`, `parts = content[:-1].split(b"\\x00")`);
  if (after === before || after.split('\n').length !== before.split('\n').length) throw new Error('xen-verify: libxl.py is not the version this fix was written for');
  writeFileSync(libxl, after);
  writeFileSync(join(XEN_VERIFY_DIR, 'patched'), 'libxl.py: the NUL-terminator comparison and the split separator are bytes\n');
}

/** Runs verify-stream-v2 -v on FILE (format 'xl', 'libxl' or 'libxc'). */
export function verifyXenStream(file, format = 'xl') {
  if (!xenVerifierAvailable()) installXenVerifier();
  const r = spawnSync('python3', [join(ROOT, 'bin/verify-stream-v2'), '-v', '-f', format, '-i', file], {
    encoding: 'utf8', env: { ...process.env, PYTHONPATH: join(ROOT, 'lib/python') },
  });
  const output = `${r.stdout}${r.stderr}`;
  const records = (output.match(/Record:/g) ?? []).length;
  return { ok: r.status === 0, status: r.status, output, summary: `exit ${r.status}, ${records} records listed` };
}

if (process.argv[1]?.endsWith('xen-verify.mjs') && process.argv.includes('--install')) installXenVerifier();
