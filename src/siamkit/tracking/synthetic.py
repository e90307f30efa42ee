"""Synthetic tracking videos with exact ground truth.

Each video has a cluttered background (smooth colour noise plus static textured shapes), a textured
target of random shape moving on a smooth random path while it changes scale and turns a little,
textured distractors on their own paths, and an occluder that crosses the target once. The ground
truth box of a frame is the bounding box of the target's own rendered mask (before anything is
drawn over it), so it is exact even when the target is hidden.

Everything is drawn from one ``seed``; frames can be rendered one at a time (``render``), so a
training pair costs two frames, not a whole video.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from siamkit.core.errors import ConfigError
from siamkit.tracking.frames import Sequence

SPRITE = 64  # sprite resolution (pixels per side) before it is scaled into the frame


@dataclass(frozen=True)
class VideoConfig:
    """Size and content of a synthetic video. Sizes are in pixels; ``scale_change`` is the largest
    factor by which the target grows or shrinks around its mean size."""

    height: int = 240
    width: int = 320
    length: int = 60
    target_size: tuple[int, int] = (28, 64)
    scale_change: float = 1.4
    distractors: int = 2
    background_shapes: int = 12
    occlusion: bool = True

    def __post_init__(self) -> None:
        low, high = self.target_size
        if not 4 <= low <= high or high * self.scale_change * 2 > min(self.height, self.width):
            raise ConfigError(
                f"target_size {self.target_size} (×{self.scale_change}) must be ≥ 4 px and fit twice in a "
                f"{self.height}×{self.width} frame; use smaller targets or larger frames"
            )
        if self.length < 2:
            raise ConfigError(f"a video needs at least 2 frames, got length {self.length}")


def _uniform(g: torch.Generator, low: float, high: float, *shape: int) -> torch.Tensor:
    return low + (high - low) * torch.rand(shape or (1,), generator=g)


def _smooth_noise(g: torch.Generator, channels: int, size: tuple[int, int], cells: int) -> torch.Tensor:
    """Smooth random field ``[channels, H, W]`` in [0, 1]: a coarse grid upsampled bicubically."""
    coarse = torch.rand(1, channels, cells, cells, generator=g)
    return F.interpolate(coarse, size=size, mode="bicubic", align_corners=False)[0].clamp(0, 1)


def _pattern(g: torch.Generator) -> torch.Tensor:
    """A texture pattern ``[SPRITE, SPRITE]`` in [0, 1]: stripes, checks, blobs or rings."""
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, SPRITE), torch.linspace(-1, 1, SPRITE), indexing="ij")
    kind = int(torch.randint(4, (1,), generator=g))
    freq = float(_uniform(g, 2.0, 6.0))
    angle = float(_uniform(g, 0.0, math.pi))
    u = xs * math.cos(angle) + ys * math.sin(angle)
    v = -xs * math.sin(angle) + ys * math.cos(angle)
    if kind == 0:
        p = 0.5 + 0.5 * torch.sin(math.pi * freq * u)
    elif kind == 1:
        p = (torch.sin(math.pi * freq * u) * torch.sin(math.pi * freq * v) > 0).float()
    elif kind == 2:
        p = _smooth_noise(g, 1, (SPRITE, SPRITE), int(torch.randint(3, 7, (1,), generator=g)))[0]
    else:
        p = 0.5 + 0.5 * torch.cos(math.pi * freq * torch.sqrt(xs**2 + ys**2))
    return p


def _mask(g: torch.Generator) -> torch.Tensor:
    """An anti-aliased shape mask ``[SPRITE, SPRITE]`` in [0, 1]: ellipse, rectangle or convex polygon."""
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, SPRITE), torch.linspace(-1, 1, SPRITE), indexing="ij")
    kind = int(torch.randint(3, (1,), generator=g))
    if kind == 0:
        inside = 1 - torch.sqrt(xs**2 + ys**2)
    elif kind == 1:
        inside = 1 - torch.maximum(xs.abs(), ys.abs())
    else:
        sides = int(torch.randint(3, 7, (1,), generator=g))
        angles = torch.arange(sides) * (2 * math.pi / sides) + float(_uniform(g, 0, 2 * math.pi))
        normals = torch.stack([torch.cos(angles), torch.sin(angles)], 1)
        inside = (1 - (xs[..., None] * normals[:, 0] + ys[..., None] * normals[:, 1])).amin(-1)
    return (inside * SPRITE / 2).clamp(0, 1)


def _sprite(g: torch.Generator) -> torch.Tensor:
    """A textured object ``[4, SPRITE, SPRITE]``: RGB from two random colours mixed by a pattern, alpha."""
    colours = torch.rand(2, 3, 1, 1, generator=g)
    p = _pattern(g)
    rgb = colours[0] * p + colours[1] * (1 - p)
    rgb = (rgb + 0.04 * torch.randn(3, SPRITE, SPRITE, generator=g)).clamp(0, 1)
    return torch.cat([rgb, _mask(g)[None]])


def _path(g: torch.Generator, length: int, low: float, high: float, waves: int = 3) -> torch.Tensor:
    """A smooth random coordinate ``[length]`` within ``[low, high]``: a sum of slow sinusoids."""
    t = torch.linspace(0, 1, length)
    amplitude = torch.rand(waves, generator=g)
    freq = _uniform(g, 0.3, 2.0, waves)
    phase = _uniform(g, 0, 2 * math.pi, waves)
    wave = (amplitude[:, None] * torch.sin(2 * math.pi * freq[:, None] * t + phase[:, None])).sum(0)
    wave = (wave - wave.min()) / (wave.max() - wave.min()).clamp_min(1e-6)
    span = float(_uniform(g, 0.5, 1.0)) * (high - low)
    start = low + float(torch.rand(1, generator=g)) * (high - low - span)
    return start + span * wave


@dataclass
class _Layer:
    sprite: torch.Tensor  # [4, SPRITE, SPRITE]
    cx: torch.Tensor  # [T] pixels
    cy: torch.Tensor
    w: torch.Tensor  # [T] pixels
    h: torch.Tensor
    angle: torch.Tensor  # [T] radians


class SyntheticVideo:
    """One synthetic video, drawn from ``seed``; ``render(indices)`` draws chosen frames.

    Example:
        >>> video = SyntheticVideo(seed=0)
        >>> frames, boxes = video.render(torch.tensor([0, 10]))
        >>> frames.shape, boxes.shape
        (torch.Size([2, 3, 240, 320]), torch.Size([2, 4]))
    """

    def __init__(self, seed: int, config: VideoConfig | None = None) -> None:
        self.config = c = config or VideoConfig()
        g = torch.Generator().manual_seed(seed)
        self.background = self._background(g)
        self.target = self._moving(g, _sprite(g), c.target_size, c.scale_change)
        self.distractors = [self._moving(g, _sprite(g), c.target_size, c.scale_change) for _ in range(c.distractors)]
        self.occluder = self._occluder(g) if c.occlusion else None
        self.target_in_front = bool(torch.rand(1, generator=g) < 0.5)

    def __len__(self) -> int:
        return self.config.length

    def _background(self, g: torch.Generator) -> torch.Tensor:
        c = self.config
        frame = 0.25 + 0.5 * _smooth_noise(g, 3, (c.height, c.width), 8)
        for _ in range(c.background_shapes):
            side = float(_uniform(g, 10, 40))
            layer = _Layer(
                _sprite(g),
                *(_uniform(g, 0, size, 1) for size in (c.width, c.height)),
                torch.tensor([side]),
                torch.tensor([side * float(_uniform(g, 0.5, 1.5))]),
                _uniform(g, 0, math.pi, 1),
            )
            self._draw(frame, layer, 0)
        return frame

    def _moving(self, g: torch.Generator, sprite: torch.Tensor, size: tuple[int, int], change: float) -> _Layer:
        c = self.config
        w0, h0 = (float(_uniform(g, *size)) for _ in range(2))
        log_scale = math.log(change) * (2 * _path(g, c.length, 0, 1, waves=2) - 1)
        scale = torch.exp(log_scale)
        margin = max(w0, h0) * change / 2 + 2
        cx = _path(g, c.length, margin, c.width - margin)
        cy = _path(g, c.length, margin, c.height - margin)
        angle = 0.25 * (2 * _path(g, c.length, 0, 1, waves=2) - 1)
        return _Layer(sprite, cx, cy, w0 * scale, h0 * scale, angle)

    def _occluder(self, g: torch.Generator) -> _Layer:
        """A bar that crosses the target's centre at a random time, moving in a straight line."""
        c = self.config
        t = torch.arange(c.length, dtype=torch.float32)
        t0 = int(torch.randint(c.length // 4, max(c.length // 4 + 1, 3 * c.length // 4), (1,), generator=g))
        speed = float(_uniform(g, 2.0, 5.0))
        heading = float(_uniform(g, 0, 2 * math.pi))
        cx = self.target.cx[t0] + speed * math.cos(heading) * (t - t0)
        cy = self.target.cy[t0] + speed * math.sin(heading) * (t - t0)
        w = torch.full((c.length,), float(self.target.w[t0]) * float(_uniform(g, 0.4, 0.9)))
        h = torch.full((c.length,), float(self.target.h[t0]) * float(_uniform(g, 1.2, 2.0)))
        return _Layer(_sprite(g), cx, cy, w, h, torch.full((c.length,), heading))

    @staticmethod
    def _draw(frame: torch.Tensor, layer: _Layer, t: int) -> torch.Tensor | None:
        """Draw ``layer`` at time ``t`` onto ``frame`` ``[3, H, W]`` in place; return the box ``[4]`` of
        its mask (alpha > 0.5; x, y, w, h pixels), or None if none of it is in the frame.

        Only the window around the (rotated) sprite is resampled, so a small object costs little.
        """
        height, width = frame.shape[1:]
        cx, cy, w, h = (float(v[t]) for v in (layer.cx, layer.cy, layer.w, layer.h))
        reach = 0.5 * math.hypot(w, h) + 1
        x0, y0 = max(0, math.floor(cx - reach)), max(0, math.floor(cy - reach))
        x1, y1 = min(width, math.ceil(cx + reach)), min(height, math.ceil(cy + reach))
        if x1 <= x0 or y1 <= y0:
            return None
        # window normalised coords → frame pixels → rotate into the sprite → sprite normalised coords
        a, b = (x1 - x0) / 2, (y1 - y0) / 2
        dx, dy = x0 + a - cx, y0 + b - cy
        cos, sin = math.cos(float(layer.angle[t])), math.sin(float(layer.angle[t]))
        theta = torch.tensor(
            [
                [cos * a / (w / 2), sin * b / (w / 2), (cos * dx + sin * dy) / (w / 2)],
                [-sin * a / (h / 2), cos * b / (h / 2), (-sin * dx + cos * dy) / (h / 2)],
            ]
        )
        grid = F.affine_grid(theta[None], [1, 4, y1 - y0, x1 - x0], align_corners=False)
        rgba = F.grid_sample(layer.sprite[None], grid, align_corners=False)[0]
        alpha = rgba[3:]
        window = frame[:, y0:y1, x0:x1]
        window.mul_(1 - alpha).add_(rgba[:3] * alpha)
        mask = alpha[0] > 0.5
        rows, cols = mask.any(1).nonzero(), mask.any(0).nonzero()
        if len(rows) == 0:
            return None
        return torch.tensor(
            [x0 + cols[0, 0], y0 + rows[0, 0], cols[-1, 0] - cols[0, 0] + 1, rows[-1, 0] - rows[0, 0] + 1],
            dtype=torch.float32,
        )

    def render(self, indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Frames ``[N, 3, H, W]`` in [0, 1] and exact target boxes ``[N, 4]`` (x, y, w, h) at ``indices`` ``[N]``."""
        indices = torch.as_tensor(indices, dtype=torch.long).view(-1)
        frames = self.background.expand(len(indices), -1, -1, -1).clone()
        boxes = torch.zeros(len(indices), 4)
        layers = list(self.distractors)
        layers.insert(len(layers) if self.target_in_front else 0, self.target)
        if self.occluder is not None:
            layers.append(self.occluder)
        for n, t in enumerate(indices.tolist()):
            for layer in layers:
                box = self._draw(frames[n], layer, t)
                if layer is self.target:
                    boxes[n] = box
        return frames.clamp_(0, 1), boxes

    def sequence(self, name: str = "synthetic") -> Sequence:
        """The whole video as a :class:`~siamkit.tracking.frames.Sequence`."""
        frames, boxes = self.render(torch.arange(len(self)))
        return Sequence(frames, boxes, name)


def synthetic_sequences(count: int, seed: int, config: VideoConfig | None = None) -> list[Sequence]:
    """``count`` whole videos drawn from seeds ``seed, seed + 1, …`` (disjoint seed ranges never share a video)."""
    return [SyntheticVideo(seed + i, config).sequence(f"synthetic-{seed + i}") for i in range(count)]
