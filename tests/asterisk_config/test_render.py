from __future__ import annotations

import copy
import stat

import pytest
from django.db import connections

from tests.asterisk_config.inifile import as_dict, parse
from voip.asterisk_config import AsteriskConfigError, render_asterisk_config, write_asterisk_config, writer
from voip.asterisk_config.privileges import READ_CLASSES, REQUIRED_ACTIONS, WRITE_CLASSES, action_allowed

PG = {
    "ENGINE": "django.db.backends.postgresql",
    "NAME": "asterisk",
    "USER": "asteriskuser",
    "PASSWORD": "pa;ss^word&<x>",
    "HOST": "db.internal",
    "PORT": "6543",
}


@pytest.fixture
def ami_settings(settings):
    voip = copy.deepcopy(settings.VOIP)
    voip[0]["OPTIONS"].update(AMI_USERNAME="crm", AMI_SECRET="ami-secret-42", AMI_PORT=5039)
    settings.VOIP = voip
    settings.VOIP_ASTERISK_CONFIG = {
        "AMI_BIND_ADDRESS": "127.0.0.1",
        "AMI_PERMIT": ["127.0.0.1/255.255.255.255", "10.1.2.3/32"],
        "DB_HOST_FOR_ASTERISK": "",
    }
    return settings


@pytest.fixture
def pg_db(monkeypatch):
    db = dict(PG)
    monkeypatch.setattr(writer, "_realtime_db_settings", lambda: dict(db))
    return db


def test_every_file_parses_and_has_expected_sections(ami_settings, pg_db):
    files = render_asterisk_config()
    assert set(files) == {
        "res_pgsql.conf",
        "extconfig.conf",
        "sorcery.conf",
        "pjsip.conf",
        "manager.conf",
        "extensions.conf",
        "modules.conf",
    }
    for name, text in files.items():
        assert parse(text), name
    assert set(as_dict(files["sorcery.conf"])) == {
        "res_pjsip",
        "res_pjsip_endpoint_identifier_ip",
        "res_pjsip_outbound_registration",
        "acl",
    }


def test_res_pgsql_credentials_match_settings(ami_settings, pg_db):
    general = as_dict(render_asterisk_config()["res_pgsql.conf"])["general"]
    assert general.get("hostname") == "db.internal"
    assert general.get("port") == "6543"
    assert general.get("dbname") == "asterisk"
    assert general.get("user") == "asteriskuser"
    # ';' is written "\;" (else the rest is a comment); our reader turns it back.
    assert general.get("password") == PG["PASSWORD"]
    assert general.get("requirements") == "warn"


@pytest.mark.parametrize(
    ("django_host", "override", "expected"),
    [
        ("", "", "127.0.0.1"),
        ("localhost", "", "127.0.0.1"),
        ("/var/run/postgresql", "", "127.0.0.1"),
        ("db.internal", "10.0.0.5", "10.0.0.5"),
    ],
)
def test_hostname_is_always_set(ami_settings, monkeypatch, django_host, override, expected):
    monkeypatch.setattr(writer, "_realtime_db_settings", lambda: {**PG, "HOST": django_host})
    ami_settings.VOIP_ASTERISK_CONFIG = {**ami_settings.VOIP_ASTERISK_CONFIG, "DB_HOST_FOR_ASTERISK": override}
    general = as_dict(render_asterisk_config()["res_pgsql.conf"])["general"]
    assert general.get("hostname") == expected


def test_live_realtime_alias_credentials(ami_settings):
    """Against the test run's real asterisk alias (no patching): what Django uses is what Asterisk gets."""
    db = connections.settings["asterisk"]
    if "sqlite3" in db["ENGINE"]:  # the SQLite test run: refused, Asterisk cannot read these tables
        with pytest.raises(AsteriskConfigError, match="Asterisk's SQLite driver"):
            render_asterisk_config()
        return
    files = render_asterisk_config()
    general = as_dict(files["res_pgsql.conf"])["general"]
    assert general.get("dbname") == db["NAME"]
    assert general.get("user") == (db.get("USER") or "")
    assert general.get("password") == (db.get("PASSWORD") or "")


