"""Using a trained model: ``verify`` two inputs, ``enroll`` / ``search`` a gallery, ``serve`` the API,
``export`` to ONNX."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from siamkit.cli.options import (
    checkpoint_argument,
    echo_json,
    gallery_option,
    image_checkpoint,
    json_option,
    resize_option,
)
from siamkit.core.errors import DataError


def verify(
    checkpoint: Path = checkpoint_argument(),
    image1: Optional[Path] = typer.Argument(None, help="First image file."),
    image2: Optional[Path] = typer.Argument(None, help="Second image file."),
    resize: bool = resize_option(),
    as_json: bool = json_option("Print the result as JSON."),
    text: Optional[list[str]] = typer.Option(None, "--text", help="A text to compare (give --text twice, no images)."),
) -> None:
    """Decide whether two images (or two --text strings) show the same thing, at the checkpoint's calibrated threshold."""
    from siamkit.deploy.verify import verify_files, verify_texts

    if text:
        if len(text) != 2 or image1 is not None:
            raise DataError("give exactly two --text options and no image files")
        result = verify_texts(checkpoint, text[0], text[1])
    elif image1 is None or image2 is None:
        raise DataError("give two image files, or two --text options for a text model")
    else:
        result = verify_files(checkpoint, image1, image2, resize=resize)
    if as_json:
        echo_json(result)
    else:
        decision = "SAME" if result["same"] else "DIFFERENT"
        typer.echo(
            f"{decision}: {result['score_kind']} {result['score']:.4f} "
            f"(threshold {result['threshold']:.4f}; same if {result['rule']})"
        )


def _gallery_images(paths: list[Path], label: Optional[str]) -> tuple[list[str], list[str], list[Path]]:
    """(ids, labels, files) to enrol: files take ``label``; folders are root/<label>/<image> (id label/file)."""
    from siamkit.data.images import IMAGE_SUFFIXES

    ids, labels, files = [], [], []
    for path in paths:
        if path.is_dir():
            for file in sorted(path.glob("*/*")):
                if file.suffix.lower() in IMAGE_SUFFIXES:
                    ids.append(f"{file.parent.name}/{file.name}")
                    labels.append(file.parent.name)
                    files.append(file)
        elif label is None:
            raise DataError(f"{path} is a single image: give its --label (folders use their sub-folder names)")
        else:
            ids.append(path.name)
            labels.append(label)
            files.append(path)
    if not files:
        raise DataError("no images found; give image files with --label, or folders laid out as root/<label>/<image>")
    return ids, labels, files


def enroll(
    checkpoint: Path = checkpoint_argument(),
    images: Optional[list[Path]] = typer.Argument(None, help="Image files (with --label) or folders root/<label>/<image>."),
    gallery: Path = gallery_option(),
    label: Optional[str] = typer.Option(None, help="Label of the image files (ids are the file names) or texts given."),
    resize: bool = resize_option(),
    metric: Optional[str] = typer.Option(None, help="New gallery only: l2 or ip (default: from the model's head)."),
    index: str = typer.Option("flat", help="New gallery only: flat (exact), ivf or hnsw."),
    text: Optional[list[str]] = typer.Option(None, "--text", help="A text to enrol (text model; repeat; id = the text)."),
) -> None:
    """Add images (or --text strings) to a gallery: embed them with the checkpoint's encoder and save the gallery atomically."""
    if text:
        if images or label is None:
            raise DataError("give --text strings with their --label, and no image files")
        engine = _engine(checkpoint, gallery, True, metric=metric, index=index)
        count = engine.enroll_many(list(text), [label] * len(text), list(text))
        typer.echo(f"enrolled {len(text)} texts; {gallery} now holds {count} items")
        return
    ids, labels, files = _gallery_images(images or [], label)
    engine = _engine(checkpoint, gallery, False, metric=metric, index=index)
    count = engine.enroll_many(ids, labels, files, resize=resize)
    typer.echo(f"enrolled {len(files)} images; {gallery} now holds {count} items")


