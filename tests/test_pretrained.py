"""Torchvision-format encoders: key names and sizes, strict loading, weights in checkpoints, frozen backbones."""

from pathlib import Path

import pytest
import torch
from torch import nn

from siamkit.core.errors import CheckpointError, ConfigError
from siamkit.data import PairDataset, digits
from siamkit.deploy.checkpoint import load_checkpoint, save_checkpoint
from siamkit.experiments.build import build_model
from siamkit.experiments.config import ExperimentConfig
from siamkit.losses.pair import ContrastiveLoss
from siamkit.nn.encoders import LeNet, MobileNetV2, ResNet18, ResNet34, ResNet50, load_weights
from siamkit.nn.encoders.pretrained import ImageNetInput, backbone_parameters
from siamkit.training.config import TrainConfig
from siamkit.training.module import PairModule
from siamkit.training.trainer import fit

MOBILENET_KEYS = Path(__file__).parent / "data" / "torchvision_mobilenet_v2_keys.txt"


def n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def torchvision_resnet_keys(blocks: tuple[int, ...], convs: int) -> list[str]:
    """torchvision's ResNet state_dict keys in order (``convs`` = 2 for basic blocks, 3 for bottlenecks)."""
    def bn(prefix):
        return [f"{prefix}.{s}" for s in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")]

    keys = ["conv1.weight", *bn("bn1")]
    for i, count in enumerate(blocks, 1):
        for j in range(count):
            for c in range(1, convs + 1):
                keys += [f"layer{i}.{j}.conv{c}.weight", *bn(f"layer{i}.{j}.bn{c}")]
            if j == 0 and (i > 1 or convs == 3):
                keys += [f"layer{i}.0.downsample.0.weight", *bn(f"layer{i}.0.downsample.1")]
    return keys + ["fc.weight", "fc.bias"]


def test_mobilenet_v2_state_dict_is_torchvisions_file_layout():
    lines = [line.split() for line in MOBILENET_KEYS.read_text().splitlines() if not line.startswith("#")]
    expected = [(key, [int(n) for n in shape]) for key, *shape in lines]
    net = MobileNetV2(in_channels=3, embedding_dim=1000)
    assert [(k, list(v.shape)) for k, v in net.state_dict().items()] == expected
    assert n_params(net) == 3_504_872


@pytest.mark.parametrize(
    "cls, blocks, convs, count", [(ResNet18, (2, 2, 2, 2), 2, 11_689_512), (ResNet34, (3, 4, 6, 3), 2, 21_797_672),
                                  (ResNet50, (3, 4, 6, 3), 3, 25_557_032)],
)
def test_resnet_keys_and_sizes_are_torchvisions(cls, blocks, convs, count):
    net = cls(in_channels=3, embedding_dim=1000)
    assert list(net.state_dict()) == torchvision_resnet_keys(blocks, convs)
    assert n_params(net) == count


def test_resnet50_shapes_and_stride_on_the_3x3_convolution():
    state = ResNet50(3, 1000).state_dict()
    assert len(state) == 320
    assert state["layer1.0.downsample.0.weight"].shape == (256, 64, 1, 1)
    assert state["layer4.2.conv3.weight"].shape == (2048, 512, 1, 1) and state["fc.weight"].shape == (1000, 2048)
    block = ResNet50(3, 1000).layer2[0]
    assert (block.conv1.stride, block.conv2.stride) == ((1, 1), (2, 2))


def test_strict_load_lists_missing_unexpected_and_mismatched_keys():
    with pytest.raises(CheckpointError, match=r"missing: layer1\.2\.conv1\.weight"):
        load_weights(ResNet34(3, 1000), ResNet18(3, 1000).state_dict())
    with pytest.raises(CheckpointError, match=r"unexpected: layer1\.2\.conv1\.weight"):
        load_weights(ResNet18(3, 1000), ResNet34(3, 1000).state_dict())
    state = MobileNetV2(3, 1000).state_dict()
    state["features.0.0.weight"] = torch.zeros(32, 1, 3, 3)
    with pytest.raises(CheckpointError, match=r"shape mismatch: features\.0\.0\.weight \(file \[32, 1, 3, 3\], model "):
        load_weights(MobileNetV2(3, 1000), state)
    with pytest.raises(ConfigError, match="not laid out like a torchvision model"):
        load_weights(LeNet(1, 8), state)


def test_unusable_weight_files_are_named(tmp_path):
    with pytest.raises(CheckpointError, match="weights file not found"):
        load_weights(ResNet18(3, 1000), tmp_path / "none.pth")
    (tmp_path / "junk.pth").write_bytes(b"\x00junk")
    with pytest.raises(CheckpointError, match="cannot read weights file .*torch .pth file"):
        load_weights(ResNet18(3, 1000), tmp_path / "junk.pth")
    torch.save({"model": ResNet18(3, 1000).state_dict()}, tmp_path / "wrapped.pth")
    with pytest.raises(CheckpointError, match="is not a state dict"):
        load_weights(ResNet18(3, 1000), tmp_path / "wrapped.pth")


def test_the_head_loads_only_when_its_shape_fits(tmp_path):
    torch.manual_seed(0)
    source = MobileNetV2(3, 1000)
    torch.save(source.state_dict(), tmp_path / "w.pth")
    small = MobileNetV2(1, 16)
    assert load_weights(small, tmp_path / "w.pth") is False
    assert torch.equal(small.features[5].conv[1][0].weight, source.features[5].conv[1][0].weight)
    assert small.classifier[1].weight.shape == (16, 1280)
    full = MobileNetV2(3, 1000)
    assert load_weights(full, tmp_path / "w.pth") is True
    assert torch.equal(full.classifier[1].weight, source.classifier[1].weight)


def test_imagenet_input_normalizes_and_repeats_gray():
    norm = ImageNetInput(1)
    gray = torch.rand(2, 1, 5, 5)
    torch.testing.assert_close(norm(gray), ImageNetInput(3)(gray.repeat(1, 3, 1, 1)))
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1).expand(1, 3, 2, 2)
    torch.testing.assert_close(ImageNetInput(3)(mean), torch.zeros(1, 3, 2, 2))
    assert not ImageNetInput(3).state_dict()
    with pytest.raises(ConfigError, match="1 or 3 channels"):
        ImageNetInput(2)


