"""Trackers: initialise on a box in the first frame, then give one box per frame.

Every tracker has ``init(frame, box)`` and ``update(frame) -> box`` (frames ``[3, H, W]`` in [0, 1],
boxes ``[4]`` as x, y, w, h pixels). :func:`track` runs one over a video. Besides the Siamese tracker
there are two baselines evaluated by the same code: :class:`StaticTracker` (stay at the first box)
and :class:`NCCTracker` (template matching by normalised cross-correlation on raw pixels).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import torch
import torch.nn.functional as F

from siamkit.core.errors import ConfigError, DataError
from siamkit.tracking.crops import context_side, crop_resize
from siamkit.tracking.model import SiamFC


class Tracker(Protocol):
    def init(self, frame: torch.Tensor, box: torch.Tensor) -> None: ...

    def update(self, frame: torch.Tensor) -> torch.Tensor: ...


def _check_box(frame: torch.Tensor, box: torch.Tensor) -> torch.Tensor:
    box = torch.as_tensor(box, dtype=torch.float32).view(-1)
    height, width = frame.shape[-2:]
    if box.numel() != 4 or not (box[2] > 0 and box[3] > 0):
        raise DataError(f"the initial box must be x,y,w,h with w, h > 0, got {box.tolist()}")
    cx, cy = float(box[0] + box[2] / 2), float(box[1] + box[3] / 2)
    if not (0 <= cx <= width and 0 <= cy <= height):
        raise DataError(f"the initial box {box.tolist()} has its centre outside the {width}×{height} first frame")
    return box


@dataclass
class TrackerConfig:
    """SiamFC's inference settings (the paper's values; sizes in pixels).

    ``scales`` search images per frame at ``scale_step ** k`` for k centred on 0; a change of scale
    is penalised by ``scale_penalty`` and smoothed by ``scale_lr``; the response is upsampled by
    ``upsample`` and mixed with a cosine (Hann) window with weight ``window_influence``.
    """

    exemplar_size: int = 127
    search_size: int = 255
    context: float = 0.5
    scales: int = 3
    scale_step: float = 1.0375
    scale_penalty: float = 0.9745
    scale_lr: float = 0.59
    window_influence: float = 0.176
    upsample: int = 16

    def __post_init__(self) -> None:
        if self.scales < 1 or self.scales % 2 == 0:
            raise ConfigError(f"scales must be an odd number ≥ 1 (the middle one is the current scale), got {self.scales}")
        if self.search_size <= self.exemplar_size:
            raise ConfigError(f"search_size ({self.search_size}) must exceed exemplar_size ({self.exemplar_size})")


class SiamFCTracker:
    """The SiamFC tracker around a trained :class:`~siamkit.tracking.model.SiamFC` network.

    Per frame it crops ``scales`` search images around the last position (one batch), scores them
    against the exemplar features computed once at ``init``, picks the scale with the highest
    (penalised) score, finds the peak of its upsampled, cosine-windowed response and moves the box there.

    Example:
        >>> tracker = SiamFCTracker(SiamFC())
        >>> tracker.init(torch.rand(3, 240, 320), torch.tensor([100.0, 80.0, 40.0, 30.0]))
        >>> tracker.update(torch.rand(3, 240, 320)).shape
        torch.Size([4])
    """

    def __init__(self, model: SiamFC, config: TrackerConfig | None = None) -> None:
        if not isinstance(model, SiamFC):
            raise ConfigError(
                f"a SiamFC tracker needs a SiamFC model, got {type(model).__name__}; "
                "train one with `siamkit train-tracker`"
            )
        self.model = model.eval()
        self.config = c = config or TrackerConfig()
        k = torch.arange(c.scales, dtype=torch.float32) - (c.scales - 1) / 2
        self.scale_factors = c.scale_step**k
        self.scale_weights = torch.where(k == 0, 1.0, c.scale_penalty)
        score = self.model.encoder.output_size(c.search_size) - self.model.encoder.output_size(c.exemplar_size) + 1
        if score < 1:
            raise ConfigError("the search image is too small for the encoder to give a score map")
        self.response_size = score * c.upsample
        hann = torch.hann_window(self.response_size + 2, periodic=False)[1:-1]
        self.window = (hann[:, None] * hann[None, :]).flatten()
        self.window = self.window / self.window.sum()

    @torch.inference_mode()
    def init(self, frame: torch.Tensor, box: torch.Tensor) -> None:
        c = self.config
        box = _check_box(frame, box)
        self.frame_size = torch.tensor([frame.shape[2], frame.shape[1]], dtype=torch.float32)
        self.center = box[:2] + box[2:] / 2
        self.size = box[2:].clone()
        self.z_side = float(context_side(self.size, c.context))
        exemplar = crop_resize(frame, self.center[None], torch.full((1, 2), self.z_side), (c.exemplar_size,) * 2)
        self.exemplar = self.model.embed(exemplar)

    @torch.inference_mode()
    def update(self, frame: torch.Tensor) -> torch.Tensor:
        c = self.config
        x_side = self.z_side * c.search_size / c.exemplar_size
        sides = (x_side * self.scale_factors)[:, None].expand(-1, 2)
        search = crop_resize(frame, self.center[None].expand(c.scales, 2), sides, (c.search_size,) * 2)
        scores = self.model.score(self.exemplar, search)  # [S, 1, s, s]
        best = int((scores.flatten(1).amax(1) * self.scale_weights).argmax())  # penalised best scale
        r = F.interpolate(scores[best : best + 1], size=(self.response_size,) * 2, mode="bicubic", align_corners=False)
        r = r.flatten()
        r = r - r.min()
        r = r / r.sum().clamp_min(1e-12)
        peak = int(((1 - c.window_influence) * r + c.window_influence * self.window).argmax())
        row, col = divmod(peak, self.response_size)
        # displacement from the response centre → search-image pixels → frame pixels
        half = (self.response_size - 1) / 2
        shift = torch.tensor([col - half, row - half]) * self.model.total_stride / c.upsample
        shift = shift * float(sides[best, 0]) / c.search_size
        self.center = torch.minimum(torch.maximum(self.center + shift, torch.zeros(2)), self.frame_size)
        scale = (1 - c.scale_lr) + c.scale_lr * float(self.scale_factors[best])
        self.size = (self.size * scale).clamp(min=4.0, max=float(self.frame_size.max()))
        self.z_side *= scale
        return torch.cat([self.center - self.size / 2, self.size])


class StaticTracker:
    """Baseline: stays at the first box."""

    def init(self, frame: torch.Tensor, box: torch.Tensor) -> None:
        self.box = _check_box(frame, box)

    def update(self, frame: torch.Tensor) -> torch.Tensor:
        return self.box.clone()


def _window_sums(x: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """Sums ``[H − h + 1, W − w + 1]`` of every ``h``×``w`` window of ``x`` ``[H, W]`` (integral image)."""
    integral = F.pad(x.double().cumsum(0).cumsum(1), (1, 0, 1, 0))
    sums = integral[h:, w:] - integral[:-h, w:] - integral[h:, :-w] + integral[:-h, :-w]
    return sums.to(x.dtype)


def ncc_map(search: torch.Tensor, template: torch.Tensor) -> torch.Tensor:
    """Normalised cross-correlation ``[H − h + 1, W − w + 1]`` in [−1, 1] of ``template`` ``[C, h, w]``
    at every position of ``search`` ``[C, H, W]`` (means and norms over all channels of a window).

    The correlation is computed by FFT, so its cost does not grow with the template's area.
    """
    t = template - template.mean()
    count = t.numel()
    h, w = template.shape[1:]
    height, width = search.shape[1:]
    spectrum = torch.fft.rfft2(search) * torch.fft.rfft2(t, s=(height, width)).conj()
    numerator = torch.fft.irfft2(spectrum.sum(0), s=(height, width))[: height - h + 1, : width - w + 1]
    local_sum = _window_sums(search.sum(0), h, w)
    local_sq = _window_sums((search**2).sum(0), h, w)
    variance = (local_sq - local_sum**2 / count).clamp_min(1e-12)
    return numerator / (variance.sqrt() * t.norm().clamp_min(1e-12))


class NCCTracker:
    """Baseline: template matching by normalised cross-correlation on raw RGB pixels.

    The template is the first frame's box; each frame it is matched over a window of ``1 + 2·search``
    box sizes around the last position (frame-mean padding outside the frame), at a fixed scale.
    """

    def __init__(self, search: float = 1.0) -> None:
        self.search = search

    def init(self, frame: torch.Tensor, box: torch.Tensor) -> None:
        box = _check_box(frame, box)
        self.size = box[2:].clone()
        self.center = box[:2] + box[2:] / 2
        self.pixels = (max(1, round(float(box[3]))), max(1, round(float(box[2]))))  # template (h, w)
        self.template = crop_resize(frame, self.center[None], self.size[None], self.pixels)[0]

    def update(self, frame: torch.Tensor) -> torch.Tensor:
        h, w = self.pixels
        margin_y, margin_x = math.ceil(self.search * h), math.ceil(self.search * w)
        window = (h + 2 * margin_y, w + 2 * margin_x)
        sizes = torch.tensor([[float(window[1]), float(window[0])]])
        region = crop_resize(frame, self.center[None], sizes, window)[0]
        scores = ncc_map(region, self.template)
        row, col = divmod(int(scores.argmax()), scores.shape[1])
        self.center = self.center + torch.tensor([col - margin_x, row - margin_y], dtype=torch.float32)
        return torch.cat([self.center - self.size / 2, self.size])


def track(tracker: Tracker, frames, init_box: torch.Tensor) -> torch.Tensor:
    """Run ``tracker`` over ``frames`` (a ``[T, 3, H, W]`` tensor or a
    :class:`~siamkit.tracking.frames.FrameFolder`) from ``init_box`` in frame 0; boxes ``[T, 4]``
    (row 0 is ``init_box``)."""
    if len(frames) < 1:
        raise DataError("the video has no frames")
    first = frames[0]
    tracker.init(first, init_box)
    boxes = [torch.as_tensor(init_box, dtype=torch.float32).view(4)]
    for i in range(1, len(frames)):
        boxes.append(tracker.update(frames[i]))
    return torch.stack(boxes)
