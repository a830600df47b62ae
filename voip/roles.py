"""The three roles, as Django groups kept in step with their permissions after every migrate.

* PBX admins provision extensions and configure the PBX. They see every call (troubleshooting) but
  handle only their own missed calls: taking a call off an agent's list is a supervisor's decision.
* Supervisors see every call and recording, and handle every agent's missed calls.
* Agents call from their own extension and see their own calls and the contacts they work with.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_migrate
from django.utils.translation import gettext_noop

PBX_ADMINS = gettext_noop("PBX admins")
SUPERVISORS = gettext_noop("Supervisors")
AGENTS = gettext_noop("Agents")

# "app_label.codename" of each permission a role grants; the realtime models' own
# add/change/delete/view permissions go to PBX admins.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    AGENTS: [
        "voip.place_calls",
        "crm.view_contact",
        "crm.add_contact",
        "crm.change_contact",
        "crm.view_company",
    ],
    SUPERVISORS: [
        "voip.place_calls",
        "voip.view_all_calls",
        "voip.listen_all_recordings",
        "voip.handle_all_missed_calls",
        "callcentre.supervise_queues",
        "callcentre.view_callqueue",
        "crm.view_contact",
        "crm.add_contact",
        "crm.change_contact",
        "crm.view_company",
        "crm.add_company",
        "crm.change_company",
    ],
    PBX_ADMINS: [
        "voip.provision_extensions",
        "voip.configure_pbx",
        "voip.place_calls",
        "voip.view_all_calls",
        "realtime.*",
        "provisioning.*",
        "callcentre.*",
        "webhooks.*",
    ],
}


def sync_roles(**kwargs: Any) -> None:
    """Create the groups and give them exactly the permissions that exist by now."""
    from django.contrib.auth.models import Group, Permission

    using = kwargs.get("using", "default")
    if using != "default":
        return
    for role, wanted in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=role)
        permissions: list[Permission] = []
        for spec in wanted:
            app_label, codename = spec.split(".", 1)
            found = Permission.objects.using(using).filter(content_type__app_label=app_label)
            if codename != "*":
                found = found.filter(codename=codename)
            permissions.extend(found)
        group.permissions.add(*permissions)


def connect_signals() -> None:
    post_migrate.connect(sync_roles, dispatch_uid="voip.roles.sync_roles")
