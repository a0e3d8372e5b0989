"""The secret watch itself: it finds a key and a key hash wherever a log line carries them."""

from __future__ import annotations

import hashlib
import logging
import tempfile
from pathlib import Path

from service.core.logging_setup import JsonFormatter
from service.http.auth import generate_api_key, generate_session_token
from service.users.service import generate_invitation_code
from tests.support.secret_watch import SecretWatch


def test_the_watch_finds_keys_and_hashes_in_records_and_server_logs() -> None:
    watch = SecretWatch()
    issued, admin = generate_api_key(), "an-admin-key-of-any-form-0123456789"
    watch.remember(admin)
    assert watch.recording(lambda: issued)() == issued
    key_hash = hashlib.sha256(issued.encode()).hexdigest()
    # Kept from the session's own watch, which would rightly fail the run on these lines.
    logger = logging.getLogger("matchmaker.test.secret_watch")
    logger.propagate = False
    logger.addHandler(watch)
    try:
        logger.warning("clean line")
        logger.warning("presented %s", issued)  # the JSON formatter masks it
        logger.warning("stored", extra={"key_hash": key_hash})
    finally:
        logger.removeHandler(watch)
    with tempfile.TemporaryDirectory() as elsewhere:
        (Path(elsewhere) / "nested").mkdir()
        (Path(elsewhere) / "nested" / "server.log").write_text(f"ok\nadmin {admin}\n")
        server_lines = watch.read_server_logs(Path(elsewhere))

    keys, hashes = watch.leaks(watch.lines + server_lines)

    assert len(keys) == 1  # the server log line; the record's key was masked
    assert [leak.what.endswith("(known key)") for leak in hashes] == [True]
    assert (watch.server_log_files, watch.server_log_lines) == (1, 2)


def test_clean_lines_have_no_leaks() -> None:
    watch = SecretWatch()
    watch.remember(generate_api_key())
    request_id = "3c05d02f37ba4b6daff22bdeb5d29507"

    assert watch.leaks([f'{{"request_id": "{request_id}", "status": 401}}']) == ([], [])


def test_the_watch_finds_session_tokens_invitation_codes_and_passwords() -> None:
    watch = SecretWatch()
    token, code = generate_session_token(), generate_invitation_code()
    password = "a password no form gives away"
    watch.remember(password)
    lines = [f"token {token}", f"code {code}", f"typed {password}", "clean"]

    keys, hashes = watch.leaks(lines)

    assert len(keys) == 3
    assert hashes == []
    masked = JsonFormatter().format(
        logging.LogRecord("x", logging.INFO, __file__, 1, "%s %s", (token, code), None)
    )
    assert token not in masked
    assert code not in masked
