"""The user's guide, step by step, against a real Asterisk and real softphones.

Each step is typed as the guide has the user type it (``setup_asterisk_realtime`` flags, the
guide's Python), and checked on Asterisk's side: its CLI, its sockets, the phones' registrations.
"""

from __future__ import annotations

import re
import socket
import uuid

import pytest
from django.contrib.auth import get_user_model

from tests.integration.asterisk import free_port
from tests.integration.conftest import PASSWORD_LINE, run_command
from tests.integration.phones import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, databases=["default", "asterisk"])]


def sip_options(port: int) -> bytes:
    """Send one SIP OPTIONS over UDP to 127.0.0.1:port and return the reply (b"" when nothing answers)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        probe.settimeout(2)
        local = probe.getsockname()[1]
        call_id = uuid.uuid4().hex
        request = (
            f"OPTIONS sip:127.0.0.1:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bK{call_id[:16]};rport\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:probe@127.0.0.1>;tag={call_id[:8]}\r\n"
            f"To: <sip:127.0.0.1:{port}>\r\n"
            f"Call-ID: {call_id}\r\n"
            "CSeq: 1 OPTIONS\r\n"
            "Content-Length: 0\r\n\r\n"
        )
        probe.sendto(request.encode(), ("127.0.0.1", port))
        try:
            return probe.recv(65536)
        except TimeoutError:
            return b""


def test_test_connection_prints_both_lines_with_the_real_version(live_pbx):
    status, out, err = run_command("--test-connection")

    assert status == 0, err
    assert "✓ Database connection OK (0 endpoints found)" in out
    version = re.search(r"✓ AMI connection OK \(Asterisk (\S+)\)", out)
    assert version, out
    assert version.group(1) == live_pbx.cli("core show version").split()[1]  # "Asterisk 22.10.1 built by ..."


def test_create_transports_makes_asterisk_listen(live_pbx, settings):
    # A transport this Asterisk has never seen (the others stay bound after earlier tests).
    port = free_port(socket.SOCK_DGRAM)
    settings.VOIP_PROVISIONING = {
        **settings.VOIP_PROVISIONING,
        "ENDPOINT_TRANSPORT": "transport-fresh",
        "TRANSPORT_BIND": f"127.0.0.1:{port}",
    }
    assert sip_options(port) == b""

    status, out, err = run_command("--create-transports")

    assert status == 0, err
    assert f"✓ Created transport transport-fresh (udp, bind 127.0.0.1:{port})" in out
    # Nothing else looks the transport up first: the command itself must have made Asterisk bind it.
    reply = wait_until(lambda: sip_options(port), timeout=10, what="a SIP reply on the new transport")
    assert reply.startswith(b"SIP/2.0 ")
    transports = live_pbx.cli("pjsip show transports")
    assert re.search(rf"Transport:\s+transport-fresh\s+udp\s+\d+\s+\d+\s+127\.0\.0\.1:{port}", transports)


def test_guide_steps_6_to_9_two_phones_register_and_originate_connects_them(live_pbx, phone_factory):
    assert run_command("--create-transports")[0] == 0
    status, out, err = run_command("--create-test-endpoints", "2")
    assert status == 0, err
    passwords = dict(PASSWORD_LINE.findall(out))
    assert sorted(passwords) == ["1000", "1001"], out

    endpoints = live_pbx.cli("pjsip show endpoints")
    auths = live_pbx.cli("pjsip show auths")
    aors = live_pbx.cli("pjsip show aors")
    for number in ("1000", "1001"):
        assert re.search(rf"Endpoint:\s+{number}\b", endpoints), endpoints
        assert re.search(rf"Auth:\s+{number}\b", auths), auths
        assert re.search(rf"Aor:\s+{number}\b", aors), aors

    status, out, err = run_command("--validate")
    assert status == 0, out + err
    assert "✗" not in out + err

    phone_1000 = phone_factory("1000", passwords["1000"])
    phone_1001 = phone_factory("1001", passwords["1001"])

    # Step 9, as the guide writes it.
    from django.conf import settings

    from voip.backends.asteriskbackend import AsteriskRealtimeAPI

    config = next(b for b in settings.VOIP if b["PROVIDER"] == "Asterisk")
    api = AsteriskRealtimeAPI(**config["OPTIONS"])
    assert api.test_connection()["ok"] is True
    api.originate_call("1000", "1001")

    phone_1000.wait_event("CALL_ESTABLISHED")
    phone_1001.wait_event("CALL_ESTABLISHED")
    channels = wait_until(lambda: len(live_pbx.channels()) >= 2 and live_pbx.channels(), what="two legs up")
    assert any(name.startswith("PJSIP/1000-") for name in channels)
    assert any(name.startswith("PJSIP/1001-") for name in channels)
    bridged = live_pbx.cli("bridge show all")
    assert re.search(r"\b2\b", bridged.splitlines()[-1]), bridged  # one bridge with both channels


def test_guide_step_10_provisioned_users_register_with_their_results(live_pbx, phone_factory):
    assert run_command("--create-transports")[0] == 0
    users = get_user_model().objects
    users.create_user("ivanov", password="x-Ivanov-1", first_name="Ivan", last_name="Ivanov")
    status, out, err = run_command("--provision-users")
    assert status == 0, err
    created = re.search(r"✓ Created extension (\d+) for ivanov \(password: (\S+)\)", out)
    assert created, out

    from voip.utils.asterisk_realtime import auto_provision_endpoint

    petrov = users.create_user("petrov", password="x-Petrov-1", first_name="Petr", last_name="Petrov")
    result = auto_provision_endpoint(petrov)
    assert result["sip_uri"] == f"sip:{result['endpoint_id']}@127.0.0.1"

    phone_factory(created.group(1), created.group(2))
    phone_factory(result["endpoint_id"], result["password"])
    assert live_pbx.contacts_of(created.group(1))
    assert live_pbx.contacts_of(result["endpoint_id"])


def test_admin_endpoint_list_shows_the_phone_registered(live_pbx, two_extensions, phone_factory, client):
    phone_factory("1000", two_extensions["1000"])
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "x-Root-12345")
    client.force_login(admin)

    page = client.get("/admin/realtime/psendpoint/")

    assert page.status_code == 200
    status = {
        number: re.search(r"voip-status-(\w+)", row).group(1)
        for row in re.findall(r"<tr.*?</tr>", page.text, re.S)
        for number in re.findall(r">(100[01])</a>", row)
    }
    assert status == {"1000": "registered", "1001": "unregistered"}, status
