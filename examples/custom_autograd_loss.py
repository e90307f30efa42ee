"""A loss as a ``torch.autograd.Function`` with a hand-written backward, checked and then trained with.

``siamkit.losses.pair.ContrastiveFunction`` is Caffe's contrastive loss layer written the way Caffe wrote
it: a forward and an explicit backward (read its source for the derivative). Before training with a
hand-written gradient, check it: ``torch.autograd.gradcheck`` compares it with finite differences in
float64. Then train the same LeNet 2-D Siamese net twice from the same seed and batches — once with
autograd through ``ContrastiveLoss(reduction="half_mean")``, once through the hand-written backward
(``ContrastiveLoss.from_embeddings``) — and compare the loss curves step by step.

    python examples/custom_autograd_loss.py [--quick] [--out runs/examples/custom_autograd_loss]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from mnist_contrastive_2d import UNSEEN_DIGITS, adjacent_pairs

from siamkit import ContrastiveLoss, DistanceHead, LeNet, SiameseNet, class_disjoint_split, mnist
from siamkit.data import pair_loader
from siamkit.losses.pair import ContrastiveFunction

LOSS = ContrastiveLoss(margin=1.0, squared=True, reduction="half_mean")


def check_gradient(seed: int = 0) -> bool:
    """gradcheck of the hand-written backward on random float64 embeddings, half of the pairs similar."""
    generator = torch.Generator().manual_seed(seed)
    a = torch.randn(8, 2, dtype=torch.float64, generator=generator, requires_grad=True)
    b = torch.randn(8, 2, dtype=torch.float64, generator=generator, requires_grad=True)
    similar = (torch.arange(8) % 2).double()
    return torch.autograd.gradcheck(lambda a, b: ContrastiveFunction.apply(a, b, similar, 2.0, True, 0.5 / 8), (a, b))


def autograd_loss(model: SiameseNet, x1, x2, y) -> torch.Tensor:
    return LOSS(model(x1, x2), y)


def hand_written_loss(model: SiameseNet, x1, x2, y) -> torch.Tensor:
    a, b = model.embed(torch.cat([x1, x2])).chunk(2)
    return LOSS.from_embeddings(a, b, y)


def train(loss_fn, pairs, epochs: int, seed: int = 0) -> list[float]:
    """Adam (lr 1e-3, batch 64) from a seeded LeNet; the loss of every step."""
    torch.manual_seed(seed)
    model = SiameseNet(LeNet(in_channels=1, embedding_dim=2), DistanceHead("euclidean"))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    curve = []
    for epoch in range(epochs):
        loader = pair_loader(pairs, batch_size=64, shuffle=True, seed=seed + epoch)
        for x1, x2, y in loader:
            loss = loss_fn(model, x1, x2, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            curve.append(loss.item())
    return curve


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few hundred pairs, one epoch (seconds)")
    parser.add_argument("--out", type=Path, default=Path("runs/examples/custom_autograd_loss"))
    args = parser.parse_args(argv)
    per_class, epochs = (40, 1) if args.quick else (200, 2)

    print(f"gradcheck of the hand-written backward (float64): {'passed' if check_gradient() else 'FAILED'}")
    data = mnist()
    data = data.subset(torch.cat([torch.nonzero(data.y == c).flatten()[:per_class] for c in range(10)]))
    train_data = data.subset(class_disjoint_split(data.y, UNSEEN_DIGITS)[0])
    pairs = adjacent_pairs(train_data, rounds=2, seed=0)

    curves = {"autograd": train(autograd_loss, pairs, epochs), "hand-written": train(hand_written_loss, pairs, epochs)}
    gap = max(abs(a - b) for a, b in zip(*curves.values()))
    steps = len(curves["autograd"])
    print(f"{'step':>6} {'autograd':>10} {'hand-written':>13}")
    for step in sorted({0, steps // 4, steps // 2, 3 * steps // 4, steps - 1}):
        print(f"{step:>6} {curves['autograd'][step]:>10.5f} {curves['hand-written'][step]:>13.5f}")
    print(f"{steps} steps; largest difference between the two loss curves: {gap:.2e}")

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    args.out.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 4))
    for (name, curve), style in zip(curves.items(), ("-", "--")):
        ax.plot(curve, style, label=name)
    ax.set(xlabel="step", ylabel="contrastive loss (1/2N)", title="Same loss, two backward passes")
    ax.legend()
    fig.savefig(args.out / "curves.png", dpi=100)
    plt.close(fig)
    print(f"wrote {args.out / 'curves.png'}")
    return {"gradcheck": True, "steps": steps, "max_curve_gap": gap, "final_loss": curves["autograd"][-1]}


if __name__ == "__main__":
    main()
