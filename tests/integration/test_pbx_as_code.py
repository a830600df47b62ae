"""``pbx apply`` against the private Asterisk, with the second private Asterisk as the provider.

Nothing is reloaded by hand: what the file says is live once the apply returns (the notifier
sends what it needs after the commit), and applying the export afterwards changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.conftest import Pbx, run_command
from tests.integration.provider import Provider
from voip.pbx.selectors import pbx_export
from voip.pbx.services import pbx_apply
from voip.trunks.models import Trunk
from voip.trunks.services import trunk_delete

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, databases=["default", "asterisk"])]


@pytest.fixture
def transports(live_pbx: Pbx) -> Iterator[Pbx]:
    assert run_command("--create-transports")[0] == 0
    yield live_pbx
    # Through the service, before the databases are flushed: Asterisk unloads the registrations.
    for name in Trunk.objects.values_list("name", flat=True):
        trunk_delete(name=name)


def pbx_file(provider: Provider) -> str:
    return f"""
extensions:
  - number: "1000"
trunks:
  - name: carrier1
    host: "{provider.address}"
    username: {provider.username}
    password: ${{env:PROVIDER_PASSWORD}}
    register: true
    match: ["{provider.host}"]
    qualify_frequency: 0
"""


def test_an_applied_file_is_live_and_its_export_applies_as_a_no_op(
    transports: Pbx, provider: Provider, phone_factory, monkeypatch
) -> None:
    monkeypatch.setenv("PROVIDER_PASSWORD", provider.password)
    result = pbx_apply(text=pbx_file(provider))
    # The trunk registers to the provider with no reload typed by anyone.
    provider.wait_registered(timeout=10)
    # The extension takes a registration with the password apply printed once.
    (note,) = [note for note in result.notes if note.startswith("extension 1000 created")]
    phone_factory("1000", note.rsplit(" ", 1)[1])

    exported = pbx_export()
    assert provider.password not in exported
    again = pbx_apply(text=exported)
    assert again.changes == [] and again.notes == []
    assert provider.registered()
    assert transports.contacts_of("1000")

    # The trunk dropped from the file is unregistered and gone from Asterisk.
    pbx_apply(text="trunks: []\n")
    provider.wait_unregistered(timeout=10)
    assert "carrier1" not in transports.cli("pjsip show registrations")
