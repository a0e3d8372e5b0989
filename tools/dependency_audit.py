"""Known vulnerabilities in the locked dependencies: ``python -m tools.dependency_audit``.

pip-audit audits every pin of ``requirements.lock`` against PyPI's per-release vulnerability
data (``/pypi/NAME/VERSION/json``). Where that endpoint is not served (some PyPI mirrors and
proxies answer 404 for it, and pip-audit then skips the package as "not found"), a pin that is
the project's latest release is audited from the project endpoint (``/pypi/NAME/json``), whose
``vulnerabilities`` are those of the latest release: the same records pip-audit reads. Pins
that neither source covers are listed as not audited; ``--strict`` fails on them.

Exit status: 1 when any known vulnerability is found (or, with --strict, any pin is not
audited), else 0. One summary line is printed last.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

PYPI_PROJECT_URL = "https://pypi.org/pypi/{name}/json"


@dataclass
class Audit:
    """What is known about each locked pin."""

    pins: dict[str, str]
    vulnerabilities: dict[str, list[str]] = field(default_factory=dict)
    by_pip_audit: set[str] = field(default_factory=set)
    by_latest_release: set[str] = field(default_factory=set)
    not_audited: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        found = sum(len(ids) for ids in self.vulnerabilities.values())
        return (
            f"dependency audit: {len(self.pins)} locked packages; audited by pip-audit "
            f"{len(self.by_pip_audit)}, from the latest-release record "
            f"{len(self.by_latest_release)}, not audited {len(self.not_audited)}; "
            f"known vulnerabilities: {found}"
        )


def canonical(name: str) -> str:
    """The PEP 503 form of a distribution name (boolean.py and Boolean_Py are one)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonical(name)] = version
    return pins


def run_pip_audit(lock: Path) -> list[dict[str, Any]]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip_audit",
            "--requirement",
            str(lock),
            "--no-deps",
            "--disable-pip",
            "--progress-spinner",
            "off",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 1):  # 1: vulnerabilities found
        sys.exit(f"pip-audit failed:\n{result.stderr}")
    dependencies: list[dict[str, Any]] = json.loads(result.stdout)["dependencies"]
    return dependencies


def latest_release_vulnerabilities(
    client: httpx.Client, name: str, version: str
) -> list[str] | str:
    """Vulnerability ids when ``version`` is the latest release, else why not known."""
    response = client.get(PYPI_PROJECT_URL.format(name=name))
    if response.status_code != 200:
        return f"PyPI answered {response.status_code}"
    project = response.json()
    latest = project["info"]["version"]
    if latest != version:
        return f"locked {version}, latest {latest}: no per-release data here"
    return [v["id"] for v in project.get("vulnerabilities") or [] if not v.get("withdrawn")]


def audit(lock: Path) -> Audit:
    result = Audit(pins=read_lock(lock))
    skipped = []
    for dependency in run_pip_audit(lock):
        name = canonical(dependency["name"])
        if "skip_reason" in dependency:
            skipped.append(name)
            continue
        result.by_pip_audit.add(name)
        if dependency["vulns"]:
            result.vulnerabilities[name] = [v["id"] for v in dependency["vulns"]]
    with httpx.Client(timeout=30, follow_redirects=True) as client:
        for name in skipped:
            outcome = latest_release_vulnerabilities(client, name, result.pins[name])
            if isinstance(outcome, str):
                result.not_audited[name] = outcome
                continue
            result.by_latest_release.add(name)
            if outcome:
                result.vulnerabilities[name] = outcome
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lock", type=Path, nargs="?", default=Path("requirements.lock"))
    parser.add_argument("--strict", action="store_true", help="fail on pins not audited")
    arguments = parser.parse_args()
    result = audit(arguments.lock)
    for name, ids in sorted(result.vulnerabilities.items()):
        print(f"VULNERABLE {name}=={result.pins[name]}: {', '.join(ids)}")
    for name, reason in sorted(result.not_audited.items()):
        print(f"not audited {name}=={result.pins[name]}: {reason}")
    print(result.summary())
    if result.vulnerabilities or (arguments.strict and result.not_audited):
        sys.exit(1)


if __name__ == "__main__":
    main()
