"""A second private Asterisk playing a SIP provider, on 127.0.0.2, for the trunk and route tests.

It has a static configuration (no database): one account that the CRM's trunk can register to and
that calls from the CRM reach, and a dialplan that writes down every call it receives. Calls it
places to the CRM come from 127.0.0.2, so the CRM tells them apart from the phones' (127.0.0.1).

Use it through the ``provider`` fixture (``tests/integration/conftest.py``):

* ``provider.host`` ("127.0.0.2"), ``provider.port`` (its UDP SIP port, free on 127.0.0.2),
  ``provider.address`` ("127.0.0.2:<port>": the trunk's ``host``), ``provider.username`` /
  ``provider.password`` (the account: ``trunk_save(name=..., host=provider.address,
  username=provider.username, password=provider.password, register=True, match=[provider.host])``).
  ``provider.realm`` is the realm of its challenges (not "asterisk", NOTES "Trunks").
* ``provider.registered()`` -> bool: the CRM's trunk holds a contact on the provider;
  ``provider.wait_registered(timeout=10)`` / ``provider.wait_unregistered(timeout=10)``.
* ``provider.calls()`` -> list of :class:`ReceivedCall` (``exten``: the number the provider was
  asked for, ``caller_id``: CALLERID(num), ``caller_name``, ``source``: the CRM endpoint it came
  in as), in order; ``provider.wait_for_call(timeout=15)`` returns the next new one. Each received
  call is answered and kept up ``provider.answer_seconds`` (default 3) seconds, then hung up.
* ``provider.call_crm(did, caller_id="+79161234567", via="registration")``: the provider calls
  ``did`` at the CRM: ``via="registration"`` to the contact the CRM's trunk registered,
  ``via="static"`` to the CRM's SIP address (an IP-authenticated trunk, no registration). The call
  rings up to 30 s and is hung up by the provider after ``provider.answer_seconds`` once answered.
* ``provider.stop()`` / ``provider.start()`` (qualify tests), ``provider.cli(command)``,
  ``provider.asterisk`` (the :class:`~tests.integration.asterisk.PrivateAsterisk`),
  ``provider.reset()`` (forgets received calls; the fixture calls it before each test).

The fixture is package-scoped like ``pbx`` (one provider per run) and needs the ``pbx`` fixture,
whose SIP port it calls.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from tests.integration.asterisk import PrivateAsterisk
from tests.integration.phones import wait_until

PROVIDER_HOST = "127.0.0.2"
PROVIDER_USERNAME = "crm"
PROVIDER_REALM = "acme-carrier"
PROVIDER_RTP = (33000, 33499)
# One record per received call: exten|caller id|caller name|endpoint.
_CALL_LINE = re.compile(r"^([^|]*)\|([^|]*)\|([^|]*)\|([^|]*)$")


@dataclass(frozen=True)
class ReceivedCall:
    exten: str
    caller_id: str
    caller_name: str
    source: str


def provider_files(*, port: int, password: str, crm_sip: str, calls_log: Path, answer_seconds: int) -> dict[str, str]:
    """The provider's static configuration files (name -> text)."""
    pjsip = f"""; The provider of the trunk tests (tests/integration/provider.py).
[global]
type=global
endpoint_identifier_order=ip,username

[transport-udp]
type=transport
protocol=udp
bind={PROVIDER_HOST}:{port}

; The CRM's account: it registers here, and its calls are challenged in the provider's realm.
[{PROVIDER_USERNAME}]
type=endpoint
transport=transport-udp
context=provider-in
disallow=all
allow=ulaw,alaw
auth={PROVIDER_USERNAME}
aors={PROVIDER_USERNAME}
direct_media=no
rtp_symmetric=yes
send_rpid=yes
trust_id_inbound=yes

[{PROVIDER_USERNAME}]
type=auth
auth_type=userpass
username={PROVIDER_USERNAME}
password={password}
realm={PROVIDER_REALM}

[{PROVIDER_USERNAME}]
type=aor
max_contacts=1
remove_existing=yes

; The CRM's calls arrive from its address (127.0.0.1): they are this account's.
[{PROVIDER_USERNAME}-identify]
type=identify
endpoint={PROVIDER_USERNAME}
match=127.0.0.1

; Calls to the CRM for a trunk without registration: straight to its SIP address.
[crmstatic]
type=endpoint
transport=transport-udp
context=provider-in
disallow=all
allow=ulaw,alaw
aors=crmstatic
direct_media=no
send_rpid=yes

[crmstatic]
type=aor
contact=sip:{crm_sip}
"""
    extensions = f"""; The provider's dialplan (tests/integration/provider.py).
[general]
static=yes
writeprotect=yes

[globals]

[provider-in]
exten => _[+0-9*#].,1,Set(RECORD=${{EXTEN}}|${{CALLERID(num)}}|${{CALLERID(name)}}|${{CHANNEL(endpoint)}})
 same => n,Set(FILE({calls_log},,,al,u)=${{RECORD}})
 same => n,Answer()
 same => n,Wait({answer_seconds})
 same => n,Hangup()

; Local/<endpoint>*<caller id>*<did>@provider-out: call <did> at the CRM with that caller ID.
[provider-out]
exten => _[a-z].,1,Set(CALLERID(num)=${{CUT(EXTEN,*,2)}})
 same => n,Set(CALLERID(name)=Provider)
 same => n,Dial(PJSIP/${{CUT(EXTEN,*,3)}}@${{CUT(EXTEN,*,1)}},30)
 same => n,Hangup()
"""
    modules = """[modules]
autoload=yes
noload => res_config_pgsql.so
noload => cdr_pgsql.so
"""
    return {
        "pjsip.conf": pjsip,
        "extensions.conf": extensions,
        "modules.conf": modules,
        "manager.conf": "[general]\nenabled=no\n",
        "sorcery.conf": "",
        "extconfig.conf": "[settings]\n",
    }


