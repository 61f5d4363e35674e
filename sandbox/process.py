"""Start a sandbox server in a child process on a free loopback port, for tests, the demo and benchmarks.

A real process (not an in-process ASGI app) keeps the wire honest: real sockets, real timeouts, real
connection resets, and a server that can be killed.
"""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_server(
    module: str,
    args: list[str] | None = None,
    *,
    ready_path: str = "/_sandbox/health",
    startup_timeout: float = 60.0,
    log_path: Path | None = None,
) -> Iterator[str]:
    """Run `python -m <module> --port P <args>` and yield its base URL until the block ends (then SIGTERM)."""
    port = free_port()
    cmd = [sys.executable, "-m", module, "--port", str(port), *(args or [])]
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{module} exited with {proc.returncode} before serving (cmd: {' '.join(cmd)})")
            try:
                if httpx.get(base_url + ready_path, timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{module} did not answer {ready_path} within {startup_timeout}s")
            time.sleep(0.1)
        yield base_url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log_path:
            log.close()  # type: ignore[union-attr]
