"""Settings: defaults, then FEEDS_* environment variables, then what the caller passes; one reading for all.

The service (`create_app`) and every `feeds` command build their settings
here, so a variable means the same thing to both.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Config

from .ledger import now_utc
from .load import DEFAULT_MAX_BYTES

PREFIX = "FEEDS"
AUTO = "auto"
MANUAL = "manual"
PUBLISH_MODES = (AUTO, MANUAL)
DEFAULTS: dict[str, Any] = {
    "EVENT_FILE": "event.yaml",
    "LEDGER_FILE": "",
    "RELEASE_DIR": "",
    "BASE_URL": "",
    "TRUST_PROXY": False,
    "TOMBSTONE_DAYS": 30,
    "REFRESH_MINUTES": 60,
    "RELOAD_SECONDS": 1.0,
    "SETTLE_SECONDS": 0.3,
    "MAX_EVENT_BYTES": DEFAULT_MAX_BYTES,
    "MAX_IMPORT_BYTES": 20_000_000,
    "PUBLISH": AUTO,
    "HOLD_REMOVALS": 0.2,
    "PREVIEW": False,
    "CLOCK": None,
    "FAST_PATH": True,
}


@dataclass(frozen=True, slots=True)
class Settings:
    """Configuration that decides what is published."""

    event_file: Path
    ledger_file: Path
    base_url: str = ""
    tombstone_days: int = DEFAULTS["TOMBSTONE_DAYS"]
    refresh: timedelta = timedelta(minutes=DEFAULTS["REFRESH_MINUTES"])
    reload_seconds: float = DEFAULTS["RELOAD_SECONDS"]
    settle_seconds: float = DEFAULTS["SETTLE_SECONDS"]
    max_event_bytes: int = DEFAULTS["MAX_EVENT_BYTES"]
    max_import_bytes: int = DEFAULTS["MAX_IMPORT_BYTES"]
    clock: Callable[[], datetime] = now_utc
    release_dir: Path | None = None  # None: beside the ledger (event.releases)
    publish_mode: str = DEFAULTS["PUBLISH"]
    hold_removals: float = DEFAULTS["HOLD_REMOVALS"]
    preview: bool = False  # serve event.yaml as a draft, writing nothing (feeds preview)


def default_ledger_path(event_file: Path) -> Path:
    """Return the ledger path beside the event file: event.yaml -> event.ledger.json."""
    return event_file.with_name(f"{event_file.stem}.ledger.json")


class SettingsError(ValueError):
    """A setting has a value the service cannot use; the message names the variable and what it takes."""


def read_config(overrides: Mapping[str, Any] | None = None) -> Config:
    """Return the configuration: DEFAULTS, then FEEDS_* variables (values read as JSON where they parse), then overrides."""
    config = Config(os.getcwd())
    config.from_mapping(DEFAULTS)
    config.from_prefixed_env(PREFIX)
    if overrides:
        config.from_mapping({key: value for key, value in overrides.items() if value is not None})
    return config


def _number(config: Mapping[str, Any], key: str, kind: type[float] | type[int], low: float, high: float) -> Any:
    value = config[key]
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{PREFIX}_{key} must be a number, got {value!r}") from None
    if not low <= number <= high:
        raise SettingsError(f"{PREFIX}_{key} must be between {low:g} and {high:g}, got {value!r}")
    return number


def settings_from(config: Mapping[str, Any]) -> Settings:
    """Return publishing settings from a configuration (FEEDS_* names without the prefix)."""
    event_file = Path(config["EVENT_FILE"])
    ledger_file = Path(config["LEDGER_FILE"]) if config["LEDGER_FILE"] else default_ledger_path(event_file)
    mode = str(config["PUBLISH"]).strip().lower()
    if mode not in PUBLISH_MODES:
        raise SettingsError(f"{PREFIX}_PUBLISH must be 'auto' or 'manual', got {config['PUBLISH']!r}")
    share = _number(config, "HOLD_REMOVALS", float, 0, 1)
    extra: dict[str, Any] = {"clock": config["CLOCK"]} if config.get("CLOCK") else {}
    return Settings(
        event_file=event_file,
        ledger_file=ledger_file,
        base_url=str(config["BASE_URL"] or "").rstrip("/"),
        tombstone_days=_number(config, "TOMBSTONE_DAYS", int, 0, 36_500),
        refresh=timedelta(minutes=_number(config, "REFRESH_MINUTES", int, 1, 10_080)),
        reload_seconds=_number(config, "RELOAD_SECONDS", float, 0, 1e10),
        settle_seconds=_number(config, "SETTLE_SECONDS", float, 0, 1e10),
        max_event_bytes=_number(config, "MAX_EVENT_BYTES", int, 1, 2**40),
        max_import_bytes=_number(config, "MAX_IMPORT_BYTES", int, 1, 2**40),
        release_dir=Path(config["RELEASE_DIR"]) if config["RELEASE_DIR"] else None,
        publish_mode=mode,
        hold_removals=share,
        preview=bool(config["PREVIEW"]),
        **extra,
    )


def set_in_environment(*keys: str) -> bool:
    """Return whether a FEEDS_* variable sets any of these settings (names without the prefix)."""
    return any(os.environ.get(f"{PREFIX}_{key}") for key in keys)


def load_settings(**overrides: Any) -> Settings:
    """Return the settings of a `feeds` command: as the service reads them, with the command's own options on top."""
    return settings_from(read_config({key.upper(): value for key, value in overrides.items()}))
