"""Logs are JSON lines a collector can read."""

import json
import logging

from readiness.logging import JsonFormatter


def test_it_formats_a_record_as_one_json_line():
    record = logging.makeLogRecord(
        {"name": "readiness", "levelname": "WARNING", "msg": "Júlia %s", "args": ("ok",)}
    )
    record.status_code = 404
    record.request = object()
    line = JsonFormatter().format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["message"] == "Júlia ok"
    assert data["level"] == "WARNING"
    assert data["status_code"] == 404
    assert data["request"].startswith("<object")


def test_it_keeps_the_exception():
    try:
        raise ValueError("bad")
    except ValueError:
        import sys

        record = logging.makeLogRecord({"msg": "failed", "exc_info": sys.exc_info()})
    assert "ValueError: bad" in json.loads(JsonFormatter().format(record))["exception"]
