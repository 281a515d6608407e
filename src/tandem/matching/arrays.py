"""The engine's array type aliases: a leaf module, so that every engine module can name them
without importing the modules that compute with them."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
Float32Array = NDArray[np.float32]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
Embedder = Callable[[Sequence[str]], NDArray[np.float32]]
