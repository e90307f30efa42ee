"""Running the service on 127.0.0.1 for a bounded time: in a thread of this process, or as a real
``siamkit serve`` process. Used by the examples, the load benchmark and the end-to-end tests.

Both context managers yield the base URL (``http://127.0.0.1:PORT``) once the server answers, fail
with a :class:`ServiceStartError` (with the server's output) when it does not within ``startup_timeout``
seconds, and stop the server on exit.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from siamkit.core.errors import SiamkitError

HOST = "127.0.0.1"


class ServiceStartError(SiamkitError):
    """The server exited, or did not answer, during start-up."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextmanager
def serve_in_thread(app, startup_timeout: float = 30.0) -> Iterator[str]:
    """Serve the FastAPI ``app`` with uvicorn in a daemon thread; yields the base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host=HOST, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise ServiceStartError(f"the server did not start within {startup_timeout:g} s")
        time.sleep(0.05)
    try:
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@contextmanager
def serve_process(
    checkpoint: str | Path,
    gallery: str | Path,
    startup_timeout: float = 60.0,
    env: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """Run ``python -m siamkit serve CHECKPOINT --gallery GALLERY`` on a free port (this interpreter,
    this siamkit on ``PYTHONPATH``, plus ``env``); yields the base URL once ``/health`` answers 200."""
    import httpx

    src = str(Path(__file__).resolve().parents[3])  # the folder holding the siamkit package
    port = free_port()
    process_env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{os.environ.get('PYTHONPATH', '')}", **(env or {})}
    output = tempfile.TemporaryFile("w+")  # a file, not a pipe: a chatty server cannot block on a full pipe
    server = subprocess.Popen(
        [sys.executable, "-m", "siamkit", "serve", str(checkpoint), "--gallery", str(gallery),
         "--host", HOST, "--port", str(port)],
        env=process_env, stdout=output, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if server.poll() is not None:
                output.seek(0)
                raise ServiceStartError(f"the server exited during start-up:\n{output.read()}")
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise ServiceStartError(f"the server did not answer /health within {startup_timeout:g} s")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        output.close()
