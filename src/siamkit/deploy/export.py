"""Export a model's encoder (and its pair head) to ONNX with a dynamic batch axis, and check parity.

Files written for ``export_onnx(model, (C, H, W), "model.onnx")``:

- ``model.onnx``: the encoder, input ``input`` ``[B, C, H, W]`` → output ``embedding`` ``[B, D]``;
- ``model.head.onnx`` (when the model has a ``head``): inputs ``a``, ``b`` ``[B, D]`` → ``score`` ``[B]``
  in the model's ``score_kind``.

Only the batch axis is dynamic; the spatial size is the one the model was trained for. Adaptive
average pools are rewritten, for that fixed input size, as the equivalent pair of averaging matrix
products (the TorchScript ONNX exporter cannot express an adaptive pool whose output size does not
divide its input size, e.g. LeNet's 2×2 → 4×4 on 8×8 digits). The parity check runs onnxruntime and
PyTorch on the same seeded random inputs at two batch sizes and reports the max absolute difference.

Transformer text models (:func:`export_text_onnx`) export their whole network, token ids in and normalized
embeddings out, with dynamic batch and token axes, and their tokenizer beside.
"""

from __future__ import annotations

import copy
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from siamkit.core.errors import ConfigError, DataError
from siamkit.core.fileio import atomic_path

DEFAULT_TOLERANCE = 1e-4
PARITY_TEXTS = ("a", "the same thing, said twice", "a much longer sentence, to check that padding and length change nothing")


@dataclass
class ExportResult:
    """Paths written (``"encoder"``, ``"head"``) and, if checked, the max abs difference per part."""

    files: dict[str, Path]
    max_abs_diff: dict[str, float] = field(default_factory=dict)


def _pool_matrix(size_in: int, size_out: int) -> torch.Tensor:
    """``[size_out, size_in]`` averaging weights of adaptive average pooling along one axis."""
    matrix = torch.zeros(size_out, size_in)
    for i in range(size_out):
        start, end = (i * size_in) // size_out, math.ceil((i + 1) * size_in / size_out)
        matrix[i, start:end] = 1.0 / (end - start)
    return matrix


class FixedSizeAdaptiveAvgPool2d(nn.Module):
    """``AdaptiveAvgPool2d`` for one known input size, as ``P_h · X · P_wᵀ``: ``[B, C, H, W]`` → ``[B, C, h, w]``."""

    def __init__(self, input_hw: tuple[int, int], output_hw: tuple[int, int]) -> None:
        super().__init__()
        self.register_buffer("rows", _pool_matrix(input_hw[0], output_hw[0]))
        self.register_buffer("cols_t", _pool_matrix(input_hw[1], output_hw[1]).t().contiguous())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.matmul(torch.matmul(self.rows, x), self.cols_t)


