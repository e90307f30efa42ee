"""Plots as PNG files (matplotlib, Agg backend), each written atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import torch

from siamkit.core.fileio import atomic_path


def new_figure():
    """A matplotlib ``(figure, axes)`` on the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(6, 4.5), dpi=100)


def save_figure(fig, path: str | Path) -> Path:
    """Write ``fig`` as a PNG at ``path`` atomically and close it."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return Path(path)


def plot_loss(history: Sequence[Mapping[str, float]], path: str | Path) -> Path:
    """Training (and validation) loss per epoch, from ``fit``'s history."""
    fig, ax = new_figure()
    epochs = [int(row["epoch"]) + 1 for row in history]
    for key, label in (("train_loss", "train"), ("val_loss", "validation")):
        values = [row.get(key) for row in history]
        if any(v is not None for v in values):
            ax.plot(epochs, values, marker="o", label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title("Loss per epoch")
    ax.grid(alpha=0.3)
    ax.legend()
    return save_figure(fig, path)


def plot_roc(
    curves: Mapping[str, tuple[torch.Tensor, torch.Tensor]], path: str | Path, log_x: bool = False
) -> Path:
    """ROC curves, one per named ``(similarity, labels)`` pair set, with AUC in the legend."""
    from sklearn.metrics import roc_curve

    from siamkit.evaluation.metrics import roc_auc

    fig, ax = new_figure()
    for name, (similarity, labels) in curves.items():
        fpr, tpr, _ = roc_curve(labels.numpy(), similarity.double().numpy())
        ax.plot(fpr, tpr, label=f"{name} (AUC {roc_auc(similarity, labels):.4f})")
    if log_x:
        ax.set_xscale("log")
    else:
        ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="chance")
    ax.set_xlabel("false accept rate (FPR)")
    ax.set_ylabel("true accept rate (TPR)")
    ax.set_title("ROC of pair verification")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    return save_figure(fig, path)


def plot_score_histogram(
    scores: torch.Tensor, labels: torch.Tensor, score_kind: str, threshold: float, path: str | Path, title: str = ""
) -> Path:
    """Histograms of same (label 1) and different (label 0) pair scores, in the model's own units,
    with the decision threshold marked."""
    from siamkit.core.conventions import check_pair_labels

    check_pair_labels(labels)
    fig, ax = new_figure()
    scores = scores.double()
    bins = torch.linspace(float(scores.min()), float(scores.max()), 41).numpy()
    ax.hist(scores[labels == 1].numpy(), bins=bins, alpha=0.6, label="same pairs (1)", color="tab:green")
    ax.hist(scores[labels == 0].numpy(), bins=bins, alpha=0.6, label="different pairs (0)", color="tab:red")
    rule = "≤" if score_kind == "distance" else "≥"
    ax.axvline(threshold, color="black", linestyle="--", label=f"threshold {threshold:.3f} (same if {rule})")
    ax.set_xlabel(score_kind)
    ax.set_ylabel("pairs")
    ax.set_title(title or f"Pair {score_kind}s")
    ax.legend()
    return save_figure(fig, path)


def project_2d(embeddings: torch.Tensor) -> torch.Tensor:
    """``[N, D]`` → ``[N, 2]``: the embeddings themselves if D = 2, else their first two principal components."""
    x = embeddings.double()
    if x.shape[1] == 2:
        return x
    x = x - x.mean(0)
    _, _, v = torch.linalg.svd(x, full_matrices=False)
    proj = x @ v[:2].T
    return torch.nn.functional.pad(proj, (0, 2 - proj.shape[1]))  # D = 1: a flat second axis


MAX_PLOTTED_CLASSES = 20  # more colours cannot be told apart


