"""Live on save on the private Asterisk: a changed endpoint is what Asterisk uses, with and without
the sorcery memory cache (ASTERISK_SORCERY_CACHE)."""

from __future__ import annotations

import io
import re
import shutil
import time
from pathlib import Path

import pytest

from tests.integration.phones import wait_until
from voip.provisioning import services
from voip.realtime.models import PsEndpoint
from voip.realtime.router import realtime_db_alias

CALLERID = re.compile(r"^\s*callerid\s*:\s*(.*?)\s*$", re.MULTILINE)
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, databases=["default", "asterisk"])]

LIVE_WITHIN = 1.0  # seconds: the target for an edit to be live


def callerid_in_asterisk(pbx, endpoint_id: str) -> str:
    match = CALLERID.search(pbx.cli(f"pjsip show endpoint {endpoint_id}"))
    assert match, f"no callerid line for endpoint {endpoint_id}"
    return match.group(1)


def install_sorcery_conf(pbx, directory: Path, *, cache: bool, settings) -> None:
    """Render sorcery.conf with --write-config as the setting says, put it in Asterisk's etc, restart."""
    from django.core.management import call_command

    settings.VOIP_ASTERISK_CONFIG = {**settings.VOIP_ASTERISK_CONFIG, "SORCERY_MEMORY_CACHE": cache}
    shutil.rmtree(directory, ignore_errors=True)
    call_command("setup_asterisk_realtime", "--write-config", str(directory), stdout=io.StringIO())
    shutil.copy(directory / "sorcery.conf", pbx.asterisk.etc / "sorcery.conf")
    pbx.asterisk.restart_now()


def test_without_the_cache_a_callerid_change_is_live_at_once(live_pbx, two_extensions) -> None:
    assert "memory_cache" not in (live_pbx.asterisk.etc / "sorcery.conf").read_text()
    assert callerid_in_asterisk(live_pbx, "1000") == '"Test endpoint" <1000>'
    services.update_extension("1000", name="Live Without Cache")
    wait_until(
        lambda: callerid_in_asterisk(live_pbx, "1000") == '"Live Without Cache" <1000>',
        timeout=LIVE_WITHIN,
        what="the new caller id in pjsip show endpoint 1000",
    )


def test_with_the_cache_the_notifier_expiry_makes_the_change_live(live_pbx, two_extensions, settings, tmp_path):
    try:
        install_sorcery_conf(live_pbx, tmp_path / "cached", cache=True, settings=settings)
        assert "crm_endpoint" in live_pbx.cli("sorcery memory cache show crm_endpoint")
        assert callerid_in_asterisk(live_pbx, "1000") == '"Test endpoint" <1000>'  # now cached

        # A row changed behind the notifier's back stays stale: the cache is really in front.
        PsEndpoint.objects.using(realtime_db_alias()).filter(id="1000").update(callerid='"Behind" <1000>')
        time.sleep(LIVE_WITHIN)
        assert callerid_in_asterisk(live_pbx, "1000") == '"Test endpoint" <1000>'

        # The service's save notifies: SorceryMemoryCacheExpireObject, and the next lookup reads the row.
        services.update_extension("1000", name="Live With Cache")
        wait_until(
            lambda: callerid_in_asterisk(live_pbx, "1000") == '"Live With Cache" <1000>',
            timeout=LIVE_WITHIN,
            what="the new caller id through the memory cache",
        )
        # Disabling (AOR max_contacts=0) reaches the cached AOR too.
        services.disable_extension("1000")
        wait_until(
            lambda: re.search(r"max_contacts\s*:\s*0\b", live_pbx.cli("pjsip show aor 1000")),
            timeout=LIVE_WITHIN,
            what="max_contacts 0 through the memory cache",
        )
    finally:
        install_sorcery_conf(live_pbx, tmp_path / "default", cache=False, settings=settings)
        assert "memory_cache" not in (live_pbx.asterisk.etc / "sorcery.conf").read_text()
