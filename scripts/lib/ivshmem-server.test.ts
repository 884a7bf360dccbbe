// scripts/lib/ivshmem-server.py against QEMU's ivshmem protocol, with real QEMU as the client: the
// host's QEMU realizes an ivshmem-doorbell with master=on on it (QEMU waits for the server's setup
// messages at realize, so a started QEMU means they were what it expects), and a second QEMU on the
// same server gets QEMU's own refusal, since the master has to be the server's first client. The
// bytes of the protocol (little-endian int64s) are read by a plain socket too.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startIvshmemServer } from './ivshmem-server.mjs';
import { startQemu } from './qemu.mjs';

const has = (bin: string, args: string[]) => spawnSync(bin, args, { encoding: 'utf8' }).status === 0;
const READY = has('python3', ['--version']) && has('qemu-system-x86_64', ['--version']);
const dir = mkdtempSync(join(tmpdir(), 'ivshmem-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The first N int64 messages a plain client reads from SOCKET (file descriptors are dropped by the kernel). */
function readMessages(socket: string, n: number): Promise<{ values: bigint[]; close: () => void }> {
  return new Promise((resolve, reject) => {
    const s = connect(socket);
    let buf = Buffer.alloc(0);
    s.on('error', reject);
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 8 * n) resolve({ values: Array.from({ length: n }, (_, i) => buf.readBigInt64LE(8 * i)), close: () => s.destroy() });
    });
  });
}

describe.skipIf(!READY)('ivshmem-server.py', { timeout: 60_000 }, () => {
  it('sends version 0, the client ID, -1 (with the memory), then its own ID per vector; IDs count from 0', async () => {
    const socket = join(dir, 'plain.sock');
    const server = await startIvshmemServer(socket);
    try {
      const first = await readMessages(socket, 4);
      expect(first.values).toEqual([0n, 0n, -1n, 0n]);
      // The second: the first client's ID once per vector (a connect notification), then its own.
      const second = await readMessages(socket, 5);
      expect(second.values).toEqual([0n, 1n, -1n, 0n, 1n]);
      first.close();
      second.close();
    } finally {
      await server.stop();
    }
  });

  it('real QEMU realizes a master ivshmem-doorbell on it, and refuses a second master on the same server', async () => {
    const socket = join(dir, 'qemu.sock');
    const server = await startIvshmemServer(socket);
    const args = ['-S', '-display', 'none', '-nodefaults', '-M', 'pc', '-m', '64', '-chardev', `socket,id=c0,path=${socket}`, '-device', 'ivshmem-doorbell,chardev=c0,master=on'];
    try {
      const master = await startQemu('qemu-system-x86_64', args);
      try {
        const paths = await master.qmp.execute('qom-list', { path: '/machine/peripheral-anon' }) as { type: string }[];
        expect(paths.map((p) => p.type)).toContain('child<ivshmem-doorbell>');
        await expect(startQemu('qemu-system-x86_64', args)).rejects.toThrow(/master must connect to the server before any peers/);
      } finally {
        await master.close();
      }
    } finally {
      await server.stop();
    }
  });
});
