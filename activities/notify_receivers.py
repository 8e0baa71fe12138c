"""Which receiver a sink activity sends for, and the values it sends with: its URL (read from
`url_file` at each send, so a rotated secret is picked up), its log directory, its templates."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from notify.config import DEFAULT_RECEIVER, Receiver
from notify.env_config import environment_receiver
from notify.errors import SinkError
from notify.live import LiveConfig
from settings import Settings


@dataclass(frozen=True)
class SinkTarget:
    """One sink of one receiver, ready to send."""

    receiver: str
    url: str = ""  # aimaestro base URL or chat webhook URL
    sender: str = "hookflow"
    recipient: str = "orchestrator"
    format: str = "json"
    log_dir: Path | None = None
    templates: dict[str, str] = field(default_factory=dict)


def row_receiver(receiver: str) -> str:
    """The notification row of a sink input: "" is a workflow started before receivers."""
    return receiver or DEFAULT_RECEIVER


def _receiver(name: str, settings: Settings, live: LiveConfig) -> Receiver:
    if not name:
        # Started before receivers existed: the environment's sinks, as it was sent then.
        return environment_receiver(settings)
    found = live.current().receiver(name)
    if found is None:
        raise SinkError(f"receiver {name!r} is no longer in NOTIFY_CONFIG", False)
    return found


def _url(url: str | None, url_file: str | None, what: str) -> str:
    if url_file:
        try:
            text = Path(url_file).read_text().strip()
        except OSError as exc:
            # A mounted secret being rotated may be missing for a moment: try again later.
            raise SinkError(
                f"{what}: cannot read url_file {url_file}: {exc.strerror}", True
            ) from exc
        if not text:
            raise SinkError(f"{what}: url_file {url_file} is empty", True)
        return text
    return url or ""


def sink_target(sink: str, receiver: str, settings: Settings, live: LiveConfig) -> SinkTarget:
    """The receiver's `sink` integration; SinkError when it has none (any more)."""
    spec = _receiver(receiver, settings, live)
    name = row_receiver(receiver)
    templates = dict(spec.templates)
    if sink == "logfile" and spec.logfile is not None:
        directory = Path(spec.logfile.dir) if spec.logfile.dir else settings.log_path
        return SinkTarget(name, log_dir=directory.expanduser(), templates=templates)
    if sink == "aimaestro" and spec.aimaestro is not None:
        a = spec.aimaestro
        url = _url(a.url, a.url_file, f"receiver {name} aimaestro")
        return SinkTarget(
            name, url=url, sender=a.sender, recipient=a.recipient, templates=templates
        )
    if sink == "chat" and spec.webhook is not None:
        w = spec.webhook
        url = _url(w.url, w.url_file, f"receiver {name} webhook")
        return SinkTarget(name, url=url, format=w.format, templates=templates)
    if not receiver:
        # The environment's sink was unset since: what the old code said in this case.
        unset = {"aimaestro": "AIMAESTRO_URL", "chat": "NOTIFY_WEBHOOK_URL"}.get(sink, sink)
        raise SinkError(f"{sink}: {unset} is not set", False)
    raise SinkError(f"receiver {name!r} has no {sink} any more", False)
