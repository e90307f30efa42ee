"""DDP: batch sharding across ranks, and a real 2-process CPU run (gloo) against a single-process run.

Two ranks with B pairs each per step take an equal-seeded batch order's even and odd batches and
average their gradients, so they make exactly the updates one process makes with 2B pairs per step.
Tolerance: weights and per-epoch losses agree within 1e-4 (float summation order only). The run uses
SGD: Adam divides by the gradient's running scale, which turns rounding noise in near-zero gradients
into full-size steps, so two correct runs drift apart by ~1e-3 after a few steps.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from ddp_worker import EPOCHS, NUM_PAIRS, tiny_run

from siamkit.data import PairDataset, PKBatchSampler, digits, pair_loader
from siamkit.data import pairs as pairs_module
from siamkit.data import triplets as triplets_module
from siamkit.data.sharding import shard_batch_ids

ROOT = Path(__file__).resolve().parents[1]
TOLERANCE = 1e-4


@pytest.mark.parametrize("num_batches", [1, 5, 6, 7])
@pytest.mark.parametrize("world_size", [1, 2, 3])
def test_shards_cover_every_batch_with_equal_step_counts(num_batches, world_size):
    shards = [shard_batch_ids(num_batches, rank, world_size) for rank in range(world_size)]
    assert len({len(s) for s in shards}) == 1  # every rank runs the same number of steps
    assert set().union(*shards) == set(range(num_batches))
    if num_batches % world_size == 0:
        assert sum(len(s) for s in shards) == num_batches  # disjoint: nothing repeated


def _fake_rank(monkeypatch, module, rank: int, world_size: int) -> None:
    monkeypatch.setattr(module, "rank_and_world_size", lambda: (rank, world_size))


def test_pair_loader_shards_only_when_asked(monkeypatch):
    pairs = PairDataset(digits(), 100, seed=0)
    full = [b[2] for b in pair_loader(pairs, 10, shuffle=True, seed=3)]
    _fake_rank(monkeypatch, pairs_module, 1, 2)
    assert len(pair_loader(pairs, 10, shuffle=True, seed=3)) == len(full)  # evaluation loaders stay whole
    shard = list(pair_loader(pairs, 10, shuffle=True, seed=3, shard=True))
    assert len(shard) == 5
    for got, want in zip(shard, full[1::2]):
        assert torch.equal(got[2], want)


def test_pk_sampler_shards(monkeypatch):
    labels = digits().y
    full = list(PKBatchSampler(labels, 4, 4, num_batches=5, seed=0))
    shards = []
    for rank in (0, 1):
        _fake_rank(monkeypatch, triplets_module, rank, 2)
        shards.append(list(PKBatchSampler(labels, 4, 4, num_batches=5, seed=0, shard=True)))
    assert [len(s) for s in shards] == [3, 3]
    for got, want in zip(shards[0] + shards[1], [full[0], full[2], full[4], full[1], full[3], full[0]]):
        assert torch.equal(got, want)


def test_two_cpu_processes_match_one_process(tmp_path):
    batch_size = 64  # per rank; NUM_PAIRS is a multiple of 2 × 64, so no batch is repeated
    paths = os.pathsep.join([str(ROOT / "src"), str(ROOT / "tests")])
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": paths}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "ddp_worker.py"), str(tmp_path), "2", str(batch_size)],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]

    seen = [json.loads((tmp_path / f"seen_rank{rank}.json").read_text()) for rank in (0, 1)]
    assert [s["world_size"] for s in seen] == [2, 2]
    steps = NUM_PAIRS // (2 * batch_size)
    for epoch in range(EPOCHS):
        rank0, rank1 = ({i for b in s["batches"][epoch * steps : (epoch + 1) * steps] for i in b} for s in seen)
        assert rank0.isdisjoint(rank1)
        assert rank0 | rank1 == set(range(NUM_PAIRS))

    ddp = torch.load(tmp_path / "result.pt")
    single = tiny_run(devices=1, batch_size=2 * batch_size)
    assert len(ddp["history"]) == len(single.history) == EPOCHS
    for got, want in zip(ddp["history"], single.history):
        for key in ("train_loss", "val_loss"):
            assert got[key] == pytest.approx(want[key], rel=TOLERANCE, abs=TOLERANCE)
    for name, value in single.model.state_dict().items():
        assert torch.allclose(ddp["state_dict"][name], value, atol=TOLERANCE), name
