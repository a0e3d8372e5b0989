"""JSON log lines, each carrying the request id; secrets never reach a handler."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from typing import Any

from service.core.request_context import current_client_request_id, current_request_id

# Bearer tokens and our secrets' forms (API keys mk_, session tokens ms_, invitation codes
# mi_) are masked wherever they appear in a message.
_SECRET_PATTERN = re.compile(r"(Bearer\s+)\S+|m[ksi]_[A-Za-z0-9_\-]{20,}", re.IGNORECASE)
_STANDARD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


def redact(text: str) -> str:
    return _SECRET_PATTERN.sub(lambda m: (m.group(1) or "") + "[redacted]", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "request_id": current_request_id(),
            "client_request_id": current_client_request_id(),
            "message": redact(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(level: str) -> None:
    root = logging.getLogger()
    # Other handlers (a test runner's capture, say) stay; ours is added once.
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(level)
    # Our middleware writes one access line per request (without query secrets or headers).
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
