"""Helpers shared by the throughput benchmarks: machine description, fp32 matmul peak, timing."""

from __future__ import annotations

import os
import platform
import statistics
import time
from typing import Callable

import torch


def machine() -> str:
    """One line: CPU model, cores, torch version and threads, and the load average (other work on the machine)."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    return (
        f"{model}, {os.cpu_count()} cores; torch {torch.__version__}, {torch.get_num_threads()} thread(s); "
        f"load average {load}"
    )


def matmul_gflops(n: int = 1024, repeats: int = 5) -> float:
    """fp32 matmul throughput ``[n, n] @ [n, n]`` in GFLOP/s (2·n³ FLOP), best of ``repeats``: this machine's peak."""
    generator = torch.Generator().manual_seed(0)
    a, b = torch.randn(n, n, generator=generator), torch.randn(n, n, generator=generator)
    return 2 * n**3 / best_seconds(lambda: a @ b, repeats) / 1e9


def call_seconds(fn: Callable[[], object], repeats: int) -> list[float]:
    """Seconds of each of ``repeats`` timed calls, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def best_seconds(fn: Callable[[], object], repeats: int) -> float:
    """Fastest of ``repeats`` timed calls after one warm-up call."""
    return min(call_seconds(fn, repeats))


def onnx_cpu_session(path: str, threads: int):
    """An onnxruntime CPU session on ``threads`` intra-op threads and one inter-op thread, so it runs
    on the same cores as ``torch.set_num_threads(threads)``."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def median(values: list[float]) -> float:
    return statistics.median(values)
