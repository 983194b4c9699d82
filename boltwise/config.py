"""The ``BOLTWISE_*`` settings and their defaults, in one place.

The add-on installs these at Scrapy's ``default`` priority, so project settings, spider
``custom_settings`` and ``-s`` on the command line all override them. Components read them once,
in ``from_crawler``, through :func:`get` so they also work when built without the add-on.
"""

from __future__ import annotations

from typing import Any

from scrapy.settings import BaseSettings

DEFAULTS: dict[str, Any] = {
    # replay / record
    "BOLTWISE_REPLAY_DIR": "",
    "BOLTWISE_RECORD_DIR": "",
    # extraction
    "BOLTWISE_EXTRACT_ENABLED": True,
    "BOLTWISE_WORKERS": 0,  # 0: one worker per CPU
    "BOLTWISE_EXTRACT_FAVOR": "balanced",  # trafilatura: balanced | precision | recall
    "BOLTWISE_EXTRACT_TABLES": True,
    "BOLTWISE_EXTRACT_DEDUPLICATE": False,
    # files spider
    "BOLTWISE_FILES_MAX_BYTES": 64 * 1024 * 1024,
}


def get(settings: BaseSettings, name: str) -> Any:
    """Return a ``BOLTWISE_*`` setting, falling back to its documented default."""
    return settings.get(name, DEFAULTS[name])


def getbool(settings: BaseSettings, name: str) -> bool:
    return settings.getbool(name, DEFAULTS[name])


def getint(settings: BaseSettings, name: str) -> int:
    return settings.getint(name, DEFAULTS[name])


def getlist(settings: BaseSettings, name: str) -> list[str]:
    return [part.strip() for part in settings.getlist(name, DEFAULTS[name]) if part.strip()]
