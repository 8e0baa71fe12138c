"""The notification config in force in a process: NOTIFY_CONFIG, re-read when the file changes
(checked at most once a second, when the config is asked for) or on `reload()` (SIGHUP). A new
version with errors is refused with a log line naming them, and the last good one stays.

Nothing of a config lives in workflow state but receiver names and plans already decided, so a
reload never loses an open notification group: its next notification follows the new file.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from notify.config import NotifyConfig
from notify.decide import config_label
from notify.env_config import configured
from notify.problems import ConfigInvalid
from settings import Settings

log = logging.getLogger("hookflow.notify.config")

Stamp = tuple[int, int, int] | None


class LiveConfig:
    def __init__(
        self,
        settings: Settings,
        *,
        check_every: float = 1.0,
        on_change: Callable[[NotifyConfig], None] | None = None,
        check_files: bool = True,
    ) -> None:
        """Reads the config now: an invalid file at start-up raises ConfigInvalid.
        `check_files=False` for a process that sends nothing (url_file need not be there)."""
        self._settings = settings
        self._check_files = check_files
        self._path = settings.notify_config.expanduser() if settings.notify_config else None
        self._check_every = check_every
        self._on_change = on_change
        self._lock = threading.Lock()
        self._stamp = self._file_stamp()
        self._config = configured(settings, check_files=check_files)
        self._checked = time.monotonic()
        self.refused = 0  # new versions refused since start (for tests and metrics)

    @property
    def path(self) -> str | None:
        return str(self._path) if self._path else None

    def _file_stamp(self) -> Stamp:
        if self._path is None:
            return None
        try:
            st = os.stat(self._path)  # follows symlinks: a swapped ConfigMap mount counts
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def current(self) -> NotifyConfig:
        """The config to decide with (re-read first if the file changed)."""
        if self._path is not None and time.monotonic() - self._checked >= self._check_every:
            self._checked = time.monotonic()
            if self._file_stamp() != self._stamp:
                self.reload()
        return self._config

    def reload(self) -> bool:
        """Read the file again; True when a new config is in force."""
        if self._path is None:
            return False
        with self._lock:
            stamp = self._file_stamp()
            try:
                config = configured(self._settings, check_files=self._check_files)
            except ConfigInvalid as exc:
                self._stamp = stamp  # refused once, not at every check
                self.refused += 1
                log.error(
                    "NOTIFY_CONFIG %s refused, keeping %s: %s",
                    self._path,
                    config_label(self._config),
                    "; ".join(exc.problems),
                )
                return False
            self._stamp = stamp
            if config.digest == self._config.digest:
                return False
            previous, self._config = self._config, config
        log.info(
            "NOTIFY_CONFIG reloaded: %s (was %s)", config_label(config), config_label(previous)
        )
        if self._on_change is not None:
            self._on_change(config)
        return True
