"""Exit 0 when a Kafka broker at HOST:PORT answers a Metadata request listing a broker.

Stdlib only, so the readiness probe needs neither a JVM start-up (kafka's own tools take
seconds each) nor the project's virtualenv. Metadata v4 is the oldest version Kafka 4.x still
serves and the newest without the flexible (tagged-field) encoding.
"""

from __future__ import annotations

import socket
import struct
import sys

METADATA_API_KEY = 3
METADATA_VERSION = 4
CORRELATION_ID = 7


def _request() -> bytes:
    client_id = b"domtok-ready"
    header = struct.pack(
        ">hhih", METADATA_API_KEY, METADATA_VERSION, CORRELATION_ID, len(client_id)
    )
    # An empty topic list asks for brokers only; no topic is auto-created.
    body = struct.pack(">ib", 0, 0)
    payload = header + client_id + body
    return struct.pack(">i", len(payload)) + payload


def _read_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("broker closed the connection")
        data += chunk
    return data


def broker_count(host: str, port: int, timeout: float = 2.0) -> int:
    """Return how many brokers the Metadata response lists."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(_request())
        (size,) = struct.unpack(">i", _read_exact(sock, 4))
        response = _read_exact(sock, size)
    correlation_id, _throttle_ms, brokers = struct.unpack(">iii", response[:12])
    if correlation_id != CORRELATION_ID:
        raise ValueError(f"unexpected correlation id {correlation_id}")
    return brokers


def main() -> int:
    """Probe the broker given on the command line; print the reason when it is not ready."""
    host, port = sys.argv[1], int(sys.argv[2])
    try:
        count = broker_count(host, port)
    except (OSError, ValueError, struct.error) as exc:
        print(f"kafka not ready: {exc}", file=sys.stderr)
        return 1
    return 0 if count >= 1 else 1


if __name__ == "__main__":
    sys.exit(main())
