"""Crops of a frame around boxes, resampled to a fixed size; the area outside the frame is filled
with the frame's mean colour (as SiamFC pads).

Coordinates are continuous pixels: pixel ``(row i, column j)`` covers ``[j, j+1) × [i, i+1)``; a box
``x, y, w, h`` covers ``[x, x+w) × [y, y+h)``, its centre is ``(x + w/2, y + h/2)``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def crop_resize(
    frame: torch.Tensor, centers: torch.Tensor, sizes: torch.Tensor, out_size: tuple[int, int]
) -> torch.Tensor:
    """Bilinear crops ``[N, C, out_h, out_w]`` of ``frame`` ``[C, H, W]``.

    Args:
        centers: ``[N, 2]`` crop centres ``(cx, cy)`` in frame pixels.
        sizes: ``[N, 2]`` crop sizes ``(w, h)`` in frame pixels (any positive value; the crop is
            resampled to ``out_size``).
        out_size: ``(out_h, out_w)``.
    """
    channels, height, width = frame.shape
    n = len(centers)
    out_h, out_w = out_size
    # axis-aligned crops: the sampling grid is separable (cheaper than affine_grid's matmul)
    steps_x = (torch.arange(out_w, dtype=frame.dtype) + 0.5) / out_w - 0.5  # [out_w] in (−½, ½)
    steps_y = (torch.arange(out_h, dtype=frame.dtype) + 0.5) / out_h - 0.5
    xs = (centers[:, :1] + sizes[:, :1] * steps_x) * (2 / width) - 1  # [N, out_w] normalised
    ys = (centers[:, 1:] + sizes[:, 1:] * steps_y) * (2 / height) - 1  # [N, out_h]
    grid = torch.stack([xs[:, None, :].expand(n, out_h, out_w), ys[:, :, None].expand(n, out_h, out_w)], dim=-1)
    mean = frame.mean(dim=(1, 2), keepdim=True)
    crops = F.grid_sample((frame - mean).expand(n, -1, -1, -1), grid, align_corners=False)
    return crops + mean


def context_side(sizes: torch.Tensor, context: float = 0.5) -> torch.Tensor:
    """SiamFC's exemplar side ``sqrt((w + p)(h + p))`` with ``p = context·(w + h)``, for sizes ``[..., 2]``."""
    pad = context * sizes.sum(-1)
    return torch.sqrt((sizes[..., 0] + pad) * (sizes[..., 1] + pad))


def training_pair(
    frame_z: torch.Tensor,
    box_z: torch.Tensor,
    frame_x: torch.Tensor,
    box_x: torch.Tensor,
    exemplar_size: int = 127,
    search_size: int = 255,
    context: float = 0.5,
) -> tuple[torch.Tensor, torch.Tensor]:
    """SiamFC training crops: the exemplar ``[C, e, e]`` around ``box_z`` in ``frame_z`` and the search
    image ``[C, s, s]`` centred on ``box_x`` in ``frame_x``, both at the scale that maps the exemplar's
    context square to ``exemplar_size`` pixels (so the target sits at the search image's centre)."""
    crops = []
    for frame, box, out in ((frame_z, box_z, exemplar_size), (frame_x, box_x, search_size)):
        side = context_side(box[2:], context) * out / exemplar_size
        centre = (box[:2] + box[2:] / 2).view(1, 2)
        crops.append(crop_resize(frame, centre, side.view(1, 1).expand(1, 2), (out, out))[0])
    return crops[0], crops[1]
