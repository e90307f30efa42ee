"""The ImageNet MobileNetV2 weights classify scikit-image's sample photos sensibly (wrong weights fail this).

Needs the cached file (``make weights``; ``make test`` fetches it); skipped, with the reason, when it is
absent and cannot be fetched.
"""

import pytest
import torch
import torch.nn.functional as F

from siamkit.core.errors import CheckpointError
from siamkit.nn.encoders import MobileNetV2, load_weights
from siamkit.nn.encoders.weights import WEIGHTS, fetch, sha256_of, weights_path

skimage_data = pytest.importorskip("skimage.data", reason="scikit-image (the dev extra) provides the sample photos")

CATS = set(range(281, 286))  # tabby, tiger cat, Persian, Siamese, Egyptian cat
COFFEE = {967, 968, 504}  # espresso, cup, coffee mug


@pytest.fixture(scope="module")
def imagenet_mobilenet() -> MobileNetV2:
    try:
        path = weights_path("mobilenet_v2")
    except CheckpointError:
        try:
            path = fetch("mobilenet_v2")
        except CheckpointError as exc:
            pytest.skip(f"ImageNet MobileNetV2 weights absent and not fetchable: {exc}")
    assert sha256_of(path).startswith("b0353104")  # torchvision's file-name hash prefix
    assert sha256_of(path) == WEIGHTS["mobilenet_v2"].sha256
    net = MobileNetV2(in_channels=3, embedding_dim=1000)
    assert load_weights(net, path) is True  # the full ImageNet classifier
    return net.eval()


def imagenet_view(photo) -> torch.Tensor:
    """An ``[H, W, 3]`` uint8 photo → ``[1, 3, 224, 224]`` in [0, 1]: shorter side to 256, centre 224 crop."""
    x = torch.from_numpy(photo).permute(2, 0, 1).float().div(255).unsqueeze(0)
    h, w = x.shape[2:]
    scale = 256 / min(h, w)
    x = F.interpolate(x, size=(round(h * scale), round(w * scale)), mode="bilinear", antialias=True)
    top, left = (x.shape[2] - 224) // 2, (x.shape[3] - 224) // 2
    return x[:, :, top : top + 224, left : left + 224]


@pytest.mark.parametrize("photo, classes", [("chelsea", CATS), ("coffee", COFFEE)])
def test_sample_photos_get_their_imagenet_class(imagenet_mobilenet, photo, classes):
    with torch.no_grad():
        logits = imagenet_mobilenet(imagenet_view(getattr(skimage_data, photo)()))
    top5 = logits.topk(5).indices[0].tolist()
    assert top5[0] in classes, top5  # the best guess, not only the top 5
    assert logits.softmax(1)[0, top5[0]] > 0.5


def test_grayscale_photo_still_reads_as_a_cat(imagenet_mobilenet):
    gray = imagenet_view(skimage_data.chelsea()).mean(dim=1, keepdim=True)  # [1, 1, 224, 224], repeated inside
    with torch.no_grad():
        top5 = imagenet_mobilenet(gray).topk(5).indices[0].tolist()
    assert CATS & set(top5), top5