def test_extconfig_and_sorcery_agree(ami_settings, pg_db):
    files = render_asterisk_config()
    settings_section = as_dict(files["extconfig.conf"])["settings"]
    families = {key: value for key, _op, value in settings_section.options}
    for family in (
        "ps_endpoints",
        "ps_auths",
        "ps_aors",
        "ps_contacts",
        "ps_endpoint_id_ips",
        "ps_domain_aliases",
        "ps_transports",
        "ps_registrations",
        "crm_sip_blocks",
        "extensions",
        "queues",
        "queue_members",
        "queue_rules",
        "voicemail",
    ):
        assert families[family] == f"pgsql,general,{family}"
    assert all(op == "=>" for _k, op, _v in settings_section.options)
    sorcery = as_dict(files["sorcery.conf"])
    res_pjsip = sorcery["res_pjsip"]
    assert res_pjsip.get("endpoint") == "realtime,ps_endpoints"
    assert res_pjsip.get("auth") == "realtime,ps_auths"
    assert res_pjsip.get("aor") == "realtime,ps_aors"
    assert res_pjsip.get("contact") == "realtime,ps_contacts"
    assert res_pjsip.get("domain_alias") == "realtime,ps_domain_aliases"
    assert res_pjsip.getall("transport") == ["realtime,ps_transports"]  # one source per address
    # res_pjsip_acl's type, in the section res_pjsip_acl reads: blocked SIP sources, read on every
    # request (res/res_pjsip_acl.c). Under [res_pjsip] res_pjsip_acl would decline to load.
    assert sorcery["acl"].get("acl") == "realtime,crm_sip_blocks"
    assert res_pjsip.get("acl") is None
    assert sorcery["res_pjsip_endpoint_identifier_ip"].get("identify") == "realtime,ps_endpoint_id_ips"
    assert sorcery["res_pjsip_outbound_registration"].get("registration") == "realtime,ps_registrations"
    # every family sorcery reads is declared in extconfig.conf
    for section in sorcery.values():
        for _key, _op, value in section.options:
            assert value.split(",")[1] in families


def test_pjsip_conf_defines_no_transport(ami_settings, pg_db):
    sections = as_dict(render_asterisk_config()["pjsip.conf"])
    types = {name: section.get("type") for name, section in sections.items()}
    assert types == {"global": "global", "system": "system"}
    assert "transport" not in types.values()


def test_manager_conf_least_privilege(ami_settings, pg_db):
    sections = as_dict(render_asterisk_config()["manager.conf"])
    general = sections["general"]
    assert general.get("enabled") == "yes"
    assert general.get("port") == "5039"
    assert general.get("bindaddr") == "127.0.0.1"
    user = sections["crm"]
    assert user.get("secret") == "ami-secret-42"
    assert user.getall("deny") == ["0.0.0.0/0.0.0.0"]
    assert user.getall("permit") == ["127.0.0.1/255.255.255.255", "10.1.2.3/32"]
    read = set(user.get("read").split(","))
    write = set(user.get("write").split(","))
    assert "all" not in read and "all" not in write
    assert write == set(WRITE_CLASSES) and read == set(READ_CLASSES)
    assert "config" not in write  # UpdateConfig would let the CRM rewrite any Asterisk file
    # The listener needs VarSet MIXMONITOR_FILENAME (class dialplan), not its Newexten flood.
    assert "dialplan" in read and user.getall("eventfilter") == ["!Event: Newexten"]
    assert general.get("timestampevents") == "yes"
    # The listener counts failed SIP authentications (ChallengeResponseFailed, InvalidAccountID).
    assert "security" in read


def test_listener_reads_only_classes_the_generated_user_has():
    from voip.calls.listener import LISTENER_EVENTS

    assert set(LISTENER_EVENTS.split(",")) <= set(READ_CLASSES)


def test_write_classes_cover_every_action_and_none_is_superfluous():
    for need in REQUIRED_ACTIONS:
        assert action_allowed(need, WRITE_CLASSES), need.action
    for cls in WRITE_CLASSES:
        fewer = tuple(c for c in WRITE_CLASSES if c != cls)
        assert not all(action_allowed(n, fewer) for n in REQUIRED_ACTIONS), f"{cls} is not needed"


OPEN_PERMITS = ["0.0.0.0/0", "0.0.0.0/00", "0.0.0.0/000", "10.0.0.0/0", "0.0.0.0/0.0.0.0", "::/0", "[::]/0", "::/00"]
OPEN_PERMITS += ["::ffff:0.0.0.0/0", "0.0.0.0/::ffff:0.0.0.0"]


