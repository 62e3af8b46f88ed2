"""Keys (core/keys.py): a missing key is made anew only for a database without data made with it;
otherwise Qingche refuses and names the key and where it is expected. SQLite writes with synchronous=FULL."""

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection

from qingche.core import keys


@pytest.fixture
def var_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "VAR_DIR", tmp_path)
    monkeypatch.setattr(keys, "_pending", {})
    return tmp_path


def test_a_key_from_the_environment_or_its_file_is_used_as_it_is(var_dir):
    assert keys.load_key("FIELD_HASH_KEY", {"QINGCHE_HASH_KEY": "from-env"}, var_dir) == "from-env"
    (var_dir / "hash_key").write_text("from-file\n")
    assert keys.load_key("FIELD_HASH_KEY", {}, var_dir) == "from-file"
    assert keys._pending == {}


def test_a_missing_key_is_refused_when_the_database_holds_data_made_with_it(db, var_dir, monkeypatch):
    monkeypatch.setattr(settings, "FIELD_ENCRYPTION_KEY", settings.FIELD_ENCRYPTION_KEY)
    keys.load_key("FIELD_ENCRYPTION_KEY", {}, var_dir)  # the demo county's people are encrypted with another
    with pytest.raises(ImproperlyConfigured) as refusal:
        keys.settle(connection)
    message = str(refusal.value)
    assert "FIELD_ENCRYPTION_KEY" in message and "QINGCHE_FIELD_KEY" in message
    assert str(var_dir / "field_key") in message and "org.Person" in message
    assert not (var_dir / "field_key").exists()


def test_the_follow_up_codes_make_the_secret_key_needed(db, var_dir, monkeypatch):
    from qingche.burden.models import BurdenReport

    assert BurdenReport in keys.settings_using("SECRET_KEY")
    assert BurdenReport not in keys.settings_using("FIELD_ENCRYPTION_KEY")


def test_a_missing_key_is_made_and_kept_for_an_empty_database(db, var_dir, monkeypatch):
    monkeypatch.setattr(settings, "FIELD_HASH_KEY", settings.FIELD_HASH_KEY)
    monkeypatch.setattr(keys, "settings_using", lambda setting: [])  # as if no table held a row
    made = keys.load_key("FIELD_HASH_KEY", {}, var_dir)
    keys.settle(connection)
    path = var_dir / "hash_key"
    assert path.read_text() == made == settings.FIELD_HASH_KEY
    assert path.stat().st_mode & 0o777 == 0o600
    assert keys._pending == {}


def test_a_key_is_made_on_purpose_only_where_none_is(var_dir, monkeypatch):
    monkeypatch.delenv("QINGCHE_FIELD_KEY", raising=False)
    call_command("keys", "new", "field_key")
    assert len((var_dir / "field_key").read_text()) == 44
    with pytest.raises(CommandError, match="already holds a key"):
        call_command("keys", "new", "field_key")
    monkeypatch.setenv("QINGCHE_HASH_KEY", "x")
    with pytest.raises(CommandError, match="QINGCHE_HASH_KEY is set"):
        call_command("keys", "new", "hash_key")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
def test_sqlite_syncs_every_commit_to_disk(db):
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 2  # FULL
