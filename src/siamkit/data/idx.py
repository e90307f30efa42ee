"""Reader for the IDX format of (Fashion-)MNIST: ``*-images-idx3-ubyte[.gz]`` and ``*-labels-idx1-ubyte[.gz]``.

Layout: 2 zero bytes, a type code (``0x08`` = unsigned byte), the number of dimensions ``n``, then ``n``
big-endian uint32 sizes, then the data. Values stay ``uint8``.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import torch

from siamkit.core.errors import DataError

_UBYTE = 0x08


def read_idx(path: str | Path) -> torch.Tensor:
    """Read an IDX file (gzip-compressed if it ends in ``.gz``) as a ``uint8`` tensor of its stored shape."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"IDX file not found: {path}")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as exc:
        raise DataError(f"cannot read {path}: {exc}; the file is damaged, reinstall it") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise DataError(f"{path} is not an IDX file (bad magic number)")
    if raw[2] != _UBYTE:
        raise DataError(f"{path} holds IDX type 0x{raw[2]:02x}; only unsigned bytes (0x08) are supported")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path} is truncated: its header needs {header} bytes, the file has {len(raw)}")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    expected = int(np.prod(shape, dtype=np.int64))
    if len(raw) - header != expected:
        raise DataError(
            f"{path} is truncated or padded: shape {list(shape)} needs {expected} data bytes, "
            f"found {len(raw) - header}; the file is damaged, reinstall it"
        )
    data = np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)
    return torch.from_numpy(data.copy())
