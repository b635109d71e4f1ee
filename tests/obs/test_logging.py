"""Secrets never reach the log output."""

from __future__ import annotations

import io
import json

import structlog

from obs import REDACTED, Redactor, configure_logging


def _capture(redactor: Redactor | None = None) -> tuple[io.StringIO, Redactor]:
    out = io.StringIO()
    r = configure_logging("test", json=True, stream=out, redactor=redactor)
    return out, r


def test_keys_named_like_secrets_are_masked_at_any_depth() -> None:
    out, _ = _capture()
    structlog.get_logger().info(
        "connect",
        api_secret="s3cr3t-value",
        password="pw-123456",
        nested={"token": "tok-abcdef", "ok": 1},
        api_key="public-key-id",
    )
    line = json.loads(out.getvalue().splitlines()[-1])
    assert line["api_secret"] == REDACTED
    assert line["password"] == REDACTED
    assert line["nested"] == {"token": REDACTED, "ok": 1}
    assert line["api_key"] == "public-key-id"
    assert line["service"] == "test"
    for secret in ("s3cr3t-value", "pw-123456", "tok-abcdef"):
        assert secret not in out.getvalue()


def test_registered_secret_values_are_masked_inside_any_string() -> None:
    out, redactor = _capture()
    redactor.add("XyZ-very-secret-42")
    structlog.get_logger().warning(
        "request_failed", url="https://x/?sign=XyZ-very-secret-42&a=1", items=["XyZ-very-secret-42"]
    )
    text = out.getvalue()
    assert "XyZ-very-secret-42" not in text
    assert "sign=***&a=1" in text


def test_exception_text_is_redacted_too() -> None:
    out, redactor = _capture()
    redactor.add("hunter2hunter2")
    try:
        raise RuntimeError("auth failed for secret hunter2hunter2")
    except RuntimeError:
        structlog.get_logger().exception("boom")
    assert "hunter2hunter2" not in out.getvalue()
