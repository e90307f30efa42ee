import pytest
import torch

import siamkit
from siamkit.core.errors import CheckpointError, ConfigError
from siamkit.deploy.checkpoint import load_checkpoint, save_checkpoint
from siamkit.nn.encoders import MLP, LeNet
from siamkit.nn.heads import ClassifierHead, DistanceHead
from siamkit.nn.models import SiameseNet


@pytest.mark.parametrize(
    "net",
    [
        SiameseNet(LeNet(1, 8), DistanceHead("cosine")),
        SiameseNet(MLP(64, 8, hidden=(16,)), ClassifierHead(8, ("abs", "sq"), hidden=(4,))),
    ],
)
def test_round_trip_gives_identical_outputs(net, tmp_path):
    x1, x2 = torch.rand(6, 1, 8, 8), torch.rand(6, 1, 8, 8)
    net.eval()
    path = tmp_path / "m.ckpt"
    save_checkpoint(path, net, {"threshold": 0.5, "score_kind": net.score_kind})
    loaded = load_checkpoint(path)
    assert torch.equal(loaded.model(x1, x2), net(x1, x2))
    assert loaded.threshold == 0.5 and loaded.score_kind == net.score_kind
    assert type(siamkit.load(path)) is SiameseNet


def test_lightning_checkpoint_from_training_loads(trained_run):
    out, _ = trained_run
    from_lightning = load_checkpoint(out / "checkpoints" / "last.ckpt").model
    final = siamkit.load(out / "model.ckpt")
    x = torch.rand(3, 1, 8, 8)
    assert torch.equal(from_lightning.embed(x), final.embed(x))


def test_unregistered_module_cannot_be_saved(tmp_path):
    net = SiameseNet(LeNet(1, 4), DistanceHead())
    net.encoder = torch.nn.Linear(64, 4)
    with pytest.raises(ConfigError, match="not a registered"):
        save_checkpoint(tmp_path / "x.ckpt", net)
    assert not list(tmp_path.iterdir())


def test_missing_corrupt_and_foreign_files_are_named(tmp_path):
    with pytest.raises(CheckpointError, match="not found"):
        load_checkpoint(tmp_path / "none.ckpt")
    (tmp_path / "junk.ckpt").write_bytes(b"\x00garbage")
    with pytest.raises(CheckpointError, match="cannot read"):
        load_checkpoint(tmp_path / "junk.ckpt")
    torch.save({"weights": torch.zeros(2)}, tmp_path / "foreign.ckpt")
    with pytest.raises(CheckpointError, match="not a siamkit checkpoint"):
        load_checkpoint(tmp_path / "foreign.ckpt")
