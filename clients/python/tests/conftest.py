"""A live server for the SDK's tests: this repository's, started on a free loopback port on the in-memory store."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from chitchat_client import ChitChat

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    """CHITCHAT_BASE_URL when set (any server of this API), else the repository's built server (make build)."""
    if url := os.environ.get("CHITCHAT_BASE_URL"):
        yield url
        return
    main = ROOT / "dist" / "src" / "main.js"
    if not main.exists():
        pytest.fail(f"{main} is missing: run `make build` first")
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": "0", "LOG_LEVEL": "info", "BCRYPT_COST": "4"}
    env.pop("MONGODB_URI", None)
    env.pop("REDIS_URL", None)
    server = subprocess.Popen(
        ["node", str(main)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        port = _listening_port(server)
        # The request log goes on; read, so that a full pipe never stalls the server.
        threading.Thread(target=server.stdout.read if server.stdout else None, daemon=True).start()
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stdout:
            server.stdout.close()


def _listening_port(server: subprocess.Popen[str]) -> int:
    """The port from the server's `listening` log line (JSON on stdout)."""
    assert server.stdout is not None
    for line in server.stdout:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("msg") == "listening":
            return int(entry["port"])
    raise RuntimeError(f"the server exited ({server.wait()}) before it listened")


@pytest.fixture
def chat(base_url: str) -> Iterator[ChitChat]:
    with ChitChat(base_url) as client:
        yield client
