"""Every log line the suite emits, searched for API keys and key hashes at the end.

In-process, a handler on the root logger keeps each record as the service's JSON formatter
writes it (the service's only log output; a test may log a key on purpose to check that the
formatter masks it). Servers that tests
start in other processes write their stdout and stderr to ``*.log`` files under pytest's
temporary directory; those files are read at the end of the session. Known secrets are the
admin keys and passwords tests register and every key, session token and invitation code the
service issued in-process; a key also shows by its form (``mk_...``, ``ms_...``, ``mi_...``)
and a hash by its form (64 hex digits), whoever made it.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from service.core.logging_setup import JsonFormatter

# API keys (mk_), session tokens (ms_) and invitation codes (mi_).
API_KEY_FORM = re.compile(r"m[ksi]_[A-Za-z0-9_\-]{20,}")
HASH_FORM = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])")


@dataclass
class Leak:
    where: str
    what: str


@dataclass
class SecretWatch(logging.Handler):
    """Collects log lines and the secrets that must never appear in them."""

    lines: list[str] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)
    server_log_lines: int = 0
    server_log_files: int = 0

    def __post_init__(self) -> None:
        logging.Handler.__init__(self)
        self._json = JsonFormatter()

    def __hash__(self) -> int:
        return id(self)

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self._json.format(record))

    def remember(self, secret: str) -> None:
        self.secrets.add(secret)

    def recording(self, generate_key: Callable[[], str]) -> Callable[[], str]:
        """``generate_key``, also remembering every key it issues."""

        def generate_and_remember() -> str:
            api_key = generate_key()
            self.remember(api_key)
            return api_key

        return generate_and_remember

    def read_server_logs(self, directory: Path) -> list[str]:
        lines: list[str] = []
        for path in sorted(directory.rglob("*.log")):
            text = path.read_text(encoding="utf-8", errors="replace").splitlines()
            self.server_log_files += 1
            self.server_log_lines += len(text)
            lines.extend(f"{path.name}: {line}" for line in text)
        return lines

    def leaks(self, lines: Iterable[str]) -> tuple[list[Leak], list[Leak]]:
        """(API keys found, key hashes found) in ``lines``."""
        secrets = {s for s in self.secrets if s}
        hashes = {hashlib.sha256(s.encode()).hexdigest() for s in secrets}
        keys: list[Leak] = []
        key_hashes: list[Leak] = []
        for line in lines:
            found = set(API_KEY_FORM.findall(line)) | {s for s in secrets if s in line}
            keys.extend(Leak(line[:200], key[:8] + "...") for key in found)
            for candidate in HASH_FORM.findall(line):
                known = "known key" if candidate.lower() in hashes else "64 hex digits"
                key_hashes.append(Leak(line[:200], f"{candidate[:8]}... ({known})"))
        return keys, key_hashes


# The session's watch (tests/conftest.py installs it); live servers register their admin keys.
SESSION_WATCH = SecretWatch()


def remember_secret(secret: str) -> None:
    """Have the session's log search look for ``secret`` (a key made up outside the service)."""
    SESSION_WATCH.remember(secret)
