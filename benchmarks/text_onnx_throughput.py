"""Text encode throughput (texts/s) of all-MiniLM-L6-v2: PyTorch fp32, PyTorch bf16 autocast, onnxruntime.

    PYTHONPATH=src nice -n 10 python benchmarks/text_onnx_throughput.py [--texts 4000] [--threads 2] [--rounds 3]

The whole text network (ids → mask → transformer → mean pooling → L2 norm) is exported with
``siamkit.deploy.export.export_text_onnx`` (parity checked; max abs difference printed) and run by
:class:`siamkit.deploy.onnx_embed.OnnxEmbedder`; both runtimes embed the same WordNet test texts (words and
glosses, tokenized once), in batches of ``--batch`` texts split into the same length-sorted sub-batches, on the
same number of threads. Variants run interleaved; texts/s is the median over ``--rounds`` of one pass over
all texts. The ratio onnxruntime / torch fp32 closes the output.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch
from perf_common import machine, median, onnx_cpu_session

from siamkit.data.text import wordnet_gloss
from siamkit.deploy.export import export_text_onnx
from siamkit.deploy.onnx_embed import OnnxEmbedder
from siamkit.nn.encoders import build_encoder
from siamkit.nn.heads import DistanceHead
from siamkit.nn.models import SiameseNet


def throughput(embed, ids: torch.Tensor, batch: int) -> float:
    """Texts per second of one pass of ``embed`` over ``ids`` ``[N, L]`` in batches of ``batch``."""
    started = time.perf_counter()
    for start in range(0, len(ids), batch):
        embed(ids[start : start + batch])
    return len(ids) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=4000)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    test = wordnet_gloss().part("test")
    texts = (test.text1 + test.text2)[:: max(1, (2 * len(test)) // args.texts)][: args.texts]
    model = SiameseNet(build_encoder("minilm", (128,), 0), DistanceHead("cosine")).eval()
    ids = model.encoder.tokenizer.encode(texts)
    with tempfile.TemporaryDirectory() as folder:
        result = export_text_onnx(model, Path(folder) / "minilm.onnx")
        onnx = OnnxEmbedder(result.files["encoder"], model.encoder.tokenizer.pad_id)
        onnx.session = onnx_cpu_session(str(result.files["encoder"]), args.threads)  # same threads as torch

        def torch_fp32(x: torch.Tensor) -> torch.Tensor:
            with torch.inference_mode():
                return model.embed(x)

        def torch_bf16(x: torch.Tensor) -> torch.Tensor:
            with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
                return model.embed(x)

        variants = {"torch fp32": torch_fp32, "torch bf16 autocast": torch_bf16, "onnxruntime fp32": onnx}
        for embed in variants.values():  # warm-up
            embed(ids[: args.batch])
        rates: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(args.rounds):
            for name, embed in variants.items():
                rates[name].append(throughput(embed, ids, args.batch))
        worst = float((onnx(ids[:512]) - torch_fp32(ids[:512])).abs().max())
    print(machine())
    print(f"{len(texts)} WordNet test texts (words and glosses), batch {args.batch}, {args.threads} thread(s)")
    print(f"export parity (max |onnxruntime − torch|): {max(result.max_abs_diff.values()):.2g}; on these texts {worst:.2g}")
    for name, values in rates.items():
        print(f"{name:22} {median(values):8.1f} texts/s")
    print(f"onnxruntime / torch fp32: {median(rates['onnxruntime fp32']) / median(rates['torch fp32']):.2f}×")


if __name__ == "__main__":
    main()
