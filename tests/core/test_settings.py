"""Settings from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.settings import DEFAULT_DATABASE_URL, Settings, SettingsError


def test_secret_key_is_required_outside_development():
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings.from_env({})
    assert Settings.from_env({"DEBUG": "1"}).secret_key  # a throwaway key
    assert Settings.from_env({"SECRET_KEY": "k" * 32}).secret_key == "k" * 32


def test_short_secret_key_is_refused():
    with pytest.raises(SettingsError, match="16"):
        Settings.from_env({"SECRET_KEY": "short"})


def test_database_url_defaults_to_a_file_under_var():
    settings = Settings.from_env({"DEBUG": "1"})
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.is_sqlite
    assert settings.sqlite_path == Path("var/treffpunkt.sqlite3")


def test_absolute_sqlite_path_and_postgres():
    settings = Settings.from_env({"DEBUG": "1", "DATABASE_URL": "sqlite:////srv/t/db.sqlite3"})
    assert settings.sqlite_path == Path("/srv/t/db.sqlite3")
    pg = Settings.from_env({"DEBUG": "1", "DATABASE_URL": "postgres://u@h:5432/d"})
    assert not pg.is_sqlite


def test_unknown_database_scheme_is_refused():
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        Settings.from_env({"DEBUG": "1", "DATABASE_URL": "mysql://x"})


def test_https_base_url_makes_cookies_secure_and_loses_its_trailing_slash():
    settings = Settings.from_env({"DEBUG": "1", "BASE_URL": "https://treffpunkt.example/"})
    assert settings.base_url == "https://treffpunkt.example"
    assert settings.cookies_secure


def test_bad_numbers_are_a_settings_error():
    with pytest.raises(SettingsError):
        Settings.from_env({"DEBUG": "1", "SQLITE_READERS": "many"})


def test_the_secret_key_is_not_in_the_repr():
    assert "k" * 32 not in repr(Settings.from_env({"SECRET_KEY": "k" * 32}))


def test_access_log_paths_lose_their_tokens():
    from app.logs import redact_path

    assert redact_path("/r/abcDEF123_-xyz?new=1") == "/r/…?new=1"
    assert redact_path("/r/abcDEF123_-xyz/cancel") == "/r/…/cancel"
    assert redact_path("/events/r/x") == "/events/r/x"


def test_database_password_never_reaches_the_logs():
    settings = Settings.from_env(
        {"DEBUG": "1", "DATABASE_URL": "postgres://app:s3cr%40t@db:5432/t"}
    )
    assert settings.database_url_for_logs == "postgres://app:***@db:5432/t"
    assert "s3cr" not in settings.database_url_for_logs
    plain = Settings.from_env({"DEBUG": "1", "DATABASE_URL": "sqlite:///var/x.sqlite3"})
    assert plain.database_url_for_logs == "sqlite:///var/x.sqlite3"


def test_base_url_of_the_listening_address() -> None:
    from app.settings import listening_base_url

    assert listening_base_url("127.0.0.1", 18080) == "http://127.0.0.1:18080"
    assert listening_base_url("localhost", 80) == "http://localhost:80"
    # IPv6 in brackets, whether or not given with them.
    assert listening_base_url("::1", 18080) == "http://[::1]:18080"
    assert listening_base_url("[::1]", 18080) == "http://[::1]:18080"
    assert listening_base_url("0.0.0.0", 8001) == "http://0.0.0.0:8001"  # noqa: S104


def test_base_url_from_the_environment_wins_over_the_default_given() -> None:
    given = {"DEBUG": "1"}
    assert (
        Settings.from_env(given, default_base_url="http://127.0.0.1:18080").base_url
        == "http://127.0.0.1:18080"
    )
    assert Settings.from_env(given).base_url == "http://127.0.0.1:8000"
    set_url = {**given, "BASE_URL": "https://treffpunkt.example/"}
    assert (
        Settings.from_env(set_url, default_base_url="http://127.0.0.1:18080").base_url
        == "https://treffpunkt.example"
    )
    # Set but empty counts as not set.
    assert (
        Settings.from_env({**given, "BASE_URL": " "}, default_base_url="http://[::1]:9").base_url
        == "http://[::1]:9"
    )


def test_calendar_organiser_is_where_answers_go() -> None:
    env = {"SECRET_KEY": "k" * 32, "MAIL_FROM": "Netzwerkstelle <noreply@treffpunkt.example>"}
    assert Settings.from_env(env).calendar_organiser == (
        "Netzwerkstelle",
        "noreply@treffpunkt.example",
    )
    with_team = {**env, "MAIL_REPLY_TO": "Team <team@treffpunkt.example>"}
    assert Settings.from_env(with_team).calendar_organiser == (
        "Netzwerkstelle",
        "team@treffpunkt.example",
    )
    bare = {"SECRET_KEY": "k" * 32, "MAIL_FROM": "noreply@treffpunkt.example"}
    assert Settings.from_env(bare).calendar_organiser == (
        "Treffpunkt",
        "noreply@treffpunkt.example",
    )


ZOOM_ENV = {
    "SECRET_KEY": "k" * 32,
    "ZOOM_ACCOUNT_ID": "acc",
    "ZOOM_CLIENT_ID": "cid",
    "ZOOM_CLIENT_SECRET": "zoom-client-secret-value",
}


def test_zoom_is_off_unless_all_three_credentials_are_set() -> None:
    assert not Settings.from_env({"SECRET_KEY": "k" * 32}).zoom_enabled
    settings = Settings.from_env(ZOOM_ENV)
    assert settings.zoom_enabled
    assert settings.zoom_api_url == "https://api.zoom.us/v2"
    assert settings.zoom_oauth_url == "https://zoom.us"
    assert "zoom-client-secret-value" not in repr(settings)
    for missing in ("ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET"):
        partial = {name: value for name, value in ZOOM_ENV.items() if name != missing}
        with pytest.raises(SettingsError, match=missing):
            Settings.from_env(partial)


def test_zoom_urls_and_numbers_are_checked() -> None:
    settings = Settings.from_env(
        {**ZOOM_ENV, "ZOOM_API_URL": "http://127.0.0.1:9999/v2/", "ZOOM_MAX_ATTEMPTS": "0"}
    )
    assert settings.zoom_api_url == "http://127.0.0.1:9999/v2"
    assert settings.zoom_max_attempts == 1
    with pytest.raises(SettingsError, match="ZOOM_OAUTH_URL"):
        Settings.from_env({**ZOOM_ENV, "ZOOM_OAUTH_URL": "ftp://zoom.us"})
    with pytest.raises(SettingsError, match="not a number"):
        Settings.from_env({**ZOOM_ENV, "ZOOM_RETRY_SECONDS": "soon"})


def test_organiser_2fa_is_optional_unless_set_and_refuses_other_values() -> None:
    from app.domain.two_factor import TwoFactorMode

    assert Settings.from_env({"DEBUG": "1"}).organiser_2fa is TwoFactorMode.OPTIONAL
    for value, mode in (("off", TwoFactorMode.OFF), (" Required ", TwoFactorMode.REQUIRED)):
        assert Settings.from_env({"DEBUG": "1", "ORGANISER_2FA": value}).organiser_2fa is mode
    with pytest.raises(SettingsError, match="ORGANISER_2FA"):
        Settings.from_env({"DEBUG": "1", "ORGANISER_2FA": "yes"})
