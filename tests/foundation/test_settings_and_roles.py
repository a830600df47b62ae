import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from voip.roles import AGENTS, PBX_ADMINS, SUPERVISORS


def test_voip_setting_is_the_guides_shape():
    config = next(b for b in settings.VOIP if b["PROVIDER"] == "Asterisk")
    assert config["BACKEND"] == "voip.backends.asteriskbackend.AsteriskRealtimeAPI"
    assert config["OPTIONS"]["AMI_PORT"] == 5038
    assert config["OPTIONS"]["AMI_HOST"] == "127.0.0.1"


def test_guide_database_variables_build_a_separate_asterisk_alias(monkeypatch):
    import importlib

    import config.settings as project_settings

    for key, value in {
        "ASTERISK_DATABASE_URL": "",
        "ASTERISK_DB_NAME": "asterisk",
        "ASTERISK_DB_USER": "asterisk",
        "ASTERISK_DB_PASSWORD": "secret",
        "ASTERISK_DB_HOST": "10.0.0.5",
        "ASTERISK_DB_PORT": "5433",
    }.items():
        monkeypatch.setenv(key, value)
    reloaded = importlib.reload(project_settings)
    try:
        database = reloaded.DATABASES["asterisk"]
        assert database["ENGINE"] == "django.db.backends.postgresql"
        assert (database["NAME"], database["USER"], database["HOST"], database["PORT"]) == (
            "asterisk",
            "asterisk",
            "10.0.0.5",
            "5433",
        )
        monkeypatch.setenv("ASTERISK_DB_NAME", "")
        option_a = importlib.reload(project_settings).DATABASES["asterisk"]
        assert option_a["NAME"] == reloaded.DATABASES["default"]["NAME"]
        assert option_a["TEST"] == {"MIRROR": "default"}
    finally:
        monkeypatch.undo()
        importlib.reload(project_settings)


@pytest.mark.django_db
def test_roles_exist_with_their_permissions():
    agents = Group.objects.get(name=AGENTS)
    supervisors = Group.objects.get(name=SUPERVISORS)
    admins = Group.objects.get(name=PBX_ADMINS)
    codes = lambda group: {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}  # noqa: E731
    assert "voip.place_calls" in codes(agents)
    assert "voip.view_all_calls" not in codes(agents)
    assert {"voip.view_all_calls", "voip.listen_all_recordings"} <= codes(supervisors)
    assert {"voip.provision_extensions", "voip.configure_pbx", "realtime.change_psendpoint"} <= codes(admins)
