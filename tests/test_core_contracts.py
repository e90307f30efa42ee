"""The contracts the rest of siamkit leans on: score orientation, pair labels, the registry, config
validation, the same/different decision, and checkpoints that rebuild edited models."""

from __future__ import annotations

import pytest
import torch

from siamkit.core.conventions import check_pair_labels, to_similarity
from siamkit.core.errors import ConfigError, LabelError
from siamkit.core.registry import Buildable, Registry, spec_of
from siamkit.training.config import TrainConfig


def test_to_similarity_turns_distances_around_and_refuses_unknown_kinds():
    scores = torch.tensor([0.1, 2.0])
    assert to_similarity(scores, "distance").tolist() == pytest.approx([-0.1, -2.0])
    assert to_similarity(scores, "similarity") is scores
    with pytest.raises(ConfigError, match="score_kind must be one of"):
        to_similarity(scores, "probability")


def test_pair_labels_must_be_zero_or_one_with_a_hint_for_the_usual_mistakes():
    check_pair_labels(torch.tensor([0, 1, 1]))
    with pytest.raises(LabelError, match=r"±1: map them with y01 = \(y \+ 1\) / 2"):
        check_pair_labels(torch.tensor([-1, 1]))
    with pytest.raises(LabelError, match="class ids must be turned into pair labels"):
        check_pair_labels(torch.tensor([0, 3, 7]))


def test_registry_builds_by_name_lists_names_on_a_typo_and_refuses_unregistered_parts():
    parts = Registry("widget")

    @parts.register("scale")
    class Scale(Buildable, torch.nn.Module):
        def __init__(self, factor: float) -> None:
            super().__init__()
            self.spec_args = {"factor": factor}

    built = parts.build({"name": "scale", "args": {"factor": 2.0}})
    assert isinstance(built, Scale) and spec_of(built) == {"name": "scale", "args": {"factor": 2.0}}
    with pytest.raises(ConfigError, match="unknown widget 'scal'; choose one of: scale"):
        parts.get("scal")
    with pytest.raises(ValueError, match="registered twice"):
        parts.register("scale")(Scale)
    with pytest.raises(ConfigError, match="not a registered siamkit part"):
        spec_of(torch.nn.Linear(2, 2))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"optimizer": "adamw2"}, "unknown optimizer 'adamw2'"),
        ({"epochs": 0}, "epochs and batch_size must be ≥ 1"),
        ({"lr": 0.0}, "lr must be > 0"),
        ({"patience": 0}, "patience must be ≥ 1 epoch"),
        ({"backbone_lr_mult": 0.0}, "use freeze_backbone to stop the backbone"),
    ],
)
def test_train_config_names_the_bad_setting(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig(**kwargs)


def test_experiment_config_refuses_contradictions():
    from siamkit.experiments.config import ExperimentConfig

    with pytest.raises(ConfigError, match="give one of them"):
        ExperimentConfig(pretrained="imagenet", weights="w.pth")
    with pytest.raises(ConfigError, match="unknown head"):
        ExperimentConfig(head="xnor")


def _checkpoint(score_kind: str, threshold: float):
    from types import SimpleNamespace

    return SimpleNamespace(score_kind=score_kind, threshold=threshold)


def test_decide_reads_the_threshold_in_the_models_own_direction():
    from siamkit.deploy.verify import decide

    assert decide(_checkpoint("distance", 0.5), 0.4)["same"] is True
    assert decide(_checkpoint("distance", 0.5), 0.6)["same"] is False
    assert decide(_checkpoint("similarity", 0.5), 0.6)["same"] is True
    assert decide(_checkpoint("similarity", 0.5), 0.5)["rule"] == "similarity >= threshold"


def test_a_pseudo_siamese_net_with_a_replaced_head_saves_a_checkpoint_that_loads(tmp_path):
    from siamkit.deploy.checkpoint import load_checkpoint, save_checkpoint
    from siamkit.nn.encoders import MLP, LeNet
    from siamkit.nn.heads import ClassifierHead, DistanceHead
    from siamkit.nn.models import PseudoSiameseNet

    torch.manual_seed(0)
    net = PseudoSiameseNet(LeNet(1, 8), MLP(10, 8), DistanceHead(), projection_dim=4)
    net.head = ClassifierHead(4, ("abs", "prod"))
    save_checkpoint(tmp_path / "m.ckpt", net)
    loaded = load_checkpoint(tmp_path / "m.ckpt").model
    x1, x2 = torch.rand(3, 1, 8, 8), torch.rand(3, 10)
    assert isinstance(loaded.head, ClassifierHead) and loaded.score_kind == "similarity"
    assert torch.allclose(loaded.eval()(x1, x2), net.eval()(x1, x2))


def test_class_disjoint_validation_never_shares_a_class_with_training_test_or_unseen():
    from siamkit.core.errors import DataError
    from siamkit.data import digits
    from siamkit.experiments.splits import split_data

    data = digits()
    splits = split_data(data, ["7", "8", "9"], (0.7, 0.15, 0.15), 0, val_classes=["5", "6"])
    names = {part: {data.class_names[c] for c in getattr(splits, part).classes()} for part in ("train", "val", "test", "unseen")}
    assert names["val"] == {"5", "6"} and names["unseen"] == {"7", "8", "9"}
    assert names["train"] == names["test"] == {"0", "1", "2", "3", "4"}
    assert len(splits.val) == int(((data.y == 5) | (data.y == 6)).sum())
    assert len(splits.train) + len(splits.test) + len(splits.val) + len(splits.unseen) == len(data)
    with pytest.raises(DataError, match="either for validation or for the final test"):
        split_data(data, ["7", "8", "9"], (0.7, 0.15, 0.15), 0, val_classes=["8", "6"])
