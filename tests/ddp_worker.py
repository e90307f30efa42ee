"""Worker for tests/test_distributed.py (not a test module): trains a tiny Siamese LeNet on digits pairs.

    python tests/ddp_worker.py OUT DEVICES BATCH_SIZE

With DEVICES > 1, Lightning's DDP launcher (as behind ``siamkit train --devices N --strategy ddp``)
re-runs this script once per extra rank. Every rank records the pair indices its training sampler
yielded (``OUT/seen_rank{r}.json``); rank 0 saves the trained weights and history (``OUT/result.pt``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

from siamkit.data import PairBatchSampler, PairDataset, digits
from siamkit.data.sharding import rank_and_world_size
from siamkit.losses.pair import ContrastiveLoss
from siamkit.nn.encoders import LeNet
from siamkit.nn.heads import DistanceHead
from siamkit.nn.models import SiameseNet
from siamkit.training.config import TrainConfig
from siamkit.training.trainer import fit

NUM_PAIRS = 768
EPOCHS = 2


def tiny_run(devices: int, batch_size: int, seen: list[list[int]] | None = None):
    """Fit on a fixed digits subset; ``seen`` collects the training batches (pair indices) of this process."""
    if seen is not None:
        original = PairBatchSampler.__iter__

        def recording(self):
            for batch in original(self):
                if self.shard:
                    seen.append(batch.tolist())
                yield batch

        PairBatchSampler.__iter__ = recording
    data = digits()
    train = PairDataset(data.subset(torch.arange(0, 1200)), NUM_PAIRS, seed=0)
    val = PairDataset(data.subset(torch.arange(1200, 1797)), 400, seed=1)
    torch.manual_seed(0)
    model = SiameseNet(LeNet(in_channels=1, embedding_dim=8), DistanceHead())
    config = TrainConfig(
        epochs=EPOCHS, batch_size=batch_size, lr=0.05, optimizer="sgd", progress=False, devices=devices,
        strategy="ddp" if devices > 1 else "auto",
    )
    return fit(model, ContrastiveLoss(), train, val, config)


def main() -> None:
    out, devices, batch_size = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(1)
    seen: list[list[int]] = []
    result = tiny_run(devices, batch_size, seen)
    rank, world_size = rank_and_world_size()
    (out / f"seen_rank{rank}.json").write_text(json.dumps({"world_size": world_size, "batches": seen}))
    if rank == 0:
        torch.save({"state_dict": result.model.state_dict(), "history": result.history}, out / "result.pt")


if __name__ == "__main__":
    main()
