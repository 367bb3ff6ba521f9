#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Carry kvm-run's standard input to the guest's kvmrun.stdin port.

QEMU listens on SOCKET (a chardev in server mode); this process connects
and copies its own standard input into the connection.  When the input
ends it shuts down its sending side: QEMU reads end-of-file, marks the
virtio-serial port's host side closed, and the command in the guest reads
end-of-file after the last byte.

Why not simpler: QEMU 7.2's file chardev has no input side, a FIFO opened
by its pipe chardev never ends (QEMU holds both ends), and a port whose
socket QEMU connects to at startup never reports itself open to the guest.
Why not close at once: closing raises POLLHUP on QEMU's end, and QEMU then
drops whatever the guest has not read yet; so wait for QEMU to close first.

kvm-run kills this process when QEMU is gone, in case the input never ends.
"""

import os
import socket
import sys
import time


def connect(path: str) -> socket.socket:
    # QEMU creates the socket while it starts; the guest needs seconds to
    # boot before it can read, so a few seconds of retries are plenty.
    deadline = time.monotonic() + 30
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            return sock
        except (FileNotFoundError, ConnectionRefusedError):
            sock.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def main() -> int:
    conn = connect(sys.argv[1])
    try:
        while True:
            data = os.read(0, 65536)
            if not data:
                break
            conn.sendall(data)
        conn.shutdown(socket.SHUT_WR)
        while conn.recv(4096):
            pass
    except (BrokenPipeError, ConnectionResetError):
        # The guest is gone; what it did not read is lost, as it would be
        # for a command that exits without reading all of its input.
        pass
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
