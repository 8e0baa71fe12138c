"""Notification sinks: log files, AI Maestro messages and chat webhooks."""

from notify.aimaestro import build_message, send_aimaestro
from notify.chat import build_chat_body, send_chat
from notify.errors import SinkError
from notify.logfile import awrite_event_log, build_log_document, log_file_name, write_event_log

__all__ = [
    "SinkError",
    "awrite_event_log",
    "build_chat_body",
    "build_log_document",
    "build_message",
    "log_file_name",
    "send_aimaestro",
    "send_chat",
    "write_event_log",
]