@pytest.mark.parametrize("permit", OPEN_PERMITS)
def test_manager_refuses_open_permit(ami_settings, pg_db, permit):
    ami_settings.VOIP_ASTERISK_CONFIG = {**ami_settings.VOIP_ASTERISK_CONFIG, "AMI_PERMIT": [permit]}
    with pytest.raises(AsteriskConfigError, match="every address"):
        render_asterisk_config()


# Not networks at all: no address, a word, a prefix past the address' bits, a mask with holes
# (Asterisk applies it bit for bit: 0.255.255.255 would match any first octet), mixed versions.
@pytest.mark.parametrize(
    "permit", ["/24", "0/0", "any", "10.0.0.0/33", "::1/129", "10.0.0.0/0.255.255.255", "10.0.0.1/ffff::", "1.2.3.4/-1"]
)
def test_manager_refuses_what_is_not_a_network(ami_settings, pg_db, permit):
    ami_settings.VOIP_ASTERISK_CONFIG = {**ami_settings.VOIP_ASTERISK_CONFIG, "AMI_PERMIT": [permit]}
    with pytest.raises(AsteriskConfigError, match="not an address"):
        render_asterisk_config()


ACCEPTED_PERMITS = ["10.1.2.3", "10.1.0.0/16", "10.1.0.0/255.255.0.0", "192.0.2.7/255.255.255.255"]
ACCEPTED_PERMITS += ["::1", "[::1]/128", "fd00::/8"]


@pytest.mark.parametrize("permit", ACCEPTED_PERMITS)
def test_manager_accepts_the_forms_asterisk_accepts(ami_settings, pg_db, permit):
    ami_settings.VOIP_ASTERISK_CONFIG = {**ami_settings.VOIP_ASTERISK_CONFIG, "AMI_PERMIT": [permit]}
    sections = as_dict(render_asterisk_config()["manager.conf"])
    assert sections["crm"].getall("permit") == [permit]


def test_empty_ami_secret_is_refused(ami_settings, pg_db):
    voip = copy.deepcopy(ami_settings.VOIP)
    voip[0]["OPTIONS"]["AMI_SECRET"] = ""
    ami_settings.VOIP = voip
    with pytest.raises(AsteriskConfigError, match="ASTERISK_AMI_SECRET"):
        render_asterisk_config()


@pytest.mark.parametrize("secret", ["abc\r\nread=all", "abc\nwrite = all"])
def test_line_breaks_never_reach_a_file(ami_settings, pg_db, secret):
    voip = copy.deepcopy(ami_settings.VOIP)
    voip[0]["OPTIONS"]["AMI_SECRET"] = secret
    ami_settings.VOIP = voip
    with pytest.raises(AsteriskConfigError, match="line break"):
        render_asterisk_config()


def test_extensions_conf_uses_realtime_switch_in_endpoint_context(ami_settings, pg_db):
    ami_settings.VOIP_PROVISIONING = {
        **ami_settings.VOIP_PROVISIONING,
        "ENDPOINT_CONTEXT": "office",
        "USER_EXTENSION_RANGE": (1000, 1999),
    }
    sections = as_dict(render_asterisk_config()["extensions.conf"])
    office = sections["office"]
    assert office.getall("switch") == ["Realtime/@extensions"]
    assert office.getall("exten")[0] == "_1XXX,1,Dial(PJSIP/${EXTEN},30)"
    # the outbound (click-to-call) context also reads the realtime table
    outbound = ami_settings.VOIP[0]["OPTIONS"]["OUTBOUND_CONTEXT"]
    assert sections[outbound].getall("switch") == ["Realtime/@extensions"]
    # Disabled extensions' endpoints are moved to this context: it refuses every call.
    disabled = sections[ami_settings.VOIP_PROVISIONING.get("DISABLED_CONTEXT", "crm-disabled")]
    assert disabled.getall("exten") == ["_X.,1,Hangup(21)", "_+X.,1,Hangup(21)", "i,1,Hangup(21)"]
    assert not disabled.getall("switch")


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (1000, 1999, ["_1XXX"]),
        (100, 299, ["_[1-2]XX"]),
        (1000, 1049, ["_10[0-4]X"]),
        (200, 315, ["_2XX", "_30X", "_31[0-5]"]),
        (5, 12, ["_[5-9]", "_1[0-2]"]),
    ],
)
def test_extension_patterns_match_exactly_the_range(low, high, expected):
    patterns = writer._extension_patterns(low, high)
    assert patterns == expected

    def matches(pattern: str, number: str) -> bool:
        body = pattern.removeprefix("_")
        regex = body.replace("X", "[0-9]")
        import re

        return re.fullmatch(regex, number) is not None

    for n in range(0, 3000):
        inside = low <= n <= high
        assert any(matches(p, str(n)) for p in patterns) == inside, n


