"""The notification config of the environment-only setup, and the one in force.

Without NOTIFY_CONFIG, today's settings are one receiver, `default`, with the log files, AI
Maestro when AIMAESTRO_URL is set and the chat webhook when NOTIFY_WEBHOOK_URL is set, on a
root route with the NOTIFY_GROUP_* intervals: the same notifications as before the file existed.
With it, those intervals are still the defaults the root route inherits.
"""

from __future__ import annotations

from notify.config import (
    DEFAULT_RECEIVER,
    AIMaestroSpec,
    LogfileSpec,
    NotifyConfig,
    Receiver,
    WebhookSpec,
)
from notify.config_file import read_config_file
from notify.tree import Route, RouteOpts
from settings import Settings

GROUP_BY = ("repo", "workflow", "branch")  # what a CI group is: one workflow on one branch


def route_defaults(settings: Settings) -> RouteOpts:
    return RouteOpts(
        receiver=DEFAULT_RECEIVER,
        group_by=GROUP_BY,
        group_wait=settings.notify_group_wait,
        group_interval=settings.notify_group_interval,
        repeat_interval=settings.notify_repeat_interval,
    )


def environment_receiver(settings: Settings) -> Receiver:
    aimaestro = webhook = None
    if settings.aimaestro_url.strip():
        aimaestro = AIMaestroSpec(
            url=settings.aimaestro_url,
            sender=settings.aimaestro_from,
            recipient=settings.aimaestro_to,
        )
    chat_url = settings.notify_webhook_url_value()  # a secret: variable, file or Vault
    if chat_url and chat_url.strip():
        webhook = WebhookSpec(url=chat_url, format=settings.notify_webhook_format)
    return Receiver(DEFAULT_RECEIVER, aimaestro, webhook, LogfileSpec())


def environment_config(settings: Settings) -> NotifyConfig:
    """The one-receiver config the environment settings describe."""
    return NotifyConfig(
        receivers={DEFAULT_RECEIVER: environment_receiver(settings)},
        route=Route(path="route", receiver=DEFAULT_RECEIVER),
        defaults=route_defaults(settings),
    )


def configured(settings: Settings, *, check_files: bool = True) -> NotifyConfig:
    """NOTIFY_CONFIG read and checked (raises notify.problems.ConfigInvalid), or the
    environment's equivalent when it is not set. `check_files=False`: a process that sends
    nothing (the API) need not see the url_file secrets."""
    if settings.notify_config is None:
        return environment_config(settings)
    path = settings.notify_config.expanduser()
    return read_config_file(path, route_defaults(settings), check_files=check_files)