def exportable(module: nn.Module, example: torch.Tensor) -> nn.Module:
    """A copy of ``module`` (eval mode) with every ``AdaptiveAvgPool2d`` replaced for the sizes it sees on ``example``."""
    module = copy.deepcopy(module).eval()
    seen: dict[str, tuple[int, int]] = {}

    def record(name: str) -> Any:
        def hook(pool: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
            seen[name] = tuple(inputs[0].shape[-2:])

        return hook

    hooks = [
        sub.register_forward_hook(record(name))
        for name, sub in module.named_modules()
        if isinstance(sub, nn.AdaptiveAvgPool2d)
    ]
    try:
        with torch.no_grad():
            module(example)
    finally:
        for hook in hooks:
            hook.remove()
    for name, input_hw in seen.items():
        pool = module.get_submodule(name)
        out = pool.output_size if isinstance(pool.output_size, tuple) else (pool.output_size, pool.output_size)
        out = tuple(input_hw[i] if s is None else s for i, s in enumerate(out))
        parent_name, _, child = name.rpartition(".")
        setattr(module.get_submodule(parent_name), child, FixedSizeAdaptiveAvgPool2d(input_hw, out))
    return module


def _export(
    module: nn.Module, args: tuple[torch.Tensor, ...], names: list[str], output: str, path: Path, opset: int,
    input_axes: dict[int, str] | None = None,
) -> None:
    dynamic = {name: dict(input_axes or {0: "batch"}) for name in names} | {output: {0: "batch"}}
    with atomic_path(path) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        torch.onnx.export(
            module, args, str(tmp), dynamo=False, input_names=names, output_names=[output],
            dynamic_axes=dynamic, opset_version=opset,
        )


def _max_diff(path: Path, module: nn.Module, inputs: list[tuple[torch.Tensor, ...]], names: list[str]) -> float:
    session = onnx_session(path)
    worst = 0.0
    for args in inputs:
        with torch.no_grad():
            expected = module(*args).numpy()
        got = session.run(None, {name: a.numpy() for name, a in zip(names, args)})[0]
        if got.shape != expected.shape:
            raise DataError(f"ONNX output shape {got.shape} differs from PyTorch's {expected.shape} for {path}")
        worst = max(worst, float(abs(got - expected).max()))
    return worst


def head_path(onnx_path: str | Path) -> Path:
    """Where the head of an encoder exported to ``onnx_path`` goes: ``model.onnx`` → ``model.head.onnx``."""
    onnx_path = Path(onnx_path)
    return onnx_path.with_name(f"{onnx_path.stem}.head{onnx_path.suffix or '.onnx'}")


def export_onnx(
    model: nn.Module,
    input_shape: tuple[int, ...],
    path: str | Path,
    opset: int = 17,
    check: bool = True,
    tolerance: float = DEFAULT_TOLERANCE,
    seed: int = 0,
) -> ExportResult:
    """Export ``model.encoder`` (and ``model.head`` if any) to ONNX; optionally check parity.

    Args:
        model: a pair model with an ``encoder`` (any registered encoder) and optionally a ``head``;
            a bare encoder module is exported as is.
        input_shape: shape of one input, ``(C, H, W)`` for images.
        path: the encoder's ONNX file; the head goes to :func:`head_path`.
        check: run onnxruntime vs PyTorch on seeded random inputs (batch 1 and 3) and raise a
            :class:`DataError` if the max abs difference exceeds ``tolerance``.

    Returns:
        :class:`ExportResult` with the files written and the measured differences.
    """
    original = _encoder_copy(model)
    generator = torch.Generator().manual_seed(seed)
    example = torch.rand(2, *input_shape, generator=generator)
    samples = [torch.rand(b, *input_shape, generator=generator) for b in (1, 3)]
    return _export_pair_model(
        model, original, exportable(original, example), example, samples, Path(path), "input", {0: "batch"},
        opset, check, tolerance,
    )


def _encoder_copy(model: nn.Module) -> nn.Module:
    original = getattr(model, "encoder", model)
    if not isinstance(original, nn.Module):
        raise ConfigError(f"cannot export {type(model).__name__}: it has no encoder module")
    return copy.deepcopy(original).eval()


def _export_pair_model(
    model: nn.Module,
    original: nn.Module,
    encoder: nn.Module,
    example: torch.Tensor,
    samples: list[torch.Tensor],
    path: Path,
    input_name: str,
    input_axes: dict[int, str],
    opset: int,
    check: bool,
    tolerance: float,
) -> ExportResult:
    """Export ``encoder`` (traced on ``example``; ``input_axes`` dynamic) and the model's head; compare
    onnxruntime with ``original`` on ``samples`` when ``check``."""
    _export(encoder, (example,), [input_name], "embedding", path, opset, input_axes)
    result = ExportResult({"encoder": path})
    head = getattr(model, "head", None)
    if isinstance(head, nn.Module):
        head = copy.deepcopy(head).eval()
        with torch.no_grad():
            a = encoder(example)
        result.files["head"] = head_path(path)
        _export(head, (a, a.flip(0)), ["a", "b"], "score", result.files["head"], opset)
    if check:
        result.max_abs_diff["encoder"] = _max_diff(path, original, [(x,) for x in samples], [input_name])
        if "head" in result.files:
            with torch.no_grad():
                pairs = [(e, e.flip(0) + 0.1) for e in (original(x) for x in samples)]
            result.max_abs_diff["head"] = _max_diff(result.files["head"], head, pairs, ["a", "b"])
        worst = max(result.max_abs_diff.values())
        if worst > tolerance:
            raise DataError(
                f"ONNX export differs from PyTorch by {worst:.3g} (> {tolerance:g}); an operator may not be "
                "exported faithfully: try another --opset"
            )
    return result


def tokenizer_path(onnx_path: str | Path) -> Path:
    """Where a text encoder exported to ``onnx_path`` keeps its tokenizer: ``model.onnx`` → ``model.tokenizer.json``."""
    onnx_path = Path(onnx_path)
    return onnx_path.with_name(f"{onnx_path.stem}.tokenizer.json")


def export_text_onnx(
    model: nn.Module, path: str | Path, opset: int = 17, check: bool = True, tolerance: float = DEFAULT_TOLERANCE
) -> ExportResult:
    """Export a transformer text model's whole network to ONNX: token ids ``input_ids`` ``[B, L]`` (both axes
    dynamic) → attention mask (``ids != pad_id``) → transformer → masked pooling → L2 normalization (if the
    encoder normalizes) → ``embedding`` ``[B, D]``; the head as :func:`export_onnx` does; the tokenizer as
    ``tokenizer.json`` beside (:func:`tokenizer_path`, for the ``tokenizers`` library), so the files serve
    without siamkit. The parity check embeds :data:`PARITY_TEXTS` (batches of 1 and 3 texts of different
    lengths) with onnxruntime and with PyTorch.
    """
    from siamkit.nn.encoders.text import text_tokenizer

    original = _encoder_copy(model)
    tokenizer = text_tokenizer(original)
    if not hasattr(tokenizer, "tokenizer_json"):
        raise ConfigError(
            f"ONNX export of text models covers pretrained transformers (--encoder hf, minilm); "
            f"{type(original).__name__} is not one"
        )
    path = Path(path)
    with atomic_path(tokenizer_path(path)) as tmp:
        tmp.write_text(tokenizer.tokenizer_json, encoding="utf-8")
    example = tokenizer.encode(list(PARITY_TEXTS[1:3]))
    samples = [tokenizer.encode(list(PARITY_TEXTS[:1])), tokenizer.encode(list(PARITY_TEXTS[1:]))]
    result = _export_pair_model(
        model, original, original, example, samples, path, "input_ids", {0: "batch", 1: "tokens"}, opset, check,
        tolerance,
    )
    result.files["tokenizer"] = tokenizer_path(path)
    return result


def onnx_session(path: str | Path) -> Any:
    """An onnxruntime CPU session for an exported file."""
    import onnxruntime as ort

    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