class Provider:
    """The provider instance; see the module documentation for the API."""

    host = PROVIDER_HOST
    username = PROVIDER_USERNAME
    realm = PROVIDER_REALM

    def __init__(self, root: Path, *, port: int, password: str, crm_sip: str, answer_seconds: int = 3) -> None:
        self.port = port
        self.password = password
        self.crm_sip = crm_sip
        self.answer_seconds = answer_seconds
        self.asterisk = PrivateAsterisk(root, rtp_range=PROVIDER_RTP)
        self.calls_log = root / "calls.log"
        self._seen = 0

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def configure(self) -> None:
        self.calls_log.parent.mkdir(parents=True, exist_ok=True)
        # FILE() opens the file for appending only if it exists (funcs/func_env.c).
        self.calls_log.touch()
        self.asterisk.configure_files(
            provider_files(
                port=self.port,
                password=self.password,
                crm_sip=self.crm_sip,
                calls_log=self.calls_log,
                answer_seconds=self.answer_seconds,
            )
        )
        # FILE(...,al) appends only to a file that exists (func_env.c: "Cannot open").
        self.calls_log.parent.mkdir(parents=True, exist_ok=True)
        self.calls_log.touch()

    def start(self) -> None:
        self.asterisk.start()

    def stop(self) -> None:
        self.asterisk.stop()

    def running(self) -> bool:
        process = self.asterisk.process
        return process is not None and process.poll() is None

    def cli(self, command: str) -> str:
        return self.asterisk.cli(command)

    def reset(self) -> None:
        self._seen = len(self.calls())

    # -- registrations ------------------------------------------------------------------------
    def registered(self) -> bool:
        output = self.cli(f"pjsip show aor {self.username}")
        return bool(re.search(rf"Contact:\s+{re.escape(self.username)}/sip:", output))

    def wait_registered(self, timeout: float = 10) -> None:
        wait_until(self.registered, timeout=timeout, what=f"a contact of {self.username} on the provider")

    def wait_unregistered(self, timeout: float = 10) -> None:
        wait_until(
            lambda: not self.registered(), timeout=timeout, what=f"no contact of {self.username} on the provider"
        )

    # -- calls --------------------------------------------------------------------------------
    def calls(self) -> list[ReceivedCall]:
        if not self.calls_log.exists():
            return []
        found = []
        for line in self.calls_log.read_text(encoding="utf-8", errors="replace").splitlines():
            match = _CALL_LINE.match(line)
            if match:
                found.append(ReceivedCall(*match.groups()))
        return found

    def wait_for_call(self, timeout: float = 15) -> ReceivedCall:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.calls()
            if len(calls) > self._seen:
                self._seen += 1
                return calls[self._seen - 1]
            time.sleep(0.2)
        raise AssertionError(f"the provider received no call within {timeout} s (calls so far: {self.calls()})")

    def call_crm(self, did: str, *, caller_id: str = "+79161234567", via: str = "registration") -> None:
        endpoint = {"registration": self.username, "static": "crmstatic"}[via]
        if not re.fullmatch(r"\+?[0-9]{1,20}", did) or not re.fullmatch(r"\+?[0-9]{1,20}", caller_id):
            raise ValueError("did and caller_id are digits with an optional leading +")
        self.cli(
            f"channel originate Local/{endpoint}*{caller_id}*{did}@provider-out application Wait {self.answer_seconds}"
        )
