#!/usr/bin/env python3
"""An ivshmem server for ivshmem-doorbell (scripts/lib/ivshmem-server.mjs starts it).

Debian's QEMU packages do not ship QEMU's contrib ivshmem-server (bookworm, trixie and forky alike),
and an ivshmem-doorbell device cannot be realized without one: at realize QEMU waits on its chardev
for the server's setup messages (with a null chardev it hangs). This one is written from QEMU's
protocol description (docs/specs/ivshmem-spec: "The ivshmem Client-Server Protocol"): every message
is one little-endian signed 64-bit number, some with a file descriptor (SCM_RIGHTS, which Node's
sockets cannot send, hence Python). On connect a client gets the protocol version 0, its ID, -1 with
the shared-memory fd, then each other client's ID once per vector with that client's eventfds, then
its own ID once per vector with its own eventfds; the other clients are told of the new one.

IDs count from 0, so the first client gets 0, which is what makes an ivshmem-doorbell with
master=auto the master (hw/misc/ivshmem.c), and the master is the only peer QEMU lets migrate.

Usage: ivshmem-server.py SOCKET [SIZE_BYTES [VECTORS]]; prints "ready" once listening.
"""
import os
import select
import socket
import struct
import sys

path = sys.argv[1]
size = int(sys.argv[2]) if len(sys.argv) > 2 else 1 << 20
vectors = int(sys.argv[3]) if len(sys.argv) > 3 else 1

shm = os.memfd_create('ivshmem', 0)
os.ftruncate(shm, size)

try:
    os.unlink(path)
except FileNotFoundError:
    pass
listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
listener.bind(path)
listener.listen(8)
print('ready', flush=True)

clients = {}  # id -> (socket, [eventfd per vector])
next_id = 0


def send(sock, value, fd=None):
    data = struct.pack('<q', value)
    if fd is None:
        sock.sendall(data)
    else:
        socket.send_fds(sock, [data], [fd])


while True:
    readable, _, _ = select.select([listener] + [c[0] for c in clients.values()], [], [])
    for r in readable:
        if r is listener:
            sock, _ = listener.accept()
            me = next_id
            next_id += 1
            fds = [os.eventfd(0) for _ in range(vectors)]
            try:
                send(sock, 0)
                send(sock, me)
                send(sock, -1, shm)
                for other, (osock, ofds) in clients.items():
                    for fd in ofds:
                        send(sock, other, fd)
                    for fd in fds:
                        send(osock, me, fd)
                for fd in fds:
                    send(sock, me, fd)
            except OSError:
                sock.close()
                continue
            clients[me] = (sock, fds)
        else:
            # A client speaks only by leaving: drop it and tell the others (an ID without an fd).
            try:
                if r.recv(64):
                    continue
            except OSError:
                pass
            gone = next(i for i, c in clients.items() if c[0] is r)
            _, fds = clients.pop(gone)
            r.close()
            for fd in fds:
                os.close(fd)
            for osock, _ in clients.values():
                try:
                    send(osock, gone)
                except OSError:
                    pass
