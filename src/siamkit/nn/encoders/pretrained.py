"""Torchvision-format weights for siamkit encoders: the ImageNet input convention, strict loading, backbones.

An encoder laid out like its torchvision model (:class:`TorchvisionLayout`: ``resnet18``, ``resnet34``,
``resnet50``, ``mobilenet_v2``) has ``state_dict`` keys equal to torchvision's, so a torchvision ``.pth``
file loads into it with :func:`load_weights`. Its last layer (``head_name``: ``fc`` or ``classifier``) maps
the pooled features to the embedding; every other child is the *backbone* (:func:`backbone_modules`),
which training can freeze or give a smaller learning rate (``TrainConfig.freeze_backbone``,
``TrainConfig.backbone_lr_mult``).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from siamkit.core.errors import CheckpointError, ConfigError
from siamkit.core.fileio import load_torch_file

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
SHOWN_KEYS = 5


class ImageNetInput(nn.Module):
    """siamkit images in [0, 1] → ImageNet-normalized RGB: ``[B, 1 or 3, H, W]`` → ``[B, 3, H, W]``.

    A grayscale channel is repeated to three; each channel is then ``(x - mean) / std`` with
    ImageNet's statistics. The statistics are non-persistent buffers: they follow ``.to(device)`` but
    stay out of ``state_dict``, so keys still match torchvision's.
    """

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        if in_channels not in (1, 3):
            raise ConfigError(
                f"ImageNet weights take RGB (or grayscale, repeated) images, got {in_channels} channels; "
                "convert the images to 1 or 3 channels"
            )
        self.in_channels = in_channels
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        return (x - self.mean) / self.std


class TorchvisionLayout:
    """Mixin of encoders whose ``state_dict`` keys are torchvision's; ``head_name`` names the last layer."""

    head_name: str = ""

    @classmethod
    def for_weights(cls, input_shape: tuple[int, ...], embedding_dim: int, **kwargs) -> nn.Module:
        """The encoder for ``input_shape`` built to take torchvision weights (ImageNet-normalized RGB input)."""
        return cls.for_input(input_shape, embedding_dim, **kwargs)


def _listed(keys: list[str]) -> str:
    more = f" (+{len(keys) - SHOWN_KEYS} more)" if len(keys) > SHOWN_KEYS else ""
    return ", ".join(keys[:SHOWN_KEYS]) + more


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """The ``{name: tensor}`` state dict saved at ``path`` (``torch.load(weights_only=True)``: no code runs)."""
    state = load_torch_file(path, "weights file", "is it a torch .pth file?")
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{path} is not a state dict (parameter name → tensor) as torchvision saves them")
    return state


def load_weights(encoder: nn.Module, weights: str | Path | dict[str, torch.Tensor]) -> bool:
    """Load torchvision-format ``weights`` (a file or a state dict) into ``encoder``, strictly.

    Every backbone key must be present with the same shape and the file may hold no other key; the
    head (``fc.*`` / ``classifier.*``) is loaded when its shapes match the encoder's (``embedding_dim``
    1000: the ImageNet classifier) and otherwise keeps its fresh initialization. Returns whether the
    head was loaded. A mismatch raises :class:`CheckpointError` listing the first offending keys.
    """
    if not isinstance(encoder, TorchvisionLayout):
        raise ConfigError(
            f"{type(encoder).__name__} is not laid out like a torchvision model, so torchvision weights cannot "
            "load into it; use the resnet18, resnet34, resnet50 or mobilenet_v2 encoder"
        )
    source = weights if isinstance(weights, dict) else read_state_dict(weights)
    own = encoder.state_dict()
    head = f"{encoder.head_name}."
    head_fits = all(k in source and source[k].shape == v.shape for k, v in own.items() if k.startswith(head))
    wanted = {k: v for k, v in own.items() if head_fits or not k.startswith(head)}
    given = {k: v for k, v in source.items() if head_fits or not k.startswith(head)}
    missing = [k for k in wanted if k not in given]
    unexpected = [k for k in given if k not in wanted]
    mismatched = [
        f"{k} (file {list(given[k].shape)}, model {list(v.shape)})"
        for k, v in wanted.items() if k in given and given[k].shape != v.shape
    ]
    if missing or unexpected or mismatched:
        problems = [f"{what}: {_listed(keys)}" for what, keys in
                    (("missing", missing), ("unexpected", unexpected), ("shape mismatch", mismatched)) if keys]
        raise CheckpointError(
            f"the weights do not fit {getattr(encoder, 'registry_name', '') or type(encoder).__name__}: "
            f"{'; '.join(problems)}. Use the torchvision file of this exact architecture (and width 64, "
            "3 input channels: siamkit builds that when given weights)"
        )
    fresh_head = {k: v for k, v in own.items() if k not in wanted}
    encoder.load_state_dict({**given, **fresh_head}, strict=True)
    return head_fits


def backbone_modules(model: nn.Module) -> list[nn.Module]:
    """The backbone parts of every :class:`TorchvisionLayout` encoder inside ``model``: all its children
    except the head. Empty when ``model`` has no such encoder."""
    return [
        child
        for module in model.modules() if isinstance(module, TorchvisionLayout)
        for name, child in module.named_children() if name != module.head_name
    ]


def pooled_features(encoder: nn.Module) -> nn.Module:
    """A frozen copy of a :class:`TorchvisionLayout` ``encoder`` without its last layer: images ``[B, C, H, W]`` →
    the backbone's pooled features ``[B, F]`` (1280 for MobileNetV2, 512 / 2048 for ResNet-18, -34 / -50), as the
    pretrained weights compute them. ``encoder`` itself is left as it is."""
    if not isinstance(encoder, TorchvisionLayout):
        raise ConfigError(f"{type(encoder).__name__} has no torchvision layout, so no pretrained backbone to pool")
    import copy

    features = copy.deepcopy(encoder)
    setattr(features, encoder.head_name, nn.Identity())
    return features.eval().requires_grad_(False)


def backbone_parameters(model: nn.Module) -> list[nn.Parameter]:
    """Parameters of :func:`backbone_modules` (each once)."""
    seen: dict[int, nn.Parameter] = {}
    for module in backbone_modules(model):
        seen.update((id(p), p) for p in module.parameters())
    return list(seen.values())
