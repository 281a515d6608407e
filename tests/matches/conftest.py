"""Every matches test runs as a web process does once its kernels are loaded (the tests of the
guard against compiling in a request take them away again)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _kernels_loaded(matching_kernels: None) -> None:
    return None
