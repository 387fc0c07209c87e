"""Settings: the service and every feeds command read FEEDS_* the same way."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds import cli, create_app
from feeds.config import SettingsError, load_settings

from .support.paths import SMALL_EVENT

# One value per variable, other than its default.
VALUES = {
    "FEEDS_LEDGER_FILE": "elsewhere/book.json",
    "FEEDS_RELEASE_DIR": "elsewhere/releases",
    "FEEDS_BASE_URL": "https://cal.example.org/",
    "FEEDS_TOMBSTONE_DAYS": "7",
    "FEEDS_REFRESH_MINUTES": "15",
    "FEEDS_RELOAD_SECONDS": "2.5",
    "FEEDS_SETTLE_SECONDS": "0.7",
    "FEEDS_MAX_EVENT_BYTES": "123456",
    "FEEDS_PUBLISH": "manual",
    "FEEDS_HOLD_REMOVALS": "0.5",
}


@pytest.mark.parametrize("variable", sorted(VALUES))
def test_every_variable_means_the_same_to_the_service_and_the_commands(
    variable: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = tmp_path / "event.yaml"
    event.write_bytes(SMALL_EVENT.read_bytes())
    monkeypatch.chdir(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.setenv("FEEDS_EVENT_FILE", str(event))
    monkeypatch.setenv(variable, VALUES[variable])
    served = create_app({"TESTING": True}).extensions["feeds"].settings
    commanded = load_settings()
    assert served == commanded
    default = load_settings(**{variable.removeprefix("FEEDS_").lower(): None})
    monkeypatch.delenv(variable)
    assert load_settings() != default, f"{variable} made no difference"


def test_a_limit_set_for_the_server_holds_for_feeds_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    event = tmp_path / "event.yaml"
    event.write_bytes(SMALL_EVENT.read_bytes())
    monkeypatch.setenv("FEEDS_MAX_EVENT_BYTES", "100")
    assert cli.main(["check", str(event)]) == 1
    assert "FEEDS_MAX_EVENT_BYTES" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("FEEDS_PUBLISH", "sometimes", "FEEDS_PUBLISH must be 'auto' or 'manual', got 'sometimes'"),
        ("FEEDS_HOLD_REMOVALS", "2", "FEEDS_HOLD_REMOVALS must be between 0 and 1, got 2"),
        ("FEEDS_TOMBSTONE_DAYS", "soon", "FEEDS_TOMBSTONE_DAYS must be a number, got 'soon'"),
        ("FEEDS_REFRESH_MINUTES", "0", "FEEDS_REFRESH_MINUTES must be between 1 and 10080, got 0"),
    ],
)
def test_a_value_that_cannot_be_used_is_named_with_what_it_takes(
    variable: str,
    value: str,
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    event = tmp_path / "event.yaml"
    event.write_bytes(SMALL_EVENT.read_bytes())
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        create_app({"EVENT_FILE": str(event)})
    assert cli.main(["check", str(event)]) == 1
    assert capsys.readouterr().err == f"error: {message}\n"
