"""The architecture rules of docs/architecture.md hold (import-linter's contracts in
pyproject.toml): scoring and models import nothing of the service, lower service layers never
import higher ones, and routers do not import routers."""

from __future__ import annotations

import pkgutil
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " kept, 0 broken." in result.stdout, result.stdout


def _layered_modules() -> set[str]:
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = settings["tool"]["importlinter"]["contracts"]
    layers = next(c["layers"] for c in contracts if c["type"] == "layers")
    return {name.strip() for layer in layers for name in re.split(r"[|:]", layer)}


def test_every_service_package_is_in_a_layer() -> None:
    layered = _layered_modules()
    unconstrained = [
        f"service.{module.name}"
        for module in pkgutil.iter_modules([str(ROOT / "service")])
        if f"service.{module.name}" not in layered
        and not any(name.startswith(f"service.{module.name}.") for name in layered)
    ]
    assert unconstrained == [], "add these to the layers contract in pyproject.toml"
