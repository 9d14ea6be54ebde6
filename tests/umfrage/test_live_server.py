"""The browser tests' server leaves nothing for the garbage collector to close."""

from __future__ import annotations

import socket
import struct

import pytest


def _request_then_reset(base_url: str, path: str) -> None:
    """Sends a GET and resets the connection, as a browser may on reload or close."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as client:
        client.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        # the first byte means the server is writing and about to wait for more input
        assert client.recv(1) == b"H"
        # linger on with a zero timeout: close() sends RST instead of FIN
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_dropped_connections_close_served_files(live_server: str) -> None:
    for _ in range(200):
        _request_then_reset(live_server, "/static/umfrage.css")
