"""Embedding throughput (images/s) of each encoder: PyTorch fp32 vs bf16 autocast vs onnxruntime.

    PYTHONPATH=src python benchmarks/embed_throughput.py [--threads 1] [--batch 256] [--rounds 3]

For each registered image encoder at its usual input (lenet 1×28×28, mlp 1×28×28, small_cnn 1×40×50
with a stand-in until it is registered): eval mode, ``torch.inference_mode``, channels_last weights;
fp32 and ``torch.autocast("cpu", torch.bfloat16)``; and the ONNX export (``siamkit.deploy.export.export_onnx``,
parity checked) under onnxruntime with the same thread count. Variants run interleaved; images/s is
the median over rounds of the best of ``--repeats`` batches.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch
from perf_common import best_seconds, machine, median, onnx_cpu_session
from train_throughput import EMBEDDING, encoder_for

from siamkit.deploy.export import export_onnx
from siamkit.nn.encoders import build_encoder

INPUTS = {"lenet": (1, 28, 28), "mlp": (1, 28, 28), "small_cnn": (1, 40, 50)}


def torch_embedder(encoder: torch.nn.Module, bf16: bool):
    def run(x: torch.Tensor) -> torch.Tensor:
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            return encoder(x)

    return run


def main() -> None:
    import onnxruntime as ort

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"machine: {machine()}; onnxruntime {ort.__version__}")

    folder = Path(tempfile.mkdtemp(prefix="siamkit-embed-"))
    runners, notes = {}, {}
    for name, shape in INPUTS.items():
        torch.manual_seed(0)
        encoder = encoder_for(name) if name in EMBEDDING else build_encoder(name, shape, 128)
        encoder.eval()
        x = torch.rand(args.batch, *shape, generator=torch.Generator().manual_seed(0))
        exported = export_onnx(encoder, shape, folder / f"{name}.onnx")
        session = onnx_cpu_session(str(exported.files["encoder"]), args.threads)
        feed = {session.get_inputs()[0].name: x.numpy()}
        fast = encoder.to(memory_format=torch.channels_last)  # after export: ONNX gets the plain layout
        runners[name] = {
            "torch fp32": (torch_embedder(fast, False), x),
            "torch bf16": (torch_embedder(fast, True), x),
            "onnxruntime fp32": (lambda _x, s=session, f=feed: s.run(None, f), x),
        }
        notes[name] = exported.max_abs_diff["encoder"]

    rates: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.rounds):
        for name, variants in runners.items():
            for variant, (run, x) in variants.items():
                seconds = best_seconds(lambda: run(x), args.repeats)
                rates.setdefault((name, variant), []).append(args.batch / seconds)

    print(f"\nbatch {args.batch}; images/s (median of {args.rounds} rounds), ratio to torch fp32")
    print(f"{'encoder':9} {'input':>8} {'variant':18} {'images/s':>9} {'× fp32':>7}")
    for name, variants in runners.items():
        base = median(rates[(name, "torch fp32")])
        for variant in variants:
            rate = median(rates[(name, variant)])
            print(f"{name:9} {'x'.join(map(str, INPUTS[name])):>8} {variant:18} {rate:9.0f} {rate / base:7.2f}")
        print(f"{'':9} {'':8} (onnx parity: max |ort − torch| = {notes[name]:.1e})")


if __name__ == "__main__":
    main()
