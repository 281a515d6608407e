"""The matching package never imports Django (it must run stand-alone)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import tandem.matching


def test_no_module_imports_django() -> None:
    modules = [
        f"tandem.matching.{info.name}" for info in pkgutil.iter_modules(tandem.matching.__path__)
    ]
    assert "tandem.matching.engine" in modules
    assert "tandem.matching.cli" in modules
    src = Path(tandem.matching.__file__).resolve().parents[2]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "assert not bad, bad\n"
        "print('ok')\n"
    )
    env_path = f"{src}"
    completed = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": env_path, "PATH": ""},
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "ok"
