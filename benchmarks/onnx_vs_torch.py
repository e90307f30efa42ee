"""onnxruntime vs PyTorch eager inference of exported encoders, side by side in one run.

    PYTHONPATH=src python benchmarks/onnx_vs_torch.py [--threads 1] [--repeats 30]

For each registered encoder (lenet, mlp, and small_cnn / resnet18 where registered) at a typical input
size: export with `siamkit.deploy.export.export_onnx` (parity checked, max abs difference printed), then
time batch 1 and batch 64 forward passes in both runtimes with the same thread count; prints the
median milliseconds per batch and the speed-up torch / onnxruntime.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import torch
from perf_common import call_seconds, onnx_cpu_session

from siamkit.deploy.export import export_onnx
from siamkit.nn.encoders import ENCODERS, build_encoder

INPUT_SHAPES = {"lenet": (1, 28, 28), "mlp": (1, 28, 28), "small_cnn": (1, 40, 50), "resnet18": (3, 64, 64)}


def median_ms(fn, repeats: int) -> float:
    return statistics.median(call_seconds(fn, repeats)) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    folder = Path(tempfile.mkdtemp(prefix="siamkit-onnx-"))
    print(f"{'encoder':10} {'input':>10} {'batch':>5} {'torch ms':>9} {'ort ms':>8} {'torch/ort':>9} {'max diff':>9}")
    for name in [n for n in INPUT_SHAPES if n in ENCODERS.names()]:
        shape = INPUT_SHAPES[name]
        torch.manual_seed(0)
        encoder = build_encoder(name, shape, 128).eval()
        result = export_onnx(encoder, shape, folder / f"{name}.onnx")
        session = onnx_cpu_session(str(result.files["encoder"]), args.threads)
        for batch in (1, 64):
            x = torch.rand(batch, *shape, generator=torch.Generator().manual_seed(batch))
            feed = {"input": x.numpy()}
            with torch.no_grad():
                torch_ms = median_ms(lambda: encoder(x), args.repeats)
            ort_ms = median_ms(lambda: session.run(None, feed), args.repeats)
            print(f"{name:10} {'x'.join(map(str, shape)):>10} {batch:>5} {torch_ms:>9.2f} {ort_ms:>8.2f} "
                  f"{torch_ms / ort_ms:>9.2f} {result.max_abs_diff['encoder']:>9.2e}")


if __name__ == "__main__":
    main()
