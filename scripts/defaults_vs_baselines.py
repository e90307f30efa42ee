"""``siamkit train --dataset NAME`` with its default recipe, 3 seeds, beside every untrained baseline: the README tables.

    PYTHONPATH=src nice -n 10 python scripts/defaults_vs_baselines.py --root runs/defaults [--datasets digits mnist]

Each (dataset, seed) trains once into ``root/<dataset>-<seed>`` (a run whose ``metrics.json`` exists is reused, so
an interrupted sweep resumes) exactly as a user's command would, nothing but ``--seed`` given. Printed per dataset,
as Markdown: ROC AUC on seen-class test pairs and on unseen-class pairs, mean ± half the range over the seeds,
for the model and each baseline scored on the same pairs; the unseen-class lift over the best baseline in every
seed; N-way K-shot accuracy on the unseen classes where the part has ≥ 20 classes (glyphs); and the training seconds.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from statistics import mean

from siamkit.cli import run
from siamkit.evaluation.baselines import BASELINE_TITLES

PARTS = (("test", "seen classes (test)"), ("unseen_classes", "unseen classes"))


def trained_metrics(root: Path, dataset: str, seed: int) -> dict:
    """``metrics.json`` of ``siamkit train --dataset dataset --seed seed``, training it first if needed."""
    out = root / f"{dataset}-{seed}"
    if not (out / "metrics.json").exists():
        code = run(["train", "--dataset", dataset, "--seed", str(seed), "--out", str(out), "--quiet"])
        if code != 0:
            raise SystemExit(f"siamkit train --dataset {dataset} --seed {seed} failed with exit code {code}")
    return json.loads((out / "metrics.json").read_text())


def part_metrics(metrics: dict, part: str) -> dict:
    """The metrics of one part: the top level holds the seen-class test pairs, ``unseen_classes`` the rest."""
    return metrics if part == "test" else metrics[part]


def spread(values: list[float], digits: int = 3) -> str:
    """``mean ± half the range``."""
    return f"{mean(values):.{digits}f} ± {(max(values) - min(values)) / 2:.{digits}f}"


def table(dataset: str, runs: list[dict]) -> str:
    """The Markdown table of one dataset's runs (one per seed)."""
    rows = [("siamkit, default recipe", [[part_metrics(m, p)["roc_auc"] for m in runs] for p, _ in PARTS])]
    for name in runs[0]["baselines"]:
        aucs = [[part_metrics(m["baselines"][name], p)["roc_auc"] for m in runs] for p, _ in PARTS]
        rows.append((BASELINE_TITLES.get(name, name), aucs))
    lifts = [m["lift_over_best_baseline"]["unseen_classes"]["lift"] for m in runs]
    lines = [
        f"**{dataset}** ({len(runs)} seeds; ROC AUC, mean ± half the range)",
        "",
        "| | " + " | ".join(title for _, title in PARTS) + " |",
        "|---|" + "---|" * len(PARTS),
    ]
    lines += [f"| {title} | " + " | ".join(spread(a) for a in aucs) + " |" for title, aucs in rows]
    tasks = list(runs[0]["unseen_classes"].get("few_shot_tasks", {}))
    if tasks:
        lines += ["", "| unseen classes, accuracy % | " + " | ".join(tasks) + " |", "|---|" + "---|" * len(tasks)]
        scored = [("siamkit, default recipe", [m["unseen_classes"] for m in runs])]
        scored += [(BASELINE_TITLES.get(n, n), [m["baselines"][n]["unseen_classes"] for m in runs]) for n in runs[0]["baselines"]]
        for title, parts in scored:
            cells = [spread([100 * p["few_shot_tasks"][t]["accuracy"] for p in parts], digits=1) for t in tasks]
            lines.append(f"| {title} | " + " | ".join(cells) + " |")
    seconds = [m["train_seconds"] for m in runs]
    lines += [
        "",
        "unseen-class lift over the best baseline, per seed: " + ", ".join(f"{x:+.3f}" for x in lifts)
        + f"; training {min(seconds):.0f}–{max(seconds):.0f} s per run",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("runs/defaults"))
    parser.add_argument("--datasets", nargs="+", default=["digits", "mnist", "fashion-mnist", "glyphs"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    for dataset in args.datasets:
        runs = [trained_metrics(args.root, dataset, seed) for seed in args.seeds]
        print(table(dataset, runs), end="\n\n", flush=True)


if __name__ == "__main__":
    main()