@pytest.fixture
def weights_file(tmp_path) -> Path:
    """A torchvision-format MobileNetV2 file: random weights, BatchNorm statistics measured on digits."""
    torch.manual_seed(1)
    net = MobileNetV2(3, 1000)
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = None  # cumulative average over the calibration batches
    with torch.no_grad():
        for batch in digits().x[:256].split(64):
            net(batch)
    path = tmp_path / "mobilenet_v2-b0353104.pth"
    torch.save(net.state_dict(), path)
    return path


def test_checkpoint_keeps_the_pretrained_weights_without_the_file(weights_file, tmp_path):
    config = ExperimentConfig(encoder="mobilenet_v2", embedding_dim=16, weights=str(weights_file))
    net = build_model(config, (1, 16, 16))
    loaded_state = torch.load(weights_file, weights_only=True)
    assert torch.equal(net.encoder.features[0][0].weight, loaded_state["features.0.0.weight"])
    save_checkpoint(tmp_path / "m.ckpt", net.eval())
    weights_file.unlink()
    loaded = load_checkpoint(tmp_path / "m.ckpt").model
    x1, x2 = torch.rand(3, 1, 16, 16), torch.rand(3, 1, 16, 16)
    assert torch.equal(loaded(x1, x2), net(x1, x2))
    assert torch.equal(loaded.encoder.features[0][0].weight, loaded_state["features.0.0.weight"])


def test_pretrained_imagenet_reads_the_cache_and_names_the_fix(weights_file, monkeypatch):
    monkeypatch.setenv("SIAMKIT_HOME", str(weights_file.parent))
    config = ExperimentConfig(encoder="mobilenet_v2", embedding_dim=8, pretrained="imagenet")
    with pytest.raises(CheckpointError, match="run `make weights`"):
        build_model(config, (3, 16, 16))
    (weights_file.parent / "weights").mkdir()
    weights_file.rename(weights_file.parent / "weights" / weights_file.name)
    assert build_model(config, (3, 16, 16)).encoder.spec_args == {"in_channels": 3, "embedding_dim": 8, "dropout": 0.2}
    with pytest.raises(ConfigError, match="no bundled pretrained weights for 'resnet18'"):
        build_model(ExperimentConfig(encoder="resnet18", pretrained="imagenet"), (3, 16, 16))
    with pytest.raises(ConfigError, match="no torchvision counterpart"):
        build_model(ExperimentConfig(encoder="lenet", weights=str(weights_file)), (1, 8, 8))


