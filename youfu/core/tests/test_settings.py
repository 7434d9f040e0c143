from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from youfu import settings as youfu_settings
from youfu.core.keys import load_or_create_key


def test_keys_are_generated_once_and_private(tmp_path: Path) -> None:
    path = tmp_path / "data_key"
    first = load_or_create_key(path)
    assert len(first) >= 40
    assert load_or_create_key(path) == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_defaults_are_safe() -> None:
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.PASSWORD_HASHERS  # tests swap in a fast hasher; production's is below


def test_production_settings_from_a_fresh_home(tmp_path: Path) -> None:
    """A fresh $YOUFU_HOME gets its keys and a WAL-mode SQLite database; debug is off."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("YOUFU_")}
    env["YOUFU_HOME"] = str(tmp_path)
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "from django.db import connection; c = connection.cursor(); "
        "c.execute('PRAGMA journal_mode'); "
        "print(s.DEBUG, s.PASSWORD_HASHERS[0].rsplit('.', 1)[1], c.fetchone()[0], "
        "s.DATABASES['default']['NAME'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "youfu.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    debug, hasher, journal, name = out.stdout.split()
    assert (debug, hasher, journal) == ("False", "Argon2PasswordHasher", "wal")
    assert name == str(tmp_path / "youfu.sqlite3")
    assert (tmp_path / "secret_key").exists() and (tmp_path / "data_key").exists()
    secret = (tmp_path / "secret_key").read_text().strip()
    assert secret not in out.stdout + out.stderr


class TestKeptConnections:
    """PostgreSQL connections are kept between requests (a new one costs the server a process);
    SQLite's are not; a bad value is refused with what it should be."""

    PG = "django.db.backends.postgresql"

    def test_postgresql_keeps_them_a_minute_by_default(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("YOUFU_DATABASE_CONN_MAX_AGE", raising=False)
        assert youfu_settings._conn_max_age(self.PG) == 60
        monkeypatch.setenv("YOUFU_DATABASE_CONN_MAX_AGE", "0")
        assert youfu_settings._conn_max_age(self.PG) == 0
        monkeypatch.setenv("YOUFU_DATABASE_CONN_MAX_AGE", " 300 ")
        assert youfu_settings._conn_max_age(self.PG) == 300

    def test_sqlite_opens_its_file_each_request(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("YOUFU_DATABASE_CONN_MAX_AGE", "300")
        assert youfu_settings._conn_max_age("django.db.backends.sqlite3") == 0

    @pytest.mark.parametrize("bad", ["-1", "ten", "1e3", "3601", ""])
    def test_a_bad_value_is_refused(self, monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
        monkeypatch.setenv("YOUFU_DATABASE_CONN_MAX_AGE", bad)
        with pytest.raises(ImproperlyConfigured, match="YOUFU_DATABASE_CONN_MAX_AGE"):
            youfu_settings._conn_max_age(self.PG)

    def test_kept_connections_are_checked_before_reuse(self) -> None:
        assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