def _engine(checkpoint: Path, gallery: Path, texts: bool, **kwargs):
    """The engine of ``checkpoint`` and ``gallery``, for a text model when ``texts`` (else an image model)."""
    from siamkit.deploy.checkpoint import load_checkpoint
    from siamkit.deploy.service.engine import Engine

    if not texts:
        return Engine(image_checkpoint(checkpoint), gallery, **kwargs)
    engine = Engine(load_checkpoint(checkpoint), gallery, **kwargs)
    if engine.input_kind != "text":
        raise DataError(f"{checkpoint} holds an image model; --text needs a text model (give image files instead)")
    return engine


def search(
    checkpoint: Path = checkpoint_argument("The model.ckpt the gallery was built with."),
    image: Optional[Path] = typer.Argument(None, help="Image to look up."),
    gallery: Path = gallery_option("Gallery folder written by `siamkit enroll`."),
    k: int = typer.Option(5, "-k", "--top", min=1, help="Number of matches."),
    resize: bool = resize_option("Resize the image to the model's input size."),
    as_json: bool = json_option("Print matches as JSON."),
    text: Optional[str] = typer.Option(None, "--text", help="A text to look up (text model), instead of an image."),
) -> None:
    """The gallery items nearest to IMAGE (or --text), with the model's score and same/different decision."""
    from siamkit.deploy.gallery import Gallery, GalleryError

    if (image is None) == (text is None):
        raise DataError("give one image to look up, or one --text for a text model")
    if not Gallery.exists(gallery):
        raise GalleryError(f"no gallery in {gallery}; create one with `siamkit enroll`")
    engine = _engine(checkpoint, gallery, text is not None)
    matches = engine.search(text if text is not None else image, k, resize)
    if as_json:
        echo_json(matches)
        return
    for rank, m in enumerate(matches, 1):
        typer.echo(f"{rank}. {m['id']}  label={m['label']}  score={m['score']:.4f}  {'SAME' if m['same'] else 'different'}")


def serve(
    checkpoint: Path = checkpoint_argument(),
    gallery: Path = gallery_option(),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="TCP port."),
    max_upload_mb: float = typer.Option(10.0, min=0.001, help="Largest accepted image upload, in MB."),
    onnx: Optional[Path] = typer.Option(None, "--onnx", help="Embed with onnxruntime from this `siamkit export` file."),
) -> None:
    """Serve the verify / embed / enroll / search API, its docs (/docs) and a web page (/) with uvicorn.

    A text model takes the form fields text1 / text2 (verify) and text (embed, enroll, search) instead of images."""
    import uvicorn

    from siamkit.deploy.service.app import create_app

    application = create_app(checkpoint, gallery, max_upload_bytes=int(max_upload_mb * 1024 * 1024), onnx=onnx)
    typer.echo(f"siamkit serving on http://{host}:{port}/ (API docs at /docs)")
    uvicorn.run(application, host=host, port=port, log_level="warning")


def export(
    checkpoint: Path = checkpoint_argument(),
    onnx: Path = typer.Option(..., "--onnx", help="Output ONNX file of the encoder; the head goes beside it."),
    opset: int = typer.Option(17, help="ONNX opset version."),
    check: bool = typer.Option(True, help="Compare onnxruntime with PyTorch on random inputs."),
) -> None:
    """Export the encoder (and pair head) to ONNX with a dynamic batch axis; print the parity check.

    A transformer text model exports whole (token ids → pooled, normalized embedding; batch and token axes
    dynamic) with its tokenizer.json beside."""
    from siamkit.deploy.checkpoint import load_checkpoint
    from siamkit.deploy.export import export_onnx, export_text_onnx
    from siamkit.nn.encoders.transformer import TransformerTextEncoder

    loaded = load_checkpoint(checkpoint)
    if isinstance(getattr(loaded.model, "encoder", None), TransformerTextEncoder):
        result = export_text_onnx(loaded.model, onnx, opset=opset, check=check)
    else:
        loaded = image_checkpoint(checkpoint)
        result = export_onnx(loaded.model, loaded.input_shape, onnx, opset=opset, check=check)
    for part, path in result.files.items():
        line = f"{part}: {path}"
        if part in result.max_abs_diff:
            line += f"  (max |onnxruntime − torch| = {result.max_abs_diff[part]:.3g})"
        typer.echo(line)