def test_resnet_weights_build_an_imagenet_input_stem(tmp_path):
    torch.save(ResNet18(3, 1000).state_dict(), tmp_path / "r.pth")
    config = ExperimentConfig(encoder="resnet18", embedding_dim=8, weights=str(tmp_path / "r.pth"))
    net = build_model(config, (1, 8, 8))
    assert net.encoder.spec_args["imagenet_input"] is True and net.encoder.conv1.in_channels == 3
    assert net.embed(torch.rand(2, 1, 8, 8)).shape == (2, 8)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(pretrained="imagenet", weights="w.pth"), "give one of them"),
        (dict(pretrained="coco"), "unknown pretrained"),
        (dict(train=TrainConfig(freeze_backbone=True)), "randomly initialized"),
    ],
)
def test_config_refuses_contradictory_weight_options(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        ExperimentConfig(encoder="mobilenet_v2", **kwargs)


def _fit_mobilenet(weights_file, **train_kwargs):
    data = digits()
    config = ExperimentConfig(encoder="mobilenet_v2", embedding_dim=8, weights=str(weights_file))
    net = build_model(config, data.input_shape)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    train = TrainConfig(epochs=1, batch_size=32, progress=False, lr=1e-2, **train_kwargs)
    fit(net, ContrastiveLoss(), PairDataset(data, 96, seed=0), PairDataset(data, 32, seed=1), train)
    after = net.state_dict()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    return net, changed


def test_frozen_backbone_keeps_weights_and_batchnorm_statistics_while_the_head_learns(weights_file):
    net, changed = _fit_mobilenet(weights_file, freeze_backbone=True)
    assert changed == {"encoder.classifier.1.weight", "encoder.classifier.1.bias"}
    assert not any(p.requires_grad for p in backbone_parameters(net))
    _, unfrozen = _fit_mobilenet(weights_file)
    assert "encoder.features.0.1.running_mean" in unfrozen and "encoder.features.3.conv.1.0.weight" in unfrozen


def test_backbone_learning_rate_multiplier_makes_a_second_param_group(weights_file):
    net = build_model(ExperimentConfig(encoder="mobilenet_v2", embedding_dim=8, weights=str(weights_file)), (1, 8, 8))
    groups = PairModule(net, ContrastiveLoss(), TrainConfig(lr=1e-3, backbone_lr_mult=0.1))._param_groups()
    assert [g["lr"] for g in groups] == [1e-3, pytest.approx(1e-4)]
    assert [sum(p.numel() for p in g["params"]) for g in groups] == [1280 * 8 + 8, 3_504_872 - 1_281_000]
    with pytest.raises(ConfigError, match="LeNet"):
        PairModule(LeNet(1, 8), ContrastiveLoss(), TrainConfig(backbone_lr_mult=0.1))
    with pytest.raises(ConfigError, match="must be > 0"):
        TrainConfig(backbone_lr_mult=0)


def test_a_pretrained_run_stands_beside_its_weights_with_no_fine_tuning(weights_file, tmp_path):
    from conftest import tiny_experiment

    from siamkit.evaluation.baselines import baseline_models
    from siamkit.experiments.evaluate import report_checkpoint
    from siamkit.experiments.image import run_training
    from siamkit.nn.encoders.pretrained import pooled_features

    source = build_model(ExperimentConfig(encoder="mobilenet_v2", embedding_dim=8, weights=str(weights_file)), (1, 8, 8))
    features = pooled_features(source.encoder)
    x = digits().x[:4]
    assert features(x).shape == (4, 1280) and isinstance(source.encoder.classifier, nn.Sequential)  # a copy
    torch.testing.assert_close(features(x), source.encoder.eval().pooled(x))
    assert "pretrained_zero_shot" in baseline_models(digits(), pretrained=features)
    assert "pretrained_zero_shot" not in baseline_models(digits())

    metrics = run_training(tiny_experiment(encoder="mobilenet_v2", weights=str(weights_file)), tmp_path)
    stored = metrics["baselines"]["pretrained_zero_shot"]
    assert {"roc_auc", "unseen_classes"} <= set(stored)
    again = report_checkpoint(load_checkpoint(tmp_path / "model.ckpt"), "digits")  # eval rebuilds it from the file
    assert again["baselines"]["pretrained_zero_shot"]["roc_auc"] == pytest.approx(stored["roc_auc"])
    weights_file.unlink()
    with pytest.warns(UserWarning, match="pretrained_zero_shot baseline is left out"):
        without = report_checkpoint(load_checkpoint(tmp_path / "model.ckpt"), "digits")
    assert "pretrained_zero_shot" not in without["baselines"] and "raw_l2" in without["baselines"]