def plot_embedding_2d(
    embeddings: torch.Tensor,
    labels: torch.Tensor,
    class_names: Sequence[str],
    path: str | Path,
    max_points: int = 5000,
    seed: int = 0,
    max_classes: int = MAX_PLOTTED_CLASSES,
) -> Path:
    """Scatter of embeddings ``[N, D]`` coloured by class (raw if D = 2, PCA otherwise).

    At most ``max_points`` points, a seeded random subset of them; with more than ``max_classes`` classes, the
    points of a seeded ``max_classes`` of them, without a legend (the title says how many are shown)."""
    generator = torch.Generator().manual_seed(seed)
    classes = torch.unique(labels)
    shown, legend = f"{len(classes)} classes", len(classes) <= max_classes
    if not legend:
        chosen = classes[torch.randperm(len(classes), generator=generator)[:max_classes]]
        keep = torch.isin(labels, chosen)
        embeddings, labels = embeddings[keep], labels[keep]
        shown = f"{max_classes} of {len(classes)} classes"
    if len(embeddings) > max_points:
        keep = torch.randperm(len(embeddings), generator=generator)[:max_points]
        embeddings, labels = embeddings[keep], labels[keep]
    xy = project_2d(embeddings).numpy()
    fig, ax = new_figure()
    classes = torch.unique(labels).tolist()
    cmap = _colours(len(classes))
    for i, c in enumerate(classes):
        mask = (labels == c).numpy()
        ax.scatter(xy[mask, 0], xy[mask, 1], s=8, alpha=0.7, color=cmap(i), label=class_names[c])
    how = "raw" if embeddings.shape[1] == 2 else "PCA"
    ax.set_title(f"Embeddings in 2-D ({how}, D = {embeddings.shape[1]}; {shown})")
    if legend:
        ax.legend(markerscale=2, fontsize="small", ncol=2 if len(classes) > 10 else 1, loc="best")
    return save_figure(fig, path)


def _colours(n: int):
    import matplotlib

    return matplotlib.colormaps["tab10" if n <= 10 else "tab20"]


def hardest_errors(
    scores: torch.Tensor, labels: torch.Tensor, score_kind: str, threshold: float, k: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices of the ``k`` worst false accepts (different pairs judged most alike) and false
    rejects (same pairs judged least alike) at ``threshold``, worst first."""
    from siamkit.core.conventions import to_similarity

    similarity = to_similarity(scores.double(), score_kind)
    cut = float(to_similarity(torch.tensor(float(threshold), dtype=torch.float64), score_kind))
    accepted = similarity >= cut
    fa = torch.nonzero(accepted & (labels == 0)).flatten()
    fr = torch.nonzero(~accepted & (labels == 1)).flatten()
    fa = fa[torch.argsort(similarity[fa], descending=True)][:k]
    fr = fr[torch.argsort(similarity[fr])][:k]
    return fa, fr


def _show(ax, image: torch.Tensor) -> None:
    image = image.detach().float().cpu()
    if image.shape[0] == 1:
        ax.imshow(image[0].numpy(), cmap="gray", vmin=0, vmax=1)
    else:
        ax.imshow(image.permute(1, 2, 0).clamp(0, 1).numpy())
    ax.set_xticks([])
    ax.set_yticks([])


def plot_hard_pairs(
    pairs, scores: torch.Tensor, score_kind: str, threshold: float, path: str | Path, k: int = 8
) -> Path | None:
    """A grid of the ``k`` hardest false accepts (top two rows) and false rejects (bottom two rows):
    each column is one pair, its score above it. ``pairs`` is the
    :class:`~siamkit.data.PairDataset` the scores belong to; items must be images ``[C, H, W]``
    with C = 1 or 3 (else nothing is drawn and ``None`` returned)."""
    import matplotlib.pyplot as plt

    if pairs.items.ndim != 4 or pairs.items.shape[1] not in (1, 3):
        return None
    groups = dict(zip(("false accepts", "false rejects"), hardest_errors(scores, pairs.labels, score_kind, threshold, k)))
    cols = max(1, max(len(idx) for idx in groups.values()))
    fig, axes = plt.subplots(4, cols, figsize=(1.3 * cols + 0.6, 6.2), dpi=100, squeeze=False)
    for g, (name, idx) in enumerate(groups.items()):
        for col in range(cols):
            top, bottom = axes[2 * g, col], axes[2 * g + 1, col]
            if col >= len(idx):
                top.axis("off")
                bottom.axis("off")
                continue
            x1, x2, _ = pairs[idx[col : col + 1]]
            _show(top, x1[0])
            _show(bottom, x2[0])
            top.set_title(f"{float(scores[idx[col]]):.3f}", fontsize=8)
        label = f"{name}\n({len(idx)} shown)" if len(idx) else f"{name}\n(none)"
        axes[2 * g, 0].set_ylabel(label, fontsize=8)
        if not len(idx):
            axes[2 * g, 0].axis("on")
            axes[2 * g, 0].set_xticks([])
            axes[2 * g, 0].set_yticks([])
    fig.suptitle(f"Hardest errors at threshold {threshold:.3f} ({score_kind} shown above each pair)", fontsize=9)
    return save_figure(fig, path)
