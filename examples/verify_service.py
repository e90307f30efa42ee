"""From training to an HTTP service: train, calibrate, enrol the test set, then verify and search over HTTP.

1. Train a LeNet Siamese net (contrastive loss) on real MNIST and calibrate its threshold on
   validation pairs; save a checkpoint that carries the threshold and the input shape.
2. Enrol every test image into a gallery (a FAISS index + metadata, saved atomically).
3. Start the service (FastAPI + uvicorn) on a free local port.
4. Through HTTP: ``POST /verify`` on image pairs of the validation split (never enrolled) and
   ``POST /search`` with validation images as queries; report accuracy of both.
5. Stop the service.

    python examples/verify_service.py [--quick] [--out runs/examples/verify_service]
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import httpx
import torch
from PIL import Image

from siamkit import (
    ContrastiveLoss,
    DistanceHead,
    Gallery,
    LeNet,
    PairDataset,
    SiameseNet,
    TrainConfig,
    calibrate_threshold,
    embed_items,
    fit,
    mnist,
    pair_scores,
    save_checkpoint,
    stratified_split,
)
from siamkit.deploy.gallery import model_hash
from siamkit.deploy.service import create_app
from siamkit.deploy.service.runner import serve_in_thread


def png(image: torch.Tensor) -> bytes:
    """One image ``[1, H, W]`` in [0, 1] as PNG bytes: what a client uploads."""
    buffer = io.BytesIO()
    Image.fromarray((image[0] * 255).round().byte().numpy()).save(buffer, format="PNG")
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few hundred images, one epoch (seconds)")
    parser.add_argument("--out", type=Path, default=Path("runs/examples/verify_service"))
    args = parser.parse_args(argv)
    per_class, epochs, train_pairs, requests = (30, 1, 400, 20) if args.quick else (300, 2, 3000, 200)

    # 1. train and calibrate
    data = mnist()
    data = data.subset(torch.cat([torch.nonzero(data.y == c).flatten()[:per_class] for c in range(10)]))
    train, val, test = (data.subset(i) for i in stratified_split(data.y, (0.6, 0.2, 0.2), seed=0))
    torch.manual_seed(0)
    model = SiameseNet(LeNet(in_channels=1, embedding_dim=32), DistanceHead("euclidean"))
    val_pairs = PairDataset(val, 1000, seed=1)
    fit(model, ContrastiveLoss(margin=1.0), PairDataset(train, train_pairs, seed=0), val_pairs,
        TrainConfig(epochs=epochs, batch_size=64, progress=False))
    threshold = calibrate_threshold(*pair_scores(model, val_pairs), model.score_kind)
    args.out.mkdir(parents=True, exist_ok=True)
    checkpoint = args.out / "model.ckpt"
    save_checkpoint(checkpoint, model, {"threshold": threshold, "score_kind": model.score_kind, "input_shape": [1, 28, 28]})

    # 2. enrol the test set
    gallery = Gallery(dim=32, model_hash=model_hash(model), metric="l2")
    gallery.add_many([f"test-{i}" for i in range(len(test))], [str(int(c)) for c in test.y], embed_items(model, test.x))
    gallery.save(args.out / "gallery")
    print(f"enrolled {len(gallery)} test images; threshold d < {threshold:.3f}")

    # 3. start the service, 4. verify and search over HTTP, 5. stop the service (when the block ends)
    with serve_in_thread(create_app(checkpoint, args.out / "gallery")) as base:
        with httpx.Client(base_url=base, timeout=30) as client:
            print("GET /health:", client.get("/health").json())
            x1, x2, y = PairDataset(val, requests, seed=7)[torch.arange(requests)]
            correct = 0
            for a, b, label in zip(x1, x2, y):
                answer = client.post("/verify", files={"image1": png(a), "image2": png(b)}).raise_for_status().json()
                correct += answer["same"] == bool(label)
            verify_accuracy = correct / requests
            hits = 0
            for image, digit in zip(val.x[:requests], val.y[:requests]):
                matches = client.post("/search", files={"image": png(image)}, data={"k": "1"}).raise_for_status().json()["matches"]
                hits += matches[0]["label"] == str(int(digit))
            search_accuracy = hits / requests
    print(f"POST /verify on {requests} validation pairs: accuracy {verify_accuracy:.3f}")
    print(f"POST /search with {requests} validation images: top-1 label accuracy {search_accuracy:.3f}")
    print("service stopped")
    return {"verify_accuracy": verify_accuracy, "search_top1_accuracy": search_accuracy, "threshold": threshold}


if __name__ == "__main__":
    main()