def test_modules_conf_loads_drivers_and_no_manager_so(ami_settings, pg_db):
    modules = as_dict(render_asterisk_config()["modules.conf"])["modules"]
    loads = modules.getall("load")
    for module in (
        "res_config_pgsql.so",
        "res_sorcery_realtime.so",
        "res_pjsip.so",
        "pbx_realtime.so",
        "app_queue.so",
        "res_pjsip_outbound_registration.so",
        "res_pjsip_acl.so",
    ):
        assert module in loads
    assert "manager.so" not in loads


def test_sqlite_realtime_db_is_refused_with_the_way_to_postgresql(ami_settings, monkeypatch, tmp_path):
    dbfile = tmp_path / "crm.sqlite3"
    monkeypatch.setattr(
        writer, "_realtime_db_settings", lambda: {"ENGINE": "django.db.backends.sqlite3", "NAME": str(dbfile)}
    )
    with pytest.raises(AsteriskConfigError) as refused:
        render_asterisk_config()
    message = str(refused.value)
    assert message.startswith("The realtime database is SQLite, and Asterisk's SQLite driver (res_config_sqlite3)")
    assert "DATABASE_URL=postgres://" in message and "ASTERISK_DB_NAME" in message
    assert "migrate --database=asterisk" in message
    with pytest.raises(AsteriskConfigError):
        write_asterisk_config(tmp_path / "etc")
    assert not (tmp_path / "etc").exists()


def test_write_skips_existing_unless_forced(ami_settings, pg_db, tmp_path):
    target = tmp_path / "etc"
    first = write_asterisk_config(target)
    assert {f.status for f in first} == {"written"}
    assert {f.path.name for f in first} == set(render_asterisk_config())
    manager = target / "manager.conf"
    assert stat.S_IMODE(manager.stat().st_mode) == 0o640
    manager.write_text("; mine\n")
    second = write_asterisk_config(target)
    assert {f.status for f in second} == {"skipped"}
    assert manager.read_text() == "; mine\n"
    third = write_asterisk_config(target, force=True)
    assert {f.status for f in third} == {"written"}
    assert "[crm]" in manager.read_text()


def test_bad_setting_writes_nothing(ami_settings, pg_db, tmp_path):
    ami_settings.VOIP_ASTERISK_CONFIG = {**ami_settings.VOIP_ASTERISK_CONFIG, "AMI_PERMIT": ["0.0.0.0/0"]}
    with pytest.raises(AsteriskConfigError):
        write_asterisk_config(tmp_path / "etc")
    assert not (tmp_path / "etc").exists()


def test_inifile_reader_rejects_garbage():
    with pytest.raises(ValueError):
        parse("[general]\nthis is not an option\n")
    with pytest.raises(ValueError):
        parse("key = value before section\n")
    assert parse("[t](!)\na => b ; c\n")[0].is_template


def test_sorcery_cache_off_by_default_and_in_front_of_the_realtime_wizards_when_on(ami_settings, pg_db):
    assert "memory_cache" not in render_asterisk_config()["sorcery.conf"]
    ami_settings.VOIP_ASTERISK_CONFIG = {**ami_settings.VOIP_ASTERISK_CONFIG, "SORCERY_MEMORY_CACHE": True}
    files = render_asterisk_config()
    res_pjsip = as_dict(files["sorcery.conf"])["res_pjsip"]
    keys = [key for key, _op, _value in res_pjsip.options]
    for object_type, cache in writer.SORCERY_MEMORY_CACHES.items():
        # A cache wizard must come before the realtime one (configs/samples/sorcery.conf.sample).
        assert keys.index(f"{object_type}/cache") < keys.index(object_type)
        assert res_pjsip.get(f"{object_type}/cache") == f"memory_cache,name={cache},expire_on_reload=yes"
    assert writer.SORCERY_MEMORY_CACHES.keys() == {"endpoint", "aor", "auth"}
    assert not any(key in keys for key in ("contact/cache", "transport/cache"))  # Asterisk writes contacts
    assert "load => res_sorcery_memory_cache.so" in files["modules.conf"]
