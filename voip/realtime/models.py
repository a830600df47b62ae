"""Django models of Asterisk's realtime tables, written from Asterisk 22.10.1's own schema.

``tests/foundation/test_schema_conformance.py`` checks them against that schema on every
PostgreSQL test run (docs/decisions.md, "Realtime tables").

Every column Asterisk's own schema scripts (contrib/ast-db-manage) create is here with the same
name, a compatible type, the same length and nullability. Deviations, each for a reason:

* PostgreSQL enum types are ``varchar`` plus a CHECK constraint listing the same values (plus
  Django ``choices``): portable to SQLite, and an adopted database that keeps Asterisk's enum types
  accepts the same strings.
* Django needs a primary key. Tables with ``UNIQUE(id)`` get a primary key on ``id`` (which also
  satisfies ``UNIQUE(id)``). ``queue_members`` keeps ``UNIQUE(queue_name, interface)`` as a unique
  constraint and uses ``uniqueid`` (already ``NOT NULL UNIQUE``) as the primary key, with a database
  default so Django and Asterisk can both insert. ``cdr`` and ``queue_rules`` have no key at all: they
  get a surrogate ``id`` identity column that Asterisk, which inserts by column name, never sees.
* ``timestamp without time zone`` columns hold the PBX's local wall-clock time: ``PbxDateTimeField``
  keeps them naive instead of converting to UTC.
* Indexes Asterisk's scripts lack are added by migration 0002 so they also reach adopted databases.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .fields import PbxDateTimeField

AST_BOOL_VALUES_CHOICES = [
    ("0", "0"),
    ("1", "1"),
    ("off", "off"),
    ("on", "on"),
    ("false", "false"),
    ("true", "true"),
    ("no", "no"),
    ("yes", "yes"),
]
IAX_ENCRYPTION_VALUES_CHOICES = [("yes", "yes"), ("no", "no"), ("aes128", "aes128")]
IAX_REQUIRECALLTOKEN_VALUES_CHOICES = [("yes", "yes"), ("no", "no"), ("auto", "auto")]
IAX_TRANSFER_VALUES_CHOICES = [("yes", "yes"), ("no", "no"), ("mediaonly", "mediaonly")]
MOH_MODE_VALUES_CHOICES = [
    ("custom", "custom"),
    ("files", "files"),
    ("mp3nb", "mp3nb"),
    ("quietmp3nb", "quietmp3nb"),
    ("quietmp3", "quietmp3"),
    ("playlist", "playlist"),
]
PJSIP_100REL_VALUES_V2_CHOICES = [
    ("no", "no"),
    ("required", "required"),
    ("peer_supported", "peer_supported"),
    ("yes", "yes"),
]
PJSIP_AUTH_TYPE_VALUES_V2_CHOICES = [
    ("md5", "md5"),
    ("userpass", "userpass"),
    ("google_oauth", "google_oauth"),
]
PJSIP_CID_PRIVACY_VALUES_CHOICES = [
    ("allowed_not_screened", "allowed_not_screened"),
    ("allowed_passed_screened", "allowed_passed_screened"),
    ("allowed_failed_screened", "allowed_failed_screened"),
    ("allowed", "allowed"),
    ("prohib_not_screened", "prohib_not_screened"),
    ("prohib_passed_screened", "prohib_passed_screened"),
    ("prohib_failed_screened", "prohib_failed_screened"),
    ("prohib", "prohib"),
    ("unavailable", "unavailable"),
]
PJSIP_CONNECTED_LINE_METHOD_VALUES_CHOICES = [
    ("invite", "invite"),
    ("reinvite", "reinvite"),
    ("update", "update"),
]
PJSIP_DIRECT_MEDIA_GLARE_MITIGATION_VALUES_CHOICES = [
    ("none", "none"),
    ("outgoing", "outgoing"),
    ("incoming", "incoming"),
]
PJSIP_DTLS_SETUP_VALUES_CHOICES = [
    ("active", "active"),
    ("passive", "passive"),
    ("actpass", "actpass"),
]
PJSIP_DTMF_MODE_VALUES_V3_CHOICES = [
    ("rfc4733", "rfc4733"),
    ("inband", "inband"),
    ("info", "info"),
    ("auto", "auto"),
    ("auto_info", "auto_info"),
]
PJSIP_INCOMING_CALL_OFFER_PREF_VALUES_CHOICES = [
    ("local", "local"),
    ("local_first", "local_first"),
    ("remote", "remote"),
    ("remote_first", "remote_first"),
]
PJSIP_MEDIA_ENCRYPTION_VALUES_CHOICES = [
    ("no", "no"),
    ("sdes", "sdes"),
    ("dtls", "dtls"),
]
PJSIP_OUTGOING_CALL_OFFER_PREF_VALUES_CHOICES = [
    ("local", "local"),
    ("local_merge", "local_merge"),
    ("local_first", "local_first"),
    ("remote", "remote"),
    ("remote_merge", "remote_merge"),
    ("remote_first", "remote_first"),
]
PJSIP_REDIRECT_METHOD_VALUES_CHOICES = [
    ("user", "user"),
    ("uri_core", "uri_core"),
    ("uri_pjsip", "uri_pjsip"),
]
PJSIP_T38UDPTL_EC_VALUES_CHOICES = [
    ("none", "none"),
    ("fec", "fec"),
    ("redundancy", "redundancy"),
]
PJSIP_TASKPROCESSOR_OVERLOAD_TRIGGER_VALUES_CHOICES = [
    ("none", "none"),
    ("global", "global"),
    ("pjsip_only", "pjsip_only"),
]
PJSIP_TIMER_VALUES_CHOICES = [
    ("forced", "forced"),
    ("no", "no"),
    ("required", "required"),
    ("yes", "yes"),
]
PJSIP_TRANSPORT_METHOD_VALUES_V2_CHOICES = [
    ("default", "default"),
    ("unspecified", "unspecified"),
    ("tlsv1", "tlsv1"),
    ("tlsv1_1", "tlsv1_1"),
    ("tlsv1_2", "tlsv1_2"),
    ("tlsv1_3", "tlsv1_3"),
    ("sslv2", "sslv2"),
    ("sslv23", "sslv23"),
    ("sslv3", "sslv3"),
]
PJSIP_TRANSPORT_PROTOCOL_VALUES_V2_CHOICES = [
    ("udp", "udp"),
    ("tcp", "tcp"),
    ("tls", "tls"),
    ("ws", "ws"),
    ("wss", "wss"),
    ("flow", "flow"),
]
QUEUE_AUTOPAUSE_VALUES_CHOICES = [("yes", "yes"), ("no", "no"), ("all", "all")]
QUEUE_STRATEGY_VALUES_CHOICES = [
    ("ringall", "ringall"),
    ("leastrecent", "leastrecent"),
    ("fewestcalls", "fewestcalls"),
    ("random", "random"),
    ("rrmemory", "rrmemory"),
    ("linear", "linear"),
    ("wrandom", "wrandom"),
    ("rrordered", "rrordered"),
]
SECURITY_NEGOTIATION_VALUES_CHOICES = [("no", "no"), ("mediasec", "mediasec")]
SHA_HASH_VALUES_CHOICES = [("SHA-1", "SHA-1"), ("SHA-256", "SHA-256")]
SIP_CALLINGPRES_VALUES_CHOICES = [
    ("allowed_not_screened", "allowed_not_screened"),
    ("allowed_passed_screen", "allowed_passed_screen"),
    ("allowed_failed_screen", "allowed_failed_screen"),
    ("allowed", "allowed"),
    ("prohib_not_screened", "prohib_not_screened"),
    ("prohib_passed_screen", "prohib_passed_screen"),
    ("prohib_failed_screen", "prohib_failed_screen"),
    ("prohib", "prohib"),
]
SIP_DIRECTMEDIA_VALUES_V2_CHOICES = [
    ("yes", "yes"),
    ("no", "no"),
    ("nonat", "nonat"),
    ("update", "update"),
    ("outgoing", "outgoing"),
]
SIP_DTMFMODE_VALUES_CHOICES = [
    ("rfc2833", "rfc2833"),
    ("info", "info"),
    ("shortinfo", "shortinfo"),
    ("inband", "inband"),
    ("auto", "auto"),
]
SIP_PROGRESSINBAND_VALUES_CHOICES = [("yes", "yes"), ("no", "no"), ("never", "never")]
SIP_SESSION_REFRESHER_VALUES_CHOICES = [("uac", "uac"), ("uas", "uas")]
SIP_SESSION_TIMERS_VALUES_CHOICES = [
    ("accept", "accept"),
    ("refuse", "refuse"),
    ("originate", "originate"),
]
SIP_TRANSPORT_VALUES_CHOICES = [
    ("udp", "udp"),
    ("tcp", "tcp"),
    ("tls", "tls"),
    ("ws", "ws"),
    ("wss", "wss"),
    ("udp,tcp", "udp,tcp"),
    ("tcp,udp", "tcp,udp"),
]
TYPE_VALUES_CHOICES = [("friend", "friend"), ("user", "user"), ("peer", "peer")]
YES_NO_VALUES_CHOICES = [("yes", "yes"), ("no", "no")]
YESNO_VALUES_CHOICES = [("yes", "yes"), ("no", "no")]

ENUM_VALUES: dict[str, list[str]] = {
    "ast_bool_values": [value for value, _label in AST_BOOL_VALUES_CHOICES],
    "iax_encryption_values": [value for value, _label in IAX_ENCRYPTION_VALUES_CHOICES],
    "iax_requirecalltoken_values": [value for value, _label in IAX_REQUIRECALLTOKEN_VALUES_CHOICES],
    "iax_transfer_values": [value for value, _label in IAX_TRANSFER_VALUES_CHOICES],
    "moh_mode_values": [value for value, _label in MOH_MODE_VALUES_CHOICES],
    "pjsip_100rel_values_v2": [value for value, _label in PJSIP_100REL_VALUES_V2_CHOICES],
    "pjsip_auth_type_values_v2": [value for value, _label in PJSIP_AUTH_TYPE_VALUES_V2_CHOICES],
    "pjsip_cid_privacy_values": [value for value, _label in PJSIP_CID_PRIVACY_VALUES_CHOICES],
    "pjsip_connected_line_method_values": [value for value, _label in PJSIP_CONNECTED_LINE_METHOD_VALUES_CHOICES],
    "pjsip_direct_media_glare_mitigation_values": [
        value for value, _label in PJSIP_DIRECT_MEDIA_GLARE_MITIGATION_VALUES_CHOICES
    ],
    "pjsip_dtls_setup_values": [value for value, _label in PJSIP_DTLS_SETUP_VALUES_CHOICES],
    "pjsip_dtmf_mode_values_v3": [value for value, _label in PJSIP_DTMF_MODE_VALUES_V3_CHOICES],
    "pjsip_incoming_call_offer_pref_values": [value for value, _label in PJSIP_INCOMING_CALL_OFFER_PREF_VALUES_CHOICES],
    "pjsip_media_encryption_values": [value for value, _label in PJSIP_MEDIA_ENCRYPTION_VALUES_CHOICES],
    "pjsip_outgoing_call_offer_pref_values": [value for value, _label in PJSIP_OUTGOING_CALL_OFFER_PREF_VALUES_CHOICES],
    "pjsip_redirect_method_values": [value for value, _label in PJSIP_REDIRECT_METHOD_VALUES_CHOICES],
    "pjsip_t38udptl_ec_values": [value for value, _label in PJSIP_T38UDPTL_EC_VALUES_CHOICES],
    "pjsip_taskprocessor_overload_trigger_values": [
        value for value, _label in PJSIP_TASKPROCESSOR_OVERLOAD_TRIGGER_VALUES_CHOICES
    ],
    "pjsip_timer_values": [value for value, _label in PJSIP_TIMER_VALUES_CHOICES],
    "pjsip_transport_method_values_v2": [value for value, _label in PJSIP_TRANSPORT_METHOD_VALUES_V2_CHOICES],
    "pjsip_transport_protocol_values_v2": [value for value, _label in PJSIP_TRANSPORT_PROTOCOL_VALUES_V2_CHOICES],
    "queue_autopause_values": [value for value, _label in QUEUE_AUTOPAUSE_VALUES_CHOICES],
    "queue_strategy_values": [value for value, _label in QUEUE_STRATEGY_VALUES_CHOICES],
    "security_negotiation_values": [value for value, _label in SECURITY_NEGOTIATION_VALUES_CHOICES],
    "sha_hash_values": [value for value, _label in SHA_HASH_VALUES_CHOICES],
    "sip_callingpres_values": [value for value, _label in SIP_CALLINGPRES_VALUES_CHOICES],
    "sip_directmedia_values_v2": [value for value, _label in SIP_DIRECTMEDIA_VALUES_V2_CHOICES],
    "sip_dtmfmode_values": [value for value, _label in SIP_DTMFMODE_VALUES_CHOICES],
    "sip_progressinband_values": [value for value, _label in SIP_PROGRESSINBAND_VALUES_CHOICES],
    "sip_session_refresher_values": [value for value, _label in SIP_SESSION_REFRESHER_VALUES_CHOICES],
    "sip_session_timers_values": [value for value, _label in SIP_SESSION_TIMERS_VALUES_CHOICES],
    "sip_transport_values": [value for value, _label in SIP_TRANSPORT_VALUES_CHOICES],
    "type_values": [value for value, _label in TYPE_VALUES_CHOICES],
    "yes_no_values": [value for value, _label in YES_NO_VALUES_CHOICES],
    "yesno_values": [value for value, _label in YESNO_VALUES_CHOICES],
}


class Cdr(models.Model):
    """``cdr``."""

    id = models.BigAutoField(primary_key=True)  # surrogate: the reference table has no key
    accountcode = models.CharField(max_length=80, null=True, blank=True)
    src = models.CharField(max_length=80, null=True, blank=True)
    dst = models.CharField(max_length=80, null=True, blank=True)
    dcontext = models.CharField(max_length=80, null=True, blank=True)
    clid = models.CharField(max_length=80, null=True, blank=True)
    channel = models.CharField(max_length=80, null=True, blank=True)
    dstchannel = models.CharField(max_length=80, null=True, blank=True)
    lastapp = models.CharField(max_length=80, null=True, blank=True)
    lastdata = models.CharField(max_length=80, null=True, blank=True)
    start = PbxDateTimeField(null=True, blank=True)
    answer = PbxDateTimeField(null=True, blank=True)
    end = PbxDateTimeField(null=True, blank=True)
    duration = models.IntegerField(null=True, blank=True)
    billsec = models.IntegerField(null=True, blank=True)
    disposition = models.CharField(max_length=45, null=True, blank=True)
    amaflags = models.CharField(max_length=45, null=True, blank=True)
    userfield = models.CharField(max_length=256, null=True, blank=True)
    uniqueid = models.CharField(max_length=150, null=True, blank=True)
    linkedid = models.CharField(max_length=150, null=True, blank=True)
    peeraccount = models.CharField(max_length=80, null=True, blank=True)
    sequence = models.IntegerField(null=True, blank=True)

    class Meta:
        db_table = "cdr"
        verbose_name = _("CDR")
        verbose_name_plural = _("CDRs")
        # Not in Asterisk's scripts; added by migration 0003 so adopted databases get them too.
        indexes = [
            models.Index(fields=["linkedid"], name="cdr_linkedid"),
            models.Index(fields=["uniqueid"], name="cdr_uniqueid"),
            models.Index(fields=["start"], name="cdr_start"),
        ]

    def __str__(self) -> str:
        return f"{self.src} -> {self.dst} ({self.start})"


class Extension(models.Model):
    """``extensions``."""

    id = models.BigAutoField(primary_key=True)
    context = models.CharField(max_length=40)
    exten = models.CharField(max_length=40)
    priority = models.IntegerField()
    app = models.CharField(max_length=40)
    appdata = models.CharField(max_length=256)

    class Meta:
        db_table = "extensions"
        verbose_name = _("dialplan row")
        verbose_name_plural = _("dialplan rows")
        constraints = [
            models.UniqueConstraint(
                fields=["context", "exten", "priority"],
                name="extensions_context_exten_priority_key",
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class MusicOnHold(models.Model):
    """``musiconhold``."""

    name = models.CharField(max_length=80, primary_key=True)
    mode = models.CharField(max_length=10, choices=MOH_MODE_VALUES_CHOICES, null=True, blank=True)
    directory = models.CharField(max_length=255, null=True, blank=True)
    application = models.CharField(max_length=255, null=True, blank=True)
    digit = models.CharField(max_length=1, null=True, blank=True)
    sort = models.CharField(max_length=10, null=True, blank=True)
    format = models.CharField(max_length=10, null=True, blank=True)
    stamp = PbxDateTimeField(null=True, blank=True)
    loop_last = models.CharField(max_length=3, choices=YESNO_VALUES_CHOICES, null=True, blank=True)

    class Meta:
        db_table = "musiconhold"
        verbose_name = _("music on hold class")
        verbose_name_plural = _("music on hold classes")
        constraints = [
            models.CheckConstraint(
                condition=Q(mode__in=ENUM_VALUES["moh_mode_values"]),
                name="musiconhold_mode_valid",
            ),
            models.CheckConstraint(
                condition=Q(loop_last__in=ENUM_VALUES["yesno_values"]),
                name="musiconhold_loop_last_valid",
            ),
        ]

    def __str__(self) -> str:
        return str(self.name)


class MusicOnHoldEntry(models.Model):
    """``musiconhold_entry``."""

    pk = models.CompositePrimaryKey("name", "position")
    name = models.CharField(max_length=80)
    position = models.IntegerField()
    entry = models.CharField(max_length=1024)

    class Meta:
        db_table = "musiconhold_entry"
        verbose_name = _("music on hold entry")
        verbose_name_plural = _("music on hold entries")

    def __str__(self) -> str:
        return f"{self.name}/{self.position}"


class PsAor(models.Model):
    """``ps_aors``."""

    id = models.CharField(max_length=255, primary_key=True)
    contact = models.CharField(max_length=255, null=True, blank=True)
    default_expiration = models.IntegerField(null=True, blank=True)
    mailboxes = models.CharField(max_length=80, null=True, blank=True)
    max_contacts = models.IntegerField(null=True, blank=True)
    minimum_expiration = models.IntegerField(null=True, blank=True)
    remove_existing = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    qualify_frequency = models.IntegerField(null=True, blank=True)
    authenticate_qualify = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    maximum_expiration = models.IntegerField(null=True, blank=True)
    outbound_proxy = models.CharField(max_length=255, null=True, blank=True)
    support_path = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    qualify_timeout = models.FloatField(null=True, blank=True)
    voicemail_extension = models.CharField(max_length=40, null=True, blank=True)
    remove_unavailable = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    qualify_2xx_only = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)

    class Meta:
        db_table = "ps_aors"
        verbose_name = _("PJSIP AOR")
        verbose_name_plural = _("PJSIP AORs")
        constraints = [
            models.CheckConstraint(
                condition=Q(remove_existing__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_aors_remove_existing_valid",
            ),
            models.CheckConstraint(
                condition=Q(authenticate_qualify__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_aors_authenticate_qualify_valid",
            ),
            models.CheckConstraint(
                condition=Q(support_path__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_aors_support_path_valid",
            ),
            models.CheckConstraint(
                condition=Q(remove_unavailable__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_aors_remove_unavailable_valid",
            ),
            models.CheckConstraint(
                condition=Q(qualify_2xx_only__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_aors_qualify_2xx_only_valid",
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class PsAsteriskPublication(models.Model):
    """``ps_asterisk_publications``."""

    id = models.CharField(max_length=40, primary_key=True)
    devicestate_publish = models.CharField(max_length=40, null=True, blank=True)
    mailboxstate_publish = models.CharField(max_length=40, null=True, blank=True)
    device_state = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    device_state_filter = models.CharField(max_length=256, null=True, blank=True)
    mailbox_state = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    mailbox_state_filter = models.CharField(max_length=256, null=True, blank=True)

    class Meta:
        db_table = "ps_asterisk_publications"
        verbose_name = _("PJSIP Asterisk publication")
        verbose_name_plural = _("PJSIP Asterisk publications")
        constraints = [
            models.CheckConstraint(
                condition=Q(device_state__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_asterisk_publications_device_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(mailbox_state__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_asterisk_publications_mailbox_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class PsAuth(models.Model):
    """``ps_auths``."""

    # Never shown, filtered, searched or sorted on in the admin (voip.admin.common.SecretFieldsAdminMixin).
    secret_fields: ClassVar[tuple[str, ...]] = (
        "password",
        "md5_cred",
        "password_digest",
        "oauth_secret",
        "refresh_token",
    )

    id = models.CharField(max_length=255, primary_key=True)
    auth_type = models.CharField(max_length=12, choices=PJSIP_AUTH_TYPE_VALUES_V2_CHOICES, null=True, blank=True)
    nonce_lifetime = models.IntegerField(null=True, blank=True)
    md5_cred = models.CharField(max_length=40, null=True, blank=True)
    password = models.CharField(max_length=80, null=True, blank=True)
    realm = models.CharField(max_length=255, null=True, blank=True)
    username = models.CharField(max_length=40, null=True, blank=True)
    refresh_token = models.CharField(max_length=255, null=True, blank=True)
    oauth_clientid = models.CharField(max_length=255, null=True, blank=True)
    oauth_secret = models.CharField(max_length=255, null=True, blank=True)
    password_digest = models.CharField(max_length=1024, null=True, blank=True)
    supported_algorithms_uas = models.CharField(max_length=1024, null=True, blank=True)
    supported_algorithms_uac = models.CharField(max_length=1024, null=True, blank=True)

    class Meta:
        db_table = "ps_auths"
        verbose_name = _("PJSIP auth")
        verbose_name_plural = _("PJSIP auths")
        constraints = [
            models.CheckConstraint(
                condition=Q(auth_type__in=ENUM_VALUES["pjsip_auth_type_values_v2"]),
                name="ps_auths_auth_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class PsContact(models.Model):
    """``ps_contacts``."""

    id = models.CharField(max_length=255, primary_key=True)
    uri = models.CharField(max_length=511, null=True, blank=True)
    expiration_time = models.BigIntegerField(null=True, blank=True)
    qualify_frequency = models.IntegerField(null=True, blank=True)
    outbound_proxy = models.CharField(max_length=255, null=True, blank=True)
    path = models.TextField(null=True, blank=True)
    user_agent = models.CharField(max_length=255, null=True, blank=True)
    qualify_timeout = models.FloatField(null=True, blank=True)
    reg_server = models.CharField(max_length=255, null=True, blank=True)
    authenticate_qualify = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    via_addr = models.CharField(max_length=40, null=True, blank=True)
    via_port = models.IntegerField(null=True, blank=True)
    call_id = models.CharField(max_length=255, null=True, blank=True)
    endpoint = models.CharField(max_length=255, null=True, blank=True)
    prune_on_boot = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    qualify_2xx_only = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)

    class Meta:
        db_table = "ps_contacts"
        verbose_name = _("PJSIP contact")
        verbose_name_plural = _("PJSIP contacts")
        constraints = [
            models.UniqueConstraint(fields=["id", "reg_server"], name="ps_contacts_uq"),
            models.CheckConstraint(
                condition=Q(authenticate_qualify__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_contacts_authenticate_qualify_valid",
            ),
            models.CheckConstraint(
                condition=Q(prune_on_boot__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_contacts_prune_on_boot_valid",
            ),
            models.CheckConstraint(
                condition=Q(qualify_2xx_only__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_contacts_qualify_2xx_only_valid",
            ),
        ]
        # Not in Asterisk's scripts; added by migration 0003 so adopted databases get them too.
        indexes = [
            # Asterisk finds an AOR's contacts with id LIKE 'aor;@%': needs varchar_pattern_ops on PostgreSQL.
            models.Index(
                fields=["id"],
                name="ps_contacts_id_pattern",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(fields=["expiration_time"], name="ps_contacts_expiration"),
            models.Index(fields=["endpoint"], name="ps_contacts_endpoint"),
        ]

    def __str__(self) -> str:
        return str(self.id)


class PsDomainAlias(models.Model):
    """``ps_domain_aliases``."""

    id = models.CharField(max_length=255, primary_key=True)
    domain = models.CharField(max_length=255, null=True, blank=True)

    class Meta:
        db_table = "ps_domain_aliases"
        verbose_name = _("PJSIP domain alias")
        verbose_name_plural = _("PJSIP domain aliases")

    def __str__(self) -> str:
        return str(self.id)


class PsEndpoint(models.Model):
    """``ps_endpoints``."""

    id = models.CharField(max_length=255, primary_key=True)
    transport = models.CharField(max_length=40, null=True, blank=True)
    aors = models.CharField(max_length=2048, null=True, blank=True)
    auth = models.CharField(max_length=255, null=True, blank=True)
    context = models.CharField(max_length=40, null=True, blank=True)
    disallow = models.CharField(max_length=200, null=True, blank=True)
    allow = models.CharField(max_length=200, null=True, blank=True)
    direct_media = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    connected_line_method = models.CharField(
        max_length=8,
        choices=PJSIP_CONNECTED_LINE_METHOD_VALUES_CHOICES,
        null=True,
        blank=True,
    )
    direct_media_method = models.CharField(
        max_length=8,
        choices=PJSIP_CONNECTED_LINE_METHOD_VALUES_CHOICES,
        null=True,
        blank=True,
    )
    direct_media_glare_mitigation = models.CharField(
        max_length=8,
        choices=PJSIP_DIRECT_MEDIA_GLARE_MITIGATION_VALUES_CHOICES,
        null=True,
        blank=True,
    )
    disable_direct_media_on_nat = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    dtmf_mode = models.CharField(max_length=9, choices=PJSIP_DTMF_MODE_VALUES_V3_CHOICES, null=True, blank=True)
    external_media_address = models.CharField(max_length=40, null=True, blank=True)
    force_rport = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    ice_support = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    identify_by = models.CharField(max_length=80, null=True, blank=True)
    mailboxes = models.CharField(max_length=40, null=True, blank=True)
    moh_suggest = models.CharField(max_length=40, null=True, blank=True)
    outbound_auth = models.CharField(max_length=255, null=True, blank=True)
    outbound_proxy = models.CharField(max_length=255, null=True, blank=True)
    rewrite_contact = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    rtp_ipv6 = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    rtp_symmetric = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    send_diversion = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    send_pai = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    send_rpid = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    timers_min_se = models.IntegerField(null=True, blank=True)
    timers = models.CharField(max_length=8, choices=PJSIP_TIMER_VALUES_CHOICES, null=True, blank=True)
    timers_sess_expires = models.IntegerField(null=True, blank=True)
    callerid = models.CharField(max_length=40, null=True, blank=True)
    callerid_privacy = models.CharField(max_length=23, choices=PJSIP_CID_PRIVACY_VALUES_CHOICES, null=True, blank=True)
    callerid_tag = models.CharField(max_length=40, null=True, blank=True)
    rel_100 = models.CharField(
        max_length=14,
        db_column="100rel",
        choices=PJSIP_100REL_VALUES_V2_CHOICES,
        null=True,
        blank=True,
    )
    aggregate_mwi = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    trust_id_inbound = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    trust_id_outbound = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    use_ptime = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    use_avpf = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    media_encryption = models.CharField(
        max_length=4,
        choices=PJSIP_MEDIA_ENCRYPTION_VALUES_CHOICES,
        null=True,
        blank=True,
    )
    inband_progress = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    call_group = models.CharField(max_length=40, null=True, blank=True)
    pickup_group = models.CharField(max_length=40, null=True, blank=True)
    named_call_group = models.CharField(max_length=40, null=True, blank=True)
    named_pickup_group = models.CharField(max_length=40, null=True, blank=True)
    device_state_busy_at = models.IntegerField(null=True, blank=True)
    fax_detect = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    t38_udptl = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    t38_udptl_ec = models.CharField(max_length=10, choices=PJSIP_T38UDPTL_EC_VALUES_CHOICES, null=True, blank=True)
    t38_udptl_maxdatagram = models.IntegerField(null=True, blank=True)
    t38_udptl_nat = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    t38_udptl_ipv6 = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    tone_zone = models.CharField(max_length=40, null=True, blank=True)
    language = models.CharField(max_length=40, null=True, blank=True)
    one_touch_recording = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    record_on_feature = models.CharField(max_length=40, null=True, blank=True)
    record_off_feature = models.CharField(max_length=40, null=True, blank=True)
    rtp_engine = models.CharField(max_length=40, null=True, blank=True)
    allow_transfer = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    allow_subscribe = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    sdp_owner = models.CharField(max_length=40, null=True, blank=True)
    sdp_session = models.CharField(max_length=40, null=True, blank=True)
    tos_audio = models.CharField(max_length=10, null=True, blank=True)
    tos_video = models.CharField(max_length=10, null=True, blank=True)
    sub_min_expiry = models.IntegerField(null=True, blank=True)
    from_domain = models.CharField(max_length=40, null=True, blank=True)
    from_user = models.CharField(max_length=40, null=True, blank=True)
    mwi_from_user = models.CharField(max_length=40, null=True, blank=True)
    dtls_verify = models.CharField(max_length=40, null=True, blank=True)
    dtls_rekey = models.CharField(max_length=40, null=True, blank=True)
    dtls_cert_file = models.CharField(max_length=200, null=True, blank=True)
    dtls_private_key = models.CharField(max_length=200, null=True, blank=True)
    dtls_cipher = models.CharField(max_length=200, null=True, blank=True)
    dtls_ca_file = models.CharField(max_length=200, null=True, blank=True)
    dtls_ca_path = models.CharField(max_length=200, null=True, blank=True)
    dtls_setup = models.CharField(max_length=7, choices=PJSIP_DTLS_SETUP_VALUES_CHOICES, null=True, blank=True)
    srtp_tag_32 = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    media_address = models.CharField(max_length=40, null=True, blank=True)
    redirect_method = models.CharField(
        max_length=9,
        choices=PJSIP_REDIRECT_METHOD_VALUES_CHOICES,
        null=True,
        blank=True,
    )
    set_var = models.TextField(null=True, blank=True)
    cos_audio = models.IntegerField(null=True, blank=True)
    cos_video = models.IntegerField(null=True, blank=True)
    message_context = models.CharField(max_length=40, null=True, blank=True)
    force_avp = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    media_use_received_transport = models.CharField(
        max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True
    )
    accountcode = models.CharField(max_length=80, null=True, blank=True)
    user_eq_phone = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    moh_passthrough = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    media_encryption_optimistic = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    rpid_immediate = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    g726_non_standard = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    rtp_keepalive = models.IntegerField(null=True, blank=True)
    rtp_timeout = models.IntegerField(null=True, blank=True)
    rtp_timeout_hold = models.IntegerField(null=True, blank=True)
    bind_rtp_to_media_address = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    voicemail_extension = models.CharField(max_length=40, null=True, blank=True)
    mwi_subscribe_replaces_unsolicited = models.CharField(
        max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True
    )
    deny = models.CharField(max_length=95, null=True, blank=True)
    permit = models.CharField(max_length=95, null=True, blank=True)
    acl = models.CharField(max_length=40, null=True, blank=True)
    contact_deny = models.CharField(max_length=95, null=True, blank=True)
    contact_permit = models.CharField(max_length=95, null=True, blank=True)
    contact_acl = models.CharField(max_length=40, null=True, blank=True)
    subscribe_context = models.CharField(max_length=40, null=True, blank=True)
    fax_detect_timeout = models.IntegerField(null=True, blank=True)
    contact_user = models.CharField(max_length=80, null=True, blank=True)
    preferred_codec_only = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    asymmetric_rtp_codec = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    rtcp_mux = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    allow_overlap = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    refer_blind_progress = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    notify_early_inuse_ringing = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    max_audio_streams = models.IntegerField(null=True, blank=True)
    max_video_streams = models.IntegerField(null=True, blank=True)
    webrtc = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    dtls_fingerprint = models.CharField(max_length=7, choices=SHA_HASH_VALUES_CHOICES, null=True, blank=True)
    incoming_mwi_mailbox = models.CharField(max_length=40, null=True, blank=True)
    bundle = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    dtls_auto_generate_cert = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    follow_early_media_fork = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    accept_multiple_sdp_answers = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    suppress_q850_reason_headers = models.CharField(
        max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True
    )
    trust_connected_line = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    send_connected_line = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    ignore_183_without_sdp = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    codec_prefs_incoming_offer = models.CharField(max_length=128, null=True, blank=True)
    codec_prefs_outgoing_offer = models.CharField(max_length=128, null=True, blank=True)
    codec_prefs_incoming_answer = models.CharField(max_length=128, null=True, blank=True)
    codec_prefs_outgoing_answer = models.CharField(max_length=128, null=True, blank=True)
    stir_shaken = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    send_history_info = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    allow_unauthenticated_options = models.CharField(
        max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True
    )
    t38_bind_udptl_to_media_address = models.CharField(
        max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True
    )
    geoloc_incoming_call_profile = models.CharField(max_length=80, null=True, blank=True)
    geoloc_outgoing_call_profile = models.CharField(max_length=80, null=True, blank=True)
    incoming_call_offer_pref = models.CharField(
        max_length=12,
        choices=PJSIP_INCOMING_CALL_OFFER_PREF_VALUES_CHOICES,
        null=True,
        blank=True,
    )
    outgoing_call_offer_pref = models.CharField(
        max_length=12,
        choices=PJSIP_OUTGOING_CALL_OFFER_PREF_VALUES_CHOICES,
        null=True,
        blank=True,
    )
    stir_shaken_profile = models.CharField(max_length=80, null=True, blank=True)
    security_negotiation = models.CharField(
        max_length=8, choices=SECURITY_NEGOTIATION_VALUES_CHOICES, null=True, blank=True
    )
    security_mechanisms = models.CharField(max_length=512, null=True, blank=True)
    send_aoc = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    overlap_context = models.CharField(max_length=80, null=True, blank=True)
    tenantid = models.CharField(max_length=80, null=True, blank=True)
    suppress_moh_on_sendonly = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    follow_redirect_methods = models.CharField(max_length=95, null=True, blank=True)
    rtp_port_start = models.IntegerField(null=True, blank=True)
    rtp_port_end = models.IntegerField(null=True, blank=True)

    class Meta:
        db_table = "ps_endpoints"
        verbose_name = _("PJSIP Endpoint")
        verbose_name_plural = _("PJSIP Endpoints")
        constraints = [
            models.CheckConstraint(
                condition=Q(direct_media__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_direct_media_valid",
            ),
            models.CheckConstraint(
                condition=Q(connected_line_method__in=ENUM_VALUES["pjsip_connected_line_method_values"]),
                name="ps_endpoints_connected_line_method_valid",
            ),
            models.CheckConstraint(
                condition=Q(direct_media_method__in=ENUM_VALUES["pjsip_connected_line_method_values"]),
                name="ps_endpoints_direct_media_method_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    direct_media_glare_mitigation__in=ENUM_VALUES["pjsip_direct_media_glare_mitigation_values"]
                ),
                name="ps_endpoints_direct_media_glare_mitigation_valid",
            ),
            models.CheckConstraint(
                condition=Q(disable_direct_media_on_nat__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_disable_direct_media_on_nat_valid",
            ),
            models.CheckConstraint(
                condition=Q(dtmf_mode__in=ENUM_VALUES["pjsip_dtmf_mode_values_v3"]),
                name="ps_endpoints_dtmf_mode_valid",
            ),
            models.CheckConstraint(
                condition=Q(force_rport__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_force_rport_valid",
            ),
            models.CheckConstraint(
                condition=Q(ice_support__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_ice_support_valid",
            ),
            models.CheckConstraint(
                condition=Q(rewrite_contact__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_rewrite_contact_valid",
            ),
            models.CheckConstraint(
                condition=Q(rtp_ipv6__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_rtp_ipv6_valid",
            ),
            models.CheckConstraint(
                condition=Q(rtp_symmetric__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_rtp_symmetric_valid",
            ),
            models.CheckConstraint(
                condition=Q(send_diversion__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_send_diversion_valid",
            ),
            models.CheckConstraint(
                condition=Q(send_pai__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_send_pai_valid",
            ),
            models.CheckConstraint(
                condition=Q(send_rpid__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_send_rpid_valid",
            ),
            models.CheckConstraint(
                condition=Q(timers__in=ENUM_VALUES["pjsip_timer_values"]),
                name="ps_endpoints_timers_valid",
            ),
            models.CheckConstraint(
                condition=Q(callerid_privacy__in=ENUM_VALUES["pjsip_cid_privacy_values"]),
                name="ps_endpoints_callerid_privacy_valid",
            ),
            models.CheckConstraint(
                condition=Q(rel_100__in=ENUM_VALUES["pjsip_100rel_values_v2"]),
                name="ps_endpoints_100rel_valid",
            ),
            models.CheckConstraint(
                condition=Q(aggregate_mwi__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_aggregate_mwi_valid",
            ),
            models.CheckConstraint(
                condition=Q(trust_id_inbound__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_trust_id_inbound_valid",
            ),
            models.CheckConstraint(
                condition=Q(trust_id_outbound__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_trust_id_outbound_valid",
            ),
            models.CheckConstraint(
                condition=Q(use_ptime__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_use_ptime_valid",
            ),
            models.CheckConstraint(
                condition=Q(use_avpf__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_use_avpf_valid",
            ),
            models.CheckConstraint(
                condition=Q(media_encryption__in=ENUM_VALUES["pjsip_media_encryption_values"]),
                name="ps_endpoints_media_encryption_valid",
            ),
            models.CheckConstraint(
                condition=Q(inband_progress__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_inband_progress_valid",
            ),
            models.CheckConstraint(
                condition=Q(fax_detect__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_fax_detect_valid",
            ),
            models.CheckConstraint(
                condition=Q(t38_udptl__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_t38_udptl_valid",
            ),
            models.CheckConstraint(
                condition=Q(t38_udptl_ec__in=ENUM_VALUES["pjsip_t38udptl_ec_values"]),
                name="ps_endpoints_t38_udptl_ec_valid",
            ),
            models.CheckConstraint(
                condition=Q(t38_udptl_nat__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_t38_udptl_nat_valid",
            ),
            models.CheckConstraint(
                condition=Q(t38_udptl_ipv6__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_t38_udptl_ipv6_valid",
            ),
            models.CheckConstraint(
                condition=Q(one_touch_recording__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_one_touch_recording_valid",
            ),
            models.CheckConstraint(
                condition=Q(allow_transfer__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_allow_transfer_valid",
            ),
            models.CheckConstraint(
                condition=Q(allow_subscribe__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_allow_subscribe_valid",
            ),
            models.CheckConstraint(
                condition=Q(dtls_setup__in=ENUM_VALUES["pjsip_dtls_setup_values"]),
                name="ps_endpoints_dtls_setup_valid",
            ),
            models.CheckConstraint(
                condition=Q(srtp_tag_32__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_srtp_tag_32_valid",
            ),
            models.CheckConstraint(
                condition=Q(redirect_method__in=ENUM_VALUES["pjsip_redirect_method_values"]),
                name="ps_endpoints_redirect_method_valid",
            ),
            models.CheckConstraint(
                condition=Q(force_avp__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_force_avp_valid",
            ),
            models.CheckConstraint(
                condition=Q(media_use_received_transport__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_media_use_received_transport_valid",
            ),
            models.CheckConstraint(
                condition=Q(user_eq_phone__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_user_eq_phone_valid",
            ),
            models.CheckConstraint(
                condition=Q(moh_passthrough__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_moh_passthrough_valid",
            ),
            models.CheckConstraint(
                condition=Q(media_encryption_optimistic__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_media_encryption_optimistic_valid",
            ),
            models.CheckConstraint(
                condition=Q(rpid_immediate__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_rpid_immediate_valid",
            ),
            models.CheckConstraint(
                condition=Q(g726_non_standard__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_g726_non_standard_valid",
            ),
            models.CheckConstraint(
                condition=Q(bind_rtp_to_media_address__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_bind_rtp_to_media_address_valid",
            ),
            models.CheckConstraint(
                condition=Q(mwi_subscribe_replaces_unsolicited__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_mwi_subscribe_replaces_unsolicited_valid",
            ),
            models.CheckConstraint(
                condition=Q(preferred_codec_only__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_preferred_codec_only_valid",
            ),
            models.CheckConstraint(
                condition=Q(asymmetric_rtp_codec__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_asymmetric_rtp_codec_valid",
            ),
            models.CheckConstraint(
                condition=Q(rtcp_mux__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_rtcp_mux_valid",
            ),
            models.CheckConstraint(
                condition=Q(allow_overlap__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_allow_overlap_valid",
            ),
            models.CheckConstraint(
                condition=Q(refer_blind_progress__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_refer_blind_progress_valid",
            ),
            models.CheckConstraint(
                condition=Q(notify_early_inuse_ringing__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_notify_early_inuse_ringing_valid",
            ),
            models.CheckConstraint(
                condition=Q(webrtc__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_webrtc_valid",
            ),
            models.CheckConstraint(
                condition=Q(dtls_fingerprint__in=ENUM_VALUES["sha_hash_values"]),
                name="ps_endpoints_dtls_fingerprint_valid",
            ),
            models.CheckConstraint(
                condition=Q(bundle__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_bundle_valid",
            ),
            models.CheckConstraint(
                condition=Q(dtls_auto_generate_cert__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_dtls_auto_generate_cert_valid",
            ),
            models.CheckConstraint(
                condition=Q(follow_early_media_fork__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_follow_early_media_fork_valid",
            ),
            models.CheckConstraint(
                condition=Q(accept_multiple_sdp_answers__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_accept_multiple_sdp_answers_valid",
            ),
            models.CheckConstraint(
                condition=Q(suppress_q850_reason_headers__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_suppress_q850_reason_headers_valid",
            ),
            models.CheckConstraint(
                condition=Q(trust_connected_line__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_trust_connected_line_valid",
            ),
            models.CheckConstraint(
                condition=Q(send_connected_line__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_send_connected_line_valid",
            ),
            models.CheckConstraint(
                condition=Q(ignore_183_without_sdp__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_ignore_183_without_sdp_valid",
            ),
            models.CheckConstraint(
                condition=Q(stir_shaken__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_stir_shaken_valid",
            ),
            models.CheckConstraint(
                condition=Q(send_history_info__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_send_history_info_valid",
            ),
            models.CheckConstraint(
                condition=Q(allow_unauthenticated_options__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_allow_unauthenticated_options_valid",
            ),
            models.CheckConstraint(
                condition=Q(t38_bind_udptl_to_media_address__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_t38_bind_udptl_to_media_address_valid",
            ),
            models.CheckConstraint(
                condition=Q(incoming_call_offer_pref__in=ENUM_VALUES["pjsip_incoming_call_offer_pref_values"]),
                name="ps_endpoints_incoming_call_offer_pref_valid",
            ),
            models.CheckConstraint(
                condition=Q(outgoing_call_offer_pref__in=ENUM_VALUES["pjsip_outgoing_call_offer_pref_values"]),
                name="ps_endpoints_outgoing_call_offer_pref_valid",
            ),
            models.CheckConstraint(
                condition=Q(security_negotiation__in=ENUM_VALUES["security_negotiation_values"]),
                name="ps_endpoints_security_negotiation_valid",
            ),
            models.CheckConstraint(
                condition=Q(send_aoc__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_send_aoc_valid",
            ),
            models.CheckConstraint(
                condition=Q(suppress_moh_on_sendonly__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoints_suppress_moh_on_sendonly_valid",
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class PsEndpointIdIp(models.Model):
    """``ps_endpoint_id_ips``."""

    id = models.CharField(max_length=255, primary_key=True)
    endpoint = models.CharField(max_length=255, null=True, blank=True)
    match = models.CharField(max_length=80, null=True, blank=True)
    srv_lookups = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    match_header = models.CharField(max_length=255, null=True, blank=True)
    match_request_uri = models.CharField(max_length=255, null=True, blank=True)

    class Meta:
        db_table = "ps_endpoint_id_ips"
        verbose_name = _("PJSIP identify rule")
        verbose_name_plural = _("PJSIP identify rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(srv_lookups__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_endpoint_id_ips_srv_lookups_valid",
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class PsGlobal(models.Model):
    """``ps_globals``."""

    id = models.CharField(max_length=40, primary_key=True)
    max_forwards = models.IntegerField(null=True, blank=True)
    user_agent = models.CharField(max_length=255, null=True, blank=True)
    default_outbound_endpoint = models.CharField(max_length=40, null=True, blank=True)
    debug = models.CharField(max_length=40, null=True, blank=True)
    endpoint_identifier_order = models.CharField(max_length=40, null=True, blank=True)
    max_initial_qualify_time = models.IntegerField(null=True, blank=True)
    default_from_user = models.CharField(max_length=80, null=True, blank=True)
    keep_alive_interval = models.IntegerField(null=True, blank=True)
    regcontext = models.CharField(max_length=80, null=True, blank=True)
    contact_expiration_check_interval = models.IntegerField(null=True, blank=True)
    default_voicemail_extension = models.CharField(max_length=40, null=True, blank=True)
    disable_multi_domain = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    unidentified_request_count = models.IntegerField(null=True, blank=True)
    unidentified_request_period = models.IntegerField(null=True, blank=True)
    unidentified_request_prune_interval = models.IntegerField(null=True, blank=True)
    default_realm = models.CharField(max_length=40, null=True, blank=True)
    mwi_tps_queue_high = models.IntegerField(null=True, blank=True)
    mwi_tps_queue_low = models.IntegerField(null=True, blank=True)
    mwi_disable_initial_unsolicited = models.CharField(
        max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True
    )
    ignore_uri_user_options = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    use_callerid_contact = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    send_contact_status_on_update_registration = models.CharField(
        max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True
    )
    taskprocessor_overload_trigger = models.CharField(
        max_length=10,
        choices=PJSIP_TASKPROCESSOR_OVERLOAD_TRIGGER_VALUES_CHOICES,
        null=True,
        blank=True,
    )
    norefersub = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    allow_sending_180_after_183 = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    all_codecs_on_empty_reinvite = models.CharField(
        max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True
    )
    default_auth_algorithms_uas = models.CharField(max_length=1024, null=True, blank=True)
    default_auth_algorithms_uac = models.CharField(max_length=1024, null=True, blank=True)

    class Meta:
        db_table = "ps_globals"
        verbose_name = _("PJSIP global settings")
        verbose_name_plural = _("PJSIP global settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(disable_multi_domain__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_globals_disable_multi_domain_valid",
            ),
            models.CheckConstraint(
                condition=Q(mwi_disable_initial_unsolicited__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_globals_mwi_disable_initial_unsolicited_valid",
            ),
            models.CheckConstraint(
                condition=Q(ignore_uri_user_options__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_globals_ignore_uri_user_options_valid",
            ),
            models.CheckConstraint(
                condition=Q(use_callerid_contact__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_globals_use_callerid_contact_valid",
            ),
            models.CheckConstraint(
                condition=Q(send_contact_status_on_update_registration__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_globals_send_contact_status_on_update_registration_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    taskprocessor_overload_trigger__in=ENUM_VALUES["pjsip_taskprocessor_overload_trigger_values"]
                ),
                name="ps_globals_taskprocessor_overload_trigger_valid",
            ),
            models.CheckConstraint(
                condition=Q(norefersub__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_globals_norefersub_valid",
            ),
            models.CheckConstraint(
                condition=Q(allow_sending_180_after_183__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_globals_allow_sending_180_after_183_valid",
            ),
            models.CheckConstraint(
                condition=Q(all_codecs_on_empty_reinvite__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_globals_all_codecs_on_empty_reinvite_valid",
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class PsInboundPublication(models.Model):
    """``ps_inbound_publications``."""

    id = models.CharField(max_length=255, primary_key=True)
    endpoint = models.CharField(max_length=255, null=True, blank=True)
    event_asterisk_devicestate = models.CharField(
        max_length=40, db_column="event_asterisk-devicestate", null=True, blank=True
    )
    event_asterisk_mwi = models.CharField(max_length=40, db_column="event_asterisk-mwi", null=True, blank=True)

    class Meta:
        db_table = "ps_inbound_publications"
        verbose_name = _("PJSIP inbound publication")
        verbose_name_plural = _("PJSIP inbound publications")

    def __str__(self) -> str:
        return str(self.id)


class PsOutboundPublish(models.Model):
    """``ps_outbound_publishes``."""

    id = models.CharField(max_length=255, primary_key=True)
    expiration = models.IntegerField(null=True, blank=True)
    outbound_auth = models.CharField(max_length=255, null=True, blank=True)
    outbound_proxy = models.CharField(max_length=256, null=True, blank=True)
    server_uri = models.CharField(max_length=256, null=True, blank=True)
    from_uri = models.CharField(max_length=256, null=True, blank=True)
    to_uri = models.CharField(max_length=256, null=True, blank=True)
    event = models.CharField(max_length=40, null=True, blank=True)
    max_auth_attempts = models.IntegerField(null=True, blank=True)
    transport = models.CharField(max_length=40, null=True, blank=True)
    multi_user = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    at_body = models.CharField(max_length=40, db_column="@body", null=True, blank=True)
    at_context = models.CharField(max_length=256, db_column="@context", null=True, blank=True)
    at_exten = models.CharField(max_length=256, db_column="@exten", null=True, blank=True)

    class Meta:
        db_table = "ps_outbound_publishes"
        verbose_name = _("PJSIP outbound publish")
        verbose_name_plural = _("PJSIP outbound publishes")
        constraints = [
            models.CheckConstraint(
                condition=Q(multi_user__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_outbound_publishes_multi_user_valid",
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class PsRegistration(models.Model):
    """``ps_registrations``."""

    id = models.CharField(max_length=255, primary_key=True)
    auth_rejection_permanent = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    client_uri = models.CharField(max_length=255, null=True, blank=True)
    contact_user = models.CharField(max_length=40, null=True, blank=True)
    expiration = models.IntegerField(null=True, blank=True)
    max_retries = models.IntegerField(null=True, blank=True)
    outbound_auth = models.CharField(max_length=255, null=True, blank=True)
    outbound_proxy = models.CharField(max_length=255, null=True, blank=True)
    retry_interval = models.IntegerField(null=True, blank=True)
    forbidden_retry_interval = models.IntegerField(null=True, blank=True)
    server_uri = models.CharField(max_length=255, null=True, blank=True)
    transport = models.CharField(max_length=40, null=True, blank=True)
    support_path = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    fatal_retry_interval = models.IntegerField(null=True, blank=True)
    line = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    endpoint = models.CharField(max_length=255, null=True, blank=True)
    support_outbound = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    contact_header_params = models.CharField(max_length=255, null=True, blank=True)
    max_random_initial_delay = models.IntegerField(null=True, blank=True)
    security_negotiation = models.CharField(
        max_length=8, choices=SECURITY_NEGOTIATION_VALUES_CHOICES, null=True, blank=True
    )
    security_mechanisms = models.CharField(max_length=512, null=True, blank=True)
    user_agent = models.CharField(max_length=255, null=True, blank=True)

    class Meta:
        db_table = "ps_registrations"
        verbose_name = _("PJSIP outbound registration")
        verbose_name_plural = _("PJSIP outbound registrations")
        constraints = [
            models.CheckConstraint(
                condition=Q(auth_rejection_permanent__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_registrations_auth_rejection_permanent_valid",
            ),
            models.CheckConstraint(
                condition=Q(support_path__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_registrations_support_path_valid",
            ),
            models.CheckConstraint(
                condition=Q(line__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_registrations_line_valid",
            ),
            models.CheckConstraint(
                condition=Q(support_outbound__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_registrations_support_outbound_valid",
            ),
            models.CheckConstraint(
                condition=Q(security_negotiation__in=ENUM_VALUES["security_negotiation_values"]),
                name="ps_registrations_security_negotiation_valid",
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class PsResourceList(models.Model):
    """``ps_resource_list``."""

    id = models.CharField(max_length=40, primary_key=True)
    list_item = models.CharField(max_length=2048, null=True, blank=True)
    event = models.CharField(max_length=40, null=True, blank=True)
    full_state = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    notification_batch_interval = models.IntegerField(null=True, blank=True)
    resource_display_name = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)

    class Meta:
        db_table = "ps_resource_list"
        verbose_name = _("PJSIP resource list")
        verbose_name_plural = _("PJSIP resource lists")
        constraints = [
            models.CheckConstraint(
                condition=Q(full_state__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_resource_list_full_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(resource_display_name__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_resource_list_resource_display_name_valid",
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class PsSubscriptionPersistence(models.Model):
    """``ps_subscription_persistence``."""

    id = models.CharField(max_length=40, primary_key=True)
    packet = models.CharField(max_length=2048, null=True, blank=True)
    src_name = models.CharField(max_length=128, null=True, blank=True)
    src_port = models.IntegerField(null=True, blank=True)
    transport_key = models.CharField(max_length=64, null=True, blank=True)
    local_name = models.CharField(max_length=128, null=True, blank=True)
    local_port = models.IntegerField(null=True, blank=True)
    cseq = models.IntegerField(null=True, blank=True)
    tag = models.CharField(max_length=128, null=True, blank=True)
    endpoint = models.CharField(max_length=40, null=True, blank=True)
    expires = models.IntegerField(null=True, blank=True)
    contact_uri = models.CharField(max_length=256, null=True, blank=True)
    prune_on_boot = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    generator_data = models.TextField(null=True, blank=True)

    class Meta:
        db_table = "ps_subscription_persistence"
        verbose_name = _("PJSIP subscription")
        verbose_name_plural = _("PJSIP subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=Q(prune_on_boot__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_subscription_persistence_prune_on_boot_valid",
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class PsSystem(models.Model):
    """``ps_systems``."""

    id = models.CharField(max_length=40, primary_key=True)
    timer_t1 = models.IntegerField(null=True, blank=True)
    timer_b = models.IntegerField(null=True, blank=True)
    compact_headers = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    threadpool_initial_size = models.IntegerField(null=True, blank=True)
    threadpool_auto_increment = models.IntegerField(null=True, blank=True)
    threadpool_idle_timeout = models.IntegerField(null=True, blank=True)
    threadpool_max_size = models.IntegerField(null=True, blank=True)
    disable_tcp_switch = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    follow_early_media_fork = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    accept_multiple_sdp_answers = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    disable_rport = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    taskpool_minimum_size = models.IntegerField(null=True, blank=True)
    taskpool_initial_size = models.IntegerField(null=True, blank=True)
    taskpool_auto_increment = models.IntegerField(null=True, blank=True)
    taskpool_idle_timeout = models.IntegerField(null=True, blank=True)
    taskpool_max_size = models.IntegerField(null=True, blank=True)

    class Meta:
        db_table = "ps_systems"
        verbose_name = _("PJSIP system settings")
        verbose_name_plural = _("PJSIP system settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(compact_headers__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_systems_compact_headers_valid",
            ),
            models.CheckConstraint(
                condition=Q(disable_tcp_switch__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_systems_disable_tcp_switch_valid",
            ),
            models.CheckConstraint(
                condition=Q(follow_early_media_fork__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_systems_follow_early_media_fork_valid",
            ),
            models.CheckConstraint(
                condition=Q(accept_multiple_sdp_answers__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_systems_accept_multiple_sdp_answers_valid",
            ),
            models.CheckConstraint(
                condition=Q(disable_rport__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_systems_disable_rport_valid",
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class PsTransport(models.Model):
    """``ps_transports``."""

    # The TLS private key's password: write-only in the admin.
    secret_fields: ClassVar[tuple[str, ...]] = ("password",)

    id = models.CharField(max_length=40, primary_key=True)
    async_operations = models.IntegerField(null=True, blank=True)
    bind = models.CharField(max_length=40, null=True, blank=True)
    ca_list_file = models.CharField(max_length=200, null=True, blank=True)
    cert_file = models.CharField(max_length=200, null=True, blank=True)
    cipher = models.CharField(max_length=200, null=True, blank=True)
    domain = models.CharField(max_length=40, null=True, blank=True)
    external_media_address = models.CharField(max_length=40, null=True, blank=True)
    external_signaling_address = models.CharField(max_length=40, null=True, blank=True)
    external_signaling_port = models.IntegerField(null=True, blank=True)
    method = models.CharField(
        max_length=11,
        choices=PJSIP_TRANSPORT_METHOD_VALUES_V2_CHOICES,
        null=True,
        blank=True,
    )
    local_net = models.CharField(max_length=40, null=True, blank=True)
    password = models.CharField(max_length=40, null=True, blank=True)
    priv_key_file = models.CharField(max_length=200, null=True, blank=True)
    protocol = models.CharField(
        max_length=4,
        choices=PJSIP_TRANSPORT_PROTOCOL_VALUES_V2_CHOICES,
        null=True,
        blank=True,
    )
    require_client_cert = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    verify_client = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    verify_server = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    tos = models.CharField(max_length=10, null=True, blank=True)
    cos = models.IntegerField(null=True, blank=True)
    allow_reload = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    symmetric_transport = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    allow_wildcard_certs = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    tcp_keepalive_enable = models.BooleanField(null=True, blank=True)
    tcp_keepalive_idle_time = models.IntegerField(null=True, blank=True)
    tcp_keepalive_interval_time = models.IntegerField(null=True, blank=True)
    tcp_keepalive_probe_count = models.IntegerField(null=True, blank=True)

    class Meta:
        db_table = "ps_transports"
        verbose_name = _("PJSIP transport")
        verbose_name_plural = _("PJSIP transports")
        constraints = [
            models.CheckConstraint(
                condition=Q(method__in=ENUM_VALUES["pjsip_transport_method_values_v2"]),
                name="ps_transports_method_valid",
            ),
            models.CheckConstraint(
                condition=Q(protocol__in=ENUM_VALUES["pjsip_transport_protocol_values_v2"]),
                name="ps_transports_protocol_valid",
            ),
            models.CheckConstraint(
                condition=Q(require_client_cert__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_transports_require_client_cert_valid",
            ),
            models.CheckConstraint(
                condition=Q(verify_client__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_transports_verify_client_valid",
            ),
            models.CheckConstraint(
                condition=Q(verify_server__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_transports_verify_server_valid",
            ),
            models.CheckConstraint(
                condition=Q(allow_reload__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_transports_allow_reload_valid",
            ),
            models.CheckConstraint(
                condition=Q(symmetric_transport__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_transports_symmetric_transport_valid",
            ),
            models.CheckConstraint(
                condition=Q(allow_wildcard_certs__in=ENUM_VALUES["ast_bool_values"]),
                name="ps_transports_allow_wildcard_certs_valid",
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class Queue(models.Model):
    """``queues``."""

    name = models.CharField(max_length=128, primary_key=True)
    musiconhold = models.CharField(max_length=128, null=True, blank=True)
    announce = models.CharField(max_length=128, null=True, blank=True)
    context = models.CharField(max_length=128, null=True, blank=True)
    timeout = models.IntegerField(null=True, blank=True)
    ringinuse = models.CharField(max_length=3, choices=YESNO_VALUES_CHOICES, null=True, blank=True)
    setinterfacevar = models.CharField(max_length=3, choices=YESNO_VALUES_CHOICES, null=True, blank=True)
    setqueuevar = models.CharField(max_length=3, choices=YESNO_VALUES_CHOICES, null=True, blank=True)
    setqueueentryvar = models.CharField(max_length=3, choices=YESNO_VALUES_CHOICES, null=True, blank=True)
    monitor_format = models.CharField(max_length=8, null=True, blank=True)
    membermacro = models.CharField(max_length=512, null=True, blank=True)
    membergosub = models.CharField(max_length=512, null=True, blank=True)
    queue_youarenext = models.CharField(max_length=128, null=True, blank=True)
    queue_thereare = models.CharField(max_length=128, null=True, blank=True)
    queue_callswaiting = models.CharField(max_length=128, null=True, blank=True)
    queue_quantity1 = models.CharField(max_length=128, null=True, blank=True)
    queue_quantity2 = models.CharField(max_length=128, null=True, blank=True)
    queue_holdtime = models.CharField(max_length=128, null=True, blank=True)
    queue_minutes = models.CharField(max_length=128, null=True, blank=True)
    queue_minute = models.CharField(max_length=128, null=True, blank=True)
    queue_seconds = models.CharField(max_length=128, null=True, blank=True)
    queue_thankyou = models.CharField(max_length=128, null=True, blank=True)
    queue_callerannounce = models.CharField(max_length=128, null=True, blank=True)
    queue_reporthold = models.CharField(max_length=128, null=True, blank=True)
    announce_frequency = models.IntegerField(null=True, blank=True)
    announce_to_first_user = models.CharField(max_length=3, choices=YESNO_VALUES_CHOICES, null=True, blank=True)
    min_announce_frequency = models.IntegerField(null=True, blank=True)
    announce_round_seconds = models.IntegerField(null=True, blank=True)
    announce_holdtime = models.CharField(max_length=128, null=True, blank=True)
    announce_position = models.CharField(max_length=128, null=True, blank=True)
    announce_position_limit = models.IntegerField(null=True, blank=True)
    periodic_announce = models.CharField(max_length=50, null=True, blank=True)
    periodic_announce_frequency = models.IntegerField(null=True, blank=True)
    relative_periodic_announce = models.CharField(max_length=3, choices=YESNO_VALUES_CHOICES, null=True, blank=True)
    random_periodic_announce = models.CharField(max_length=3, choices=YESNO_VALUES_CHOICES, null=True, blank=True)
    retry = models.IntegerField(null=True, blank=True)
    wrapuptime = models.IntegerField(null=True, blank=True)
    penaltymemberslimit = models.IntegerField(null=True, blank=True)
    autofill = models.CharField(max_length=3, choices=YESNO_VALUES_CHOICES, null=True, blank=True)
    monitor_type = models.CharField(max_length=128, null=True, blank=True)
    autopause = models.CharField(max_length=3, choices=QUEUE_AUTOPAUSE_VALUES_CHOICES, null=True, blank=True)
    autopausedelay = models.IntegerField(null=True, blank=True)
    autopausebusy = models.CharField(max_length=3, choices=YESNO_VALUES_CHOICES, null=True, blank=True)
    autopauseunavail = models.CharField(max_length=3, choices=YESNO_VALUES_CHOICES, null=True, blank=True)
    maxlen = models.IntegerField(null=True, blank=True)
    servicelevel = models.IntegerField(null=True, blank=True)
    strategy = models.CharField(max_length=11, choices=QUEUE_STRATEGY_VALUES_CHOICES, null=True, blank=True)
    joinempty = models.CharField(max_length=128, null=True, blank=True)
    leavewhenempty = models.CharField(max_length=128, null=True, blank=True)
    reportholdtime = models.CharField(max_length=3, choices=YESNO_VALUES_CHOICES, null=True, blank=True)
    memberdelay = models.IntegerField(null=True, blank=True)
    weight = models.IntegerField(null=True, blank=True)
    timeoutrestart = models.CharField(max_length=3, choices=YESNO_VALUES_CHOICES, null=True, blank=True)
    defaultrule = models.CharField(max_length=128, null=True, blank=True)
    timeoutpriority = models.CharField(max_length=128, null=True, blank=True)
    log_restricted_caller_id = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)

    class Meta:
        db_table = "queues"
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        constraints = [
            models.CheckConstraint(
                condition=Q(ringinuse__in=ENUM_VALUES["yesno_values"]),
                name="queues_ringinuse_valid",
            ),
            models.CheckConstraint(
                condition=Q(setinterfacevar__in=ENUM_VALUES["yesno_values"]),
                name="queues_setinterfacevar_valid",
            ),
            models.CheckConstraint(
                condition=Q(setqueuevar__in=ENUM_VALUES["yesno_values"]),
                name="queues_setqueuevar_valid",
            ),
            models.CheckConstraint(
                condition=Q(setqueueentryvar__in=ENUM_VALUES["yesno_values"]),
                name="queues_setqueueentryvar_valid",
            ),
            models.CheckConstraint(
                condition=Q(announce_to_first_user__in=ENUM_VALUES["yesno_values"]),
                name="queues_announce_to_first_user_valid",
            ),
            models.CheckConstraint(
                condition=Q(relative_periodic_announce__in=ENUM_VALUES["yesno_values"]),
                name="queues_relative_periodic_announce_valid",
            ),
            models.CheckConstraint(
                condition=Q(random_periodic_announce__in=ENUM_VALUES["yesno_values"]),
                name="queues_random_periodic_announce_valid",
            ),
            models.CheckConstraint(
                condition=Q(autofill__in=ENUM_VALUES["yesno_values"]),
                name="queues_autofill_valid",
            ),
            models.CheckConstraint(
                condition=Q(autopause__in=ENUM_VALUES["queue_autopause_values"]),
                name="queues_autopause_valid",
            ),
            models.CheckConstraint(
                condition=Q(autopausebusy__in=ENUM_VALUES["yesno_values"]),
                name="queues_autopausebusy_valid",
            ),
            models.CheckConstraint(
                condition=Q(autopauseunavail__in=ENUM_VALUES["yesno_values"]),
                name="queues_autopauseunavail_valid",
            ),
            models.CheckConstraint(
                condition=Q(strategy__in=ENUM_VALUES["queue_strategy_values"]),
                name="queues_strategy_valid",
            ),
            models.CheckConstraint(
                condition=Q(reportholdtime__in=ENUM_VALUES["yesno_values"]),
                name="queues_reportholdtime_valid",
            ),
            models.CheckConstraint(
                condition=Q(timeoutrestart__in=ENUM_VALUES["yesno_values"]),
                name="queues_timeoutrestart_valid",
            ),
            models.CheckConstraint(
                condition=Q(log_restricted_caller_id__in=ENUM_VALUES["ast_bool_values"]),
                name="queues_log_restricted_caller_id_valid",
            ),
        ]

    def __str__(self) -> str:
        return str(self.name)


class QueueLog(models.Model):
    """``queue_log``."""

    id = models.BigAutoField(primary_key=True)
    time = PbxDateTimeField(null=True, blank=True)
    callid = models.CharField(max_length=80, null=True, blank=True)
    queuename = models.CharField(max_length=256, null=True, blank=True)
    agent = models.CharField(max_length=80, null=True, blank=True)
    event = models.CharField(max_length=32, null=True, blank=True)
    data1 = models.CharField(max_length=100, null=True, blank=True)
    data2 = models.CharField(max_length=100, null=True, blank=True)
    data3 = models.CharField(max_length=100, null=True, blank=True)
    data4 = models.CharField(max_length=100, null=True, blank=True)
    data5 = models.CharField(max_length=100, null=True, blank=True)

    class Meta:
        db_table = "queue_log"
        verbose_name = _("queue log entry")
        verbose_name_plural = _("queue log")

    def __str__(self) -> str:
        return str(self.id)


class QueueMember(models.Model):
    """``queue_members``."""

    queue_name = models.CharField(max_length=80)
    interface = models.CharField(max_length=80)
    membername = models.CharField(max_length=80, null=True, blank=True)
    state_interface = models.CharField(max_length=80, null=True, blank=True)
    penalty = models.IntegerField(null=True, blank=True)
    paused = models.IntegerField(null=True, blank=True)
    uniqueid = models.AutoField(primary_key=True)
    wrapuptime = models.IntegerField(null=True, blank=True)
    ringinuse = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)
    reason_paused = models.CharField(max_length=80, null=True, blank=True)

    class Meta:
        db_table = "queue_members"
        verbose_name = _("queue member")
        verbose_name_plural = _("queue members")
        constraints = [
            models.UniqueConstraint(
                fields=["queue_name", "interface"],
                name="queue_members_queue_interface_key",
            ),
            models.CheckConstraint(
                condition=Q(ringinuse__in=ENUM_VALUES["ast_bool_values"]),
                name="queue_members_ringinuse_valid",
            ),
        ]

    def __str__(self) -> str:
        return str(self.uniqueid)


class QueueRule(models.Model):
    """``queue_rules``."""

    id = models.BigAutoField(primary_key=True)  # surrogate: the reference table has no key
    rule_name = models.CharField(max_length=80)
    time = models.CharField(max_length=32)
    min_penalty = models.CharField(max_length=32)
    max_penalty = models.CharField(max_length=32)

    class Meta:
        db_table = "queue_rules"
        verbose_name = _("queue rule")
        verbose_name_plural = _("queue rules")

    def __str__(self) -> str:
        return str(self.rule_name)


class StirTn(models.Model):
    """``stir_tn``."""

    id = models.CharField(max_length=80, primary_key=True)
    private_key_file = models.CharField(max_length=1024, null=True, blank=True)
    public_cert_url = models.CharField(max_length=1024, null=True, blank=True)
    attest_level = models.CharField(max_length=1, null=True, blank=True)
    send_mky = models.CharField(max_length=5, choices=AST_BOOL_VALUES_CHOICES, null=True, blank=True)

    class Meta:
        db_table = "stir_tn"
        verbose_name = _("STIR/SHAKEN TN")
        verbose_name_plural = _("STIR/SHAKEN TNs")
        constraints = [
            models.CheckConstraint(
                condition=Q(send_mky__in=ENUM_VALUES["ast_bool_values"]),
                name="stir_tn_send_mky_valid",
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class Voicemail(models.Model):
    """``voicemail``."""

    # Mailbox PIN and IMAP password.
    secret_fields: ClassVar[tuple[str, ...]] = ("password", "imappassword")

    uniqueid = models.AutoField(primary_key=True)
    context = models.CharField(max_length=80)
    mailbox = models.CharField(max_length=80)
    password = models.CharField(max_length=80)
    fullname = models.CharField(max_length=80, null=True, blank=True)
    alias = models.CharField(max_length=80, null=True, blank=True)
    email = models.CharField(max_length=80, null=True, blank=True)
    pager = models.CharField(max_length=80, null=True, blank=True)
    attach = models.CharField(max_length=3, choices=YES_NO_VALUES_CHOICES, null=True, blank=True)
    attachfmt = models.CharField(max_length=10, null=True, blank=True)
    serveremail = models.CharField(max_length=80, null=True, blank=True)
    language = models.CharField(max_length=20, null=True, blank=True)
    tz = models.CharField(max_length=30, null=True, blank=True)
    deletevoicemail = models.CharField(max_length=3, choices=YES_NO_VALUES_CHOICES, null=True, blank=True)
    saycid = models.CharField(max_length=3, choices=YES_NO_VALUES_CHOICES, null=True, blank=True)
    sendvoicemail = models.CharField(max_length=3, choices=YES_NO_VALUES_CHOICES, null=True, blank=True)
    review = models.CharField(max_length=3, choices=YES_NO_VALUES_CHOICES, null=True, blank=True)
    tempgreetwarn = models.CharField(max_length=3, choices=YES_NO_VALUES_CHOICES, null=True, blank=True)
    operator = models.CharField(max_length=3, choices=YES_NO_VALUES_CHOICES, null=True, blank=True)
    envelope = models.CharField(max_length=3, choices=YES_NO_VALUES_CHOICES, null=True, blank=True)
    sayduration = models.IntegerField(null=True, blank=True)
    forcename = models.CharField(max_length=3, choices=YES_NO_VALUES_CHOICES, null=True, blank=True)
    forcegreetings = models.CharField(max_length=3, choices=YES_NO_VALUES_CHOICES, null=True, blank=True)
    callback = models.CharField(max_length=80, null=True, blank=True)
    dialout = models.CharField(max_length=80, null=True, blank=True)
    exitcontext = models.CharField(max_length=80, null=True, blank=True)
    maxmsg = models.IntegerField(null=True, blank=True)
    volgain = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    imapuser = models.CharField(max_length=80, null=True, blank=True)
    imappassword = models.CharField(max_length=80, null=True, blank=True)
    imapserver = models.CharField(max_length=80, null=True, blank=True)
    imapport = models.CharField(max_length=8, null=True, blank=True)
    imapflags = models.CharField(max_length=80, null=True, blank=True)
    stamp = PbxDateTimeField(null=True, blank=True)

    class Meta:
        db_table = "voicemail"
        verbose_name = _("voicemail box")
        verbose_name_plural = _("voicemail boxes")
        constraints = [
            models.CheckConstraint(
                condition=Q(attach__in=ENUM_VALUES["yes_no_values"]),
                name="voicemail_attach_valid",
            ),
            models.CheckConstraint(
                condition=Q(deletevoicemail__in=ENUM_VALUES["yes_no_values"]),
                name="voicemail_deletevoicemail_valid",
            ),
            models.CheckConstraint(
                condition=Q(saycid__in=ENUM_VALUES["yes_no_values"]),
                name="voicemail_saycid_valid",
            ),
            models.CheckConstraint(
                condition=Q(sendvoicemail__in=ENUM_VALUES["yes_no_values"]),
                name="voicemail_sendvoicemail_valid",
            ),
            models.CheckConstraint(
                condition=Q(review__in=ENUM_VALUES["yes_no_values"]),
                name="voicemail_review_valid",
            ),
            models.CheckConstraint(
                condition=Q(tempgreetwarn__in=ENUM_VALUES["yes_no_values"]),
                name="voicemail_tempgreetwarn_valid",
            ),
            models.CheckConstraint(
                condition=Q(operator__in=ENUM_VALUES["yes_no_values"]),
                name="voicemail_operator_valid",
            ),
            models.CheckConstraint(
                condition=Q(envelope__in=ENUM_VALUES["yes_no_values"]),
                name="voicemail_envelope_valid",
            ),
            models.CheckConstraint(
                condition=Q(forcename__in=ENUM_VALUES["yes_no_values"]),
                name="voicemail_forcename_valid",
            ),
            models.CheckConstraint(
                condition=Q(forcegreetings__in=ENUM_VALUES["yes_no_values"]),
                name="voicemail_forcegreetings_valid",
            ),
        ]

    def __str__(self) -> str:
        return str(self.uniqueid)


class VoicemailMessage(models.Model):
    """``voicemail_messages``."""

    pk = models.CompositePrimaryKey("dir", "msgnum")
    dir = models.CharField(max_length=255)
    msgnum = models.IntegerField()
    context = models.CharField(max_length=80, null=True, blank=True)
    callerid = models.CharField(max_length=80, null=True, blank=True)
    origtime = models.IntegerField(null=True, blank=True)
    duration = models.IntegerField(null=True, blank=True)
    recording = models.BinaryField(null=True)
    flag = models.CharField(max_length=30, null=True, blank=True)
    category = models.CharField(max_length=30, null=True, blank=True)
    mailboxuser = models.CharField(max_length=30, null=True, blank=True)
    mailboxcontext = models.CharField(max_length=30, null=True, blank=True)
    msg_id = models.CharField(max_length=40, null=True, blank=True)

    class Meta:
        db_table = "voicemail_messages"
        verbose_name = _("voicemail message")
        verbose_name_plural = _("voicemail messages")

    def __str__(self) -> str:
        return f"{self.dir}/{self.msgnum}"


class SipAddressBlock(models.Model):
    """``crm_sip_blocks``: source addresses refused by PJSIP after repeated authentication failures.

    Not one of Asterisk's own tables: the generated ``sorcery.conf`` maps res_pjsip_acl's ``acl``
    object type onto it (section ``[acl]``: ``acl = realtime,crm_sip_blocks``). res_pjsip_acl reads every ``acl``
    object on each incoming request (``acl_on_rx_msg``) and answers 403 when one denies the source,
    so a row here is in force from the next SIP request and a deleted row is lifted, without a
    reload. Asterisk reads ``id`` and ``deny`` (one network per row); res_sorcery_realtime drops
    columns that are not ``acl`` options, so the other columns are only the CRM's bookkeeping.
    Written by ``voip.calls.sip_security``.
    """

    id = models.CharField(max_length=64, primary_key=True)
    deny = models.CharField(max_length=64)
    address = models.GenericIPAddressField(unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_event = models.CharField(max_length=40, blank=True, default="")
    last_account = models.CharField(max_length=80, blank=True, default="")
    blocked_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "crm_sip_blocks"
        ordering = ["-blocked_at"]
        verbose_name = _("blocked SIP address")
        verbose_name_plural = _("blocked SIP addresses")

    def __str__(self) -> str:
        return str(self.address)


class UnconfirmedExtension(models.Model):
    """``crm_unconfirmed_extensions``: not an Asterisk table, and Asterisk never reads it.

    With the realtime tables in their own database (Option B) a batch of new extensions commits
    there first and then on ``default``. Each new endpoint is listed here in the realtime
    transaction and removed once its ``InternalNumber`` is committed; a row still here after a
    while names an endpoint left without a CRM user by a run that was killed in between. The
    next ``--provision-users`` removes those rows (their passwords were never handed out) and
    provisions the users again; ``--validate`` reports them.
    """

    endpoint_id = models.CharField(max_length=40, primary_key=True)
    user_id = models.BigIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        db_table = "crm_unconfirmed_extensions"
        verbose_name = _("unconfirmed extension")
        verbose_name_plural = _("unconfirmed extensions")

    def __str__(self) -> str:
        return self.endpoint_id


class CallerOwner(models.Model):
    """``crm_caller_owners``: a caller's E.164 number -> the endpoint of the CRM user who owns the
    matching contact (or a contact of the matching company).

    Not one of Asterisk's tables: the ``contact_owner`` destination reads it per call with
    ``REALTIME_FIELD(crm_caller_owners,id,<E.164>,endpoint)`` (family mapped in extconfig.conf), so
    the dialplan never asks Django. A copy rather than a view over ``crm`` because in Option B the
    contacts live in another database than the one Asterisk reads. Kept by ``voip.routes.owners``.
    """

    id = models.CharField(max_length=20, primary_key=True)
    endpoint = models.CharField(max_length=40)

    class Meta:
        db_table = "crm_caller_owners"
        verbose_name = _("caller's owner")
        verbose_name_plural = _("callers' owners")

    def __str__(self) -> str:
        return self.id


class OutboundAccess(models.Model):
    """``crm_outbound_access``: who may use a restricted outbound route and per-user caller IDs.

    ``id`` is ``<route id>:<endpoint id>``; the outbound dialling subroutine reads ``allowed`` and
    ``caller_id`` with ``REALTIME_FIELD`` (family mapped in extconfig.conf). Kept by
    ``voip.routes.services``.
    """

    id = models.CharField(max_length=64, primary_key=True)
    allowed = models.CharField(max_length=1, default="1")
    caller_id = models.CharField(max_length=20, blank=True, default="")

    class Meta:
        db_table = "crm_outbound_access"
        verbose_name = _("outbound route access")
        verbose_name_plural = _("outbound route access")

    def __str__(self) -> str:
        return self.id
