"""A live server for the SDK's tests: this repository's, started on a free loopback port on the in-memory store."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from chitchat_client import ChitChat

ROOT = Path(__file__).resolve().parents[3]


class ServerOutput:
    """
    Reads the server's pipes to their end, so that a full pipe never stalls it: the port from its
    `listening` log line (JSON on stdout); stderr, kept to explain a server that does not start.
    """

    def __init__(self, server: subprocess.Popen[str]) -> None:
        assert server.stdout is not None and server.stderr is not None
        self.port: int | None = None
        self.listening = threading.Event()
        self.stderr: list[str] = []
        self.readers = [
            threading.Thread(target=self._read_stdout, args=(server.stdout,), daemon=True),
            threading.Thread(target=self._read_stderr, args=(server.stderr,), daemon=True),
        ]
        for reader in self.readers:
            reader.start()

    def _read_stdout(self, stream: IO[str]) -> None:
        for line in stream:
            if self.port is None and line.startswith("{"):
                entry = json.loads(line)
                if entry.get("msg") == "listening":
                    self.port = int(entry["port"])
                    self.listening.set()
        self.listening.set()  # the server ended: stop waiting

    def _read_stderr(self, stream: IO[str]) -> None:
        self.stderr.extend(stream)


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    """CHITCHAT_BASE_URL when set (any server of this API), else the repository's built server (make build)."""
    if url := os.environ.get("CHITCHAT_BASE_URL"):
        yield url
        return
    main = ROOT / "dist" / "src" / "main.js"
    if not main.exists():
        pytest.fail(f"{main} is missing: run `make build` first")
    # Empty, not absent: a .env file beside the server must not point it at a database either.
    env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": "0",
        "LOG_LEVEL": "info",
        "BCRYPT_COST": "4",
        "MONGODB_URI": "",
        "REDIS_URL": "",
    }
    pipe = subprocess.PIPE
    server = subprocess.Popen(["node", str(main)], cwd=ROOT, env=env, stdout=pipe, stderr=pipe, text=True)
    output = ServerOutput(server)
    try:
        output.listening.wait(timeout=30)
        if output.port is None:
            raise RuntimeError(f"the server did not listen (exit status {server.poll()}):\n{''.join(output.stderr)}")
        yield f"http://127.0.0.1:{output.port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        for reader in output.readers:
            reader.join(timeout=5)
        for stream in (server.stdout, server.stderr):
            if stream:
                stream.close()


@pytest.fixture
def chat(base_url: str) -> Iterator[ChitChat]:
    with ChitChat(base_url) as client:
        yield client
