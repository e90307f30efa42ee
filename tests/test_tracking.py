"""siamkit.tracking: encoder, cross-correlation, loss labels, metrics, loader errors, trackers, CLI."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from siamkit.cli import run
from siamkit.core.errors import ConfigError, DataError, LabelError
from siamkit.data.images import save_image
from siamkit.deploy.checkpoint import load, save_checkpoint
from siamkit.tracking import (
    FCNet,
    FrameFolder,
    NCCTracker,
    SiamFC,
    SiamFCLoss,
    SiamFCTracker,
    StaticTracker,
    SyntheticVideo,
    VideoConfig,
    center_error,
    evaluate_boxes,
    iou,
    load_sequence,
    precision_at,
    read_boxes,
    score_labels,
    success_auc,
    success_curve,
    track,
    write_boxes,
    xcorr,
)
from siamkit.tracking.crops import crop_resize
from siamkit.tracking.training import TrackingPairs, fit_tracker
from siamkit.training.config import TrainConfig

SMALL_VIDEO = VideoConfig(height=96, width=128, length=8, target_size=(16, 24), scale_change=1.2, background_shapes=3)


def test_encoder_shapes_and_translation_equivariance():
    torch.manual_seed(0)
    enc = FCNet().eval()
    assert enc(torch.zeros(1, 3, 127, 127)).shape == (1, 32, enc.output_size(127), enc.output_size(127))
    assert enc(torch.zeros(2, 3, 255, 255)).shape[-1] == enc.output_size(255) == 23
    x = torch.rand(1, 3, 160, 160)
    shift = enc.total_stride
    with torch.no_grad():
        whole, shifted = enc(x), enc(x[..., shift:, shift:])
    # no padding: shifting the input by one stride shifts the map by one cell, exactly
    torch.testing.assert_close(whole[..., 1:, 1:], shifted[..., : whole.shape[-2] - 1, : whole.shape[-1] - 1])


def test_xcorr_equals_naive_per_sample_conv2d_loop():
    g = torch.Generator().manual_seed(0)
    exemplar = torch.randn(3, 5, 4, 6, generator=g, dtype=torch.float64)
    search = torch.randn(6, 5, 11, 13, generator=g, dtype=torch.float64)  # 2 search maps per exemplar
    got = xcorr(exemplar, search)
    naive = torch.cat([F.conv2d(search[i : i + 1], exemplar[i // 2 : i // 2 + 1]) for i in range(6)])
    assert got.shape == (6, 1, 8, 8)
    assert (got - naive).abs().max() < 1e-6
    got32 = xcorr(exemplar.float(), search.float())
    assert (got32.double() - naive).abs().max() < 1e-4 * naive.abs().max()


def test_xcorr_rejects_mismatched_inputs():
    with pytest.raises(DataError, match="channels must match"):
        xcorr(torch.zeros(2, 4, 3, 3), torch.zeros(3, 4, 9, 9))


def test_score_labels_positive_radius():
    labels = score_labels((17, 17), radius=16, total_stride=8)
    assert labels[8, 8] == 1 and labels[8, 10] == 1 and labels[8, 11] == 0 and labels[0, 0] == 0
    assert labels.sum() == 13  # cells within 2 cells of the centre: 1 + 4 + 4 + 4
    assert score_labels((17, 17), radius=0, total_stride=8).sum() == 1
    with pytest.raises(ConfigError):
        score_labels((5, 5), radius=-1, total_stride=8)


def test_siamfc_loss_prefers_a_peak_at_the_centre():
    loss = SiamFCLoss(radius=16, total_stride=8)
    centre = score_labels((17, 17), 16, 8)
    right = (centre * 10 - 5).view(1, 1, 17, 17)
    wrong = torch.roll(right, shifts=(5, 5), dims=(-2, -1))
    y = torch.ones(1)
    assert float(loss(right, y)) < 0.01 < float(loss(wrong, y))
    # a different-target pair (label 0): every cell is negative, so an all-low map is right
    assert float(loss(torch.full((1, 1, 17, 17), -10.0), torch.zeros(1))) < 1e-3
    with pytest.raises(LabelError):
        loss(right, torch.tensor([2.0]))


def test_iou_centre_error_success_and_precision_on_hand_made_boxes():
    truth = torch.tensor([[0.0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10]])
    pred = torch.tensor([[0.0, 0, 10, 10], [5, 0, 10, 10], [0, 0, 5, 10], [30, 30, 10, 10]])
    overlaps = iou(pred, truth)
    torch.testing.assert_close(overlaps, torch.tensor([1.0, 50 / 150, 0.5, 0.0]))
    torch.testing.assert_close(center_error(pred, truth), torch.tensor([0.0, 5.0, 2.5, 30 * 2**0.5]))
    curve = success_curve(overlaps)
    assert curve[0] == 0.75 and curve[-1] == 0.0  # IoU > 0: three frames; IoU > 1: none
    # AUC = mean over thresholds 0, .05, …, 1 of the fraction of frames above them
    expected = sum((overlaps > t / 20).float().mean() for t in range(21)) / 21
    assert success_auc(overlaps) == pytest.approx(float(expected))
    assert precision_at(center_error(pred, truth), 20) == 0.75
    metrics = evaluate_boxes([pred], [truth])  # the first frame (given) is left out
    assert metrics["frames"] == 3 and metrics["precision_20px"] == pytest.approx(2 / 3)


def test_crop_resize_pads_with_the_frame_mean_outside_the_frame():
    frame = torch.rand(3, 20, 30)
    crop = crop_resize(frame, torch.tensor([[-50.0, -50.0]]), torch.tensor([[10.0, 10.0]]), (4, 4))
    torch.testing.assert_close(crop[0], frame.mean(dim=(1, 2), keepdim=True).expand(3, 4, 4))


def test_synthetic_video_is_seeded_and_boxes_are_exact():
    a, b = SyntheticVideo(3, SMALL_VIDEO), SyntheticVideo(3, SMALL_VIDEO)
    frames, boxes = a.render(torch.tensor([0, 5]))
    frames2, boxes2 = b.render(torch.tensor([0, 5]))
    assert torch.equal(frames, frames2) and torch.equal(boxes, boxes2)
    assert not torch.equal(SyntheticVideo(4, SMALL_VIDEO).render(torch.tensor([0]))[0], frames[:1])
    assert frames.shape == (2, 3, 96, 128) and 0 <= frames.min() and frames.max() <= 1
    # the box is the target's own extent: draw a white target on black; frame ≤ alpha, and where
    # alpha > 0.5 the frame is > 0.25, so the box must hold every pixel > 0.5 and touch one > 0.25 per side
    video = SyntheticVideo(3, VideoConfig(**{**SMALL_VIDEO.__dict__, "occlusion": False, "distractors": 0}))
    video.background = torch.zeros_like(video.background)
    video.target.sprite[:3] = 1.0
    for t in range(len(video)):
        frame, (box,) = video.render(torch.tensor([t]))
        x, y, w, h = (int(v) for v in box.tolist())
        bright = frame[0, 0] > 0.5
        inside = torch.zeros_like(bright)
        inside[y : y + h, x : x + w] = True
        assert bright.any() and not (bright & ~inside).any()
        lit = frame[0, 0] > 0.25
        assert lit[y].any() and lit[y + h - 1].any() and lit[:, x].any() and lit[:, x + w - 1].any()


def _small_clip(seed: int = 1):
    return SyntheticVideo(seed, SMALL_VIDEO).sequence()


def test_ncc_tracker_follows_an_exactly_translated_texture():
    g = torch.Generator().manual_seed(0)
    scene = torch.rand(3, 120, 160, generator=g)
    shifts = [(0, 0), (3, -2), (7, -4), (10, -1), (12, 3)]
    frames = torch.stack([torch.roll(scene, shifts=(dy, dx), dims=(1, 2)) for dx, dy in shifts])
    start = torch.tensor([60.0, 50.0, 20.0, 16.0])
    truth = torch.stack([start + torch.tensor([dx, dy, 0.0, 0.0]) for dx, dy in shifts])
    boxes = track(NCCTracker(), frames, start)
    torch.testing.assert_close(boxes, truth)
    assert torch.equal(track(StaticTracker(), frames, start), start.expand(5, 4))


def test_siamfc_tracker_runs_on_a_short_clip_and_checks_its_inputs():
    torch.manual_seed(0)
    clip = _small_clip()
    boxes = track(SiamFCTracker(SiamFC()), clip.frames, clip.boxes[0])
    assert boxes.shape == (len(clip), 4) and torch.equal(boxes[0], clip.boxes[0]) and torch.isfinite(boxes).all()
    centres = boxes[:, :2] + boxes[:, 2:] / 2
    assert (centres >= 0).all() and (centres[:, 0] <= 128).all() and (centres[:, 1] <= 96).all()
    with pytest.raises(DataError, match="w, h > 0"):
        track(SiamFCTracker(SiamFC()), clip.frames, torch.tensor([1.0, 1, 0, 5]))
    with pytest.raises(ConfigError, match="SiamFC model"):
        SiamFCTracker(torch.nn.Linear(2, 2))


def test_fit_tracker_trains_and_checkpoint_rebuilds_siamfc(tmp_path):
    pairs = TrackingPairs(8, videos=2, max_gap=4, video_config=SMALL_VIDEO)
    exemplar, search, y = pairs[0]
    assert exemplar.shape == (3, 127, 127) and search.shape == (3, 255, 255) and y == 1
    assert torch.equal(pairs[3][1], TrackingPairs(8, 2, max_gap=4, video_config=SMALL_VIDEO)[3][1])
    result = fit_tracker(SiamFC(), pairs, config=TrainConfig(epochs=1, batch_size=4, progress=False))
    assert len(result.history) == 1 and result.history[0]["train_loss"] > 0
    save_checkpoint(tmp_path / "t.ckpt", result.model)
    rebuilt = load(tmp_path / "t.ckpt")
    assert isinstance(rebuilt, SiamFC)
    with torch.no_grad():
        torch.testing.assert_close(rebuilt(exemplar[None], search[None]), result.model(exemplar[None], search[None]))


def test_siamkit_load_rebuilds_siamfc_in_a_fresh_interpreter(tmp_path):
    import subprocess
    import sys

    save_checkpoint(tmp_path / "t.ckpt", SiamFC())
    code = f"import siamkit; print(type(siamkit.load({str(tmp_path / 't.ckpt')!r})).__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "SiamFC"


def _write_video(folder, clip):
    folder.mkdir()
    for i, frame in enumerate(clip.frames):
        save_image(frame, folder / f"img{i + 1}.png")  # img10 must sort after img9


def test_frame_folder_and_box_file_round_trip_and_errors(tmp_path):
    clip = _small_clip()
    _write_video(tmp_path / "v", clip)
    write_boxes(tmp_path / "gt.txt", clip.boxes)
    seq = load_sequence(tmp_path / "v", tmp_path / "gt.txt")
    assert len(seq) == len(clip) and torch.equal(seq.boxes, clip.boxes)
    assert (seq.frames - clip.frames).abs().max() <= 1 / 255 + 1e-6
    assert [p.name for p in FrameFolder(tmp_path / "v").paths][:2] == ["img1.png", "img2.png"]
    (tmp_path / "tabs.txt").write_text("1\t2\t3\t4\n\n5 6 7 8\n")
    assert read_boxes(tmp_path / "tabs.txt").tolist() == [[1, 2, 3, 4], [5, 6, 7, 8]]

    with pytest.raises(DataError, match="frames folder not found"):
        FrameFolder(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no frame images"):
        FrameFolder(tmp_path / "empty")
    (tmp_path / "bad.txt").write_text("1,2,3,4\n1,2,three,4\n")
    with pytest.raises(DataError, match="line 2: expected four numbers"):
        read_boxes(tmp_path / "bad.txt")
    (tmp_path / "zero.txt").write_text("1,2,0,4\n")
    with pytest.raises(DataError, match="width and height must be > 0"):
        read_boxes(tmp_path / "zero.txt")
    write_boxes(tmp_path / "short.txt", clip.boxes[:3])
    with pytest.raises(DataError, match="3 boxes but .* 8 frames"):
        load_sequence(tmp_path / "v", tmp_path / "short.txt")
    save_image(torch.zeros(3, 10, 10), tmp_path / "v" / "img2.png")
    with pytest.raises(DataError, match="must have one size"):
        load_sequence(tmp_path / "v", tmp_path / "gt.txt")


def test_cli_track_writes_boxes_metrics_and_strip(tmp_path, capsys):
    torch.manual_seed(0)
    save_checkpoint(tmp_path / "m.ckpt", SiamFC())
    clip = _small_clip()
    _write_video(tmp_path / "v", clip)
    write_boxes(tmp_path / "gt.txt", clip.boxes)
    init = ",".join(str(int(v)) for v in clip.boxes[0].tolist())
    args = ["track", str(tmp_path / "m.ckpt"), "--frames", str(tmp_path / "v"), "--init", init]
    code = run(args + ["--out", str(tmp_path / "out.csv"), "--boxes", str(tmp_path / "gt.txt"), "--strip", str(tmp_path / "s.png")])
    assert code == 0
    assert read_boxes(tmp_path / "out.csv").shape == (len(clip), 4)
    assert "success AUC" in capsys.readouterr().out and (tmp_path / "s.png").stat().st_size > 0
    assert run(args[:-1] + ["1,2,3", "--out", str(tmp_path / "o.csv")]) == 2
    assert "expected four numbers" in capsys.readouterr().err
    assert run(["track", str(tmp_path / "m.ckpt"), "--frames", str(tmp_path / "nope"), "--init", init, "--out", "o.csv"]) == 2
