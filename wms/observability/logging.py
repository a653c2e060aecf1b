"""Log lines as text or JSON (KAERU_LOG_FORMAT), each with the trace and span id of its request.

`log_config(settings)` is a logging.dictConfig for the server (given to uvicorn, so its own error and
access logs come out the same way) and for `kaeru relay`. A line logged outside any traced operation
has empty ids.
"""

from __future__ import annotations

import logging
import logging.config
from typing import Any

from opentelemetry import trace

from kaeru_config.settings import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [trace_id=%(trace_id)s span_id=%(span_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(trace_id)s %(span_id)s %(process)d"


class TraceContext(logging.Filter):
    """Adds `trace_id` and `span_id` (hex, as trace back ends show them; "" outside a trace) to a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            record.trace_id = format(context.trace_id, "032x")
            record.span_id = format(context.span_id, "016x")
        else:
            record.trace_id = record.span_id = ""
        return True


def log_config(settings: Settings) -> dict[str, Any]:
    if settings.log_format == "json":
        formatter: dict[str, Any] = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "timestamp": False,
        }
    else:
        formatter = {"format": TEXT_FORMAT}
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "kaeru",
        "filters": ["trace"],
        "stream": "ext://sys.stderr",
    }
    level = settings.log_level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"trace": {"()": TraceContext}},
        "formatters": {"kaeru": formatter},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            # uvicorn's loggers write through the same handler instead of their own.
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": level, "propagate": True},
        },
    }


def configure_logging(settings: Settings) -> None:
    logging.config.dictConfig(log_config(settings))
