"""The admin site: every telephony model under one "VOIP" section, as the user's guide shows it.

The models live in four Django apps (``voip``, ``realtime``, ``provisioning``, ``calls``); the
index shows them as one section, and so does each of those apps' own page (``/admin/realtime/``,
``/admin/calls/``), which every VOIP breadcrumb links to under the same name, "VOIP".
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest

# Apps whose models the admin index shows together under the ``voip`` app's section.
VOIP_APP_LABELS = (
    "voip",
    "realtime",
    "provisioning",
    "calls",
    "trunks",
    "routes",
    "webhooks",
    "api",
    "audit",
    "callcentre",
)


class CrmAdminSite(admin.AdminSite):
    site_header = "CRM"
    site_title = "CRM"
    # The sidebar repeats the index and takes a quarter of a 1280 px window from every list.
    enable_nav_sidebar = False

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        if app_label in VOIP_APP_LABELS:
            return [app for app in self.get_app_list(request) if app["name"] == "VOIP"]
        apps = super().get_app_list(request, app_label)
        if app_label is not None:
            return apps
        voip_models: list[dict[str, Any]] = []
        merged: list[dict[str, Any]] = []
        voip_section: dict[str, Any] | None = None
        for app in apps:
            if app["app_label"] in VOIP_APP_LABELS:
                voip_models.extend(app["models"])
                if voip_section is None:
                    voip_section = app
                    merged.append(app)
            else:
                merged.append(app)
        if voip_section is not None:
            voip_section["name"] = "VOIP"
            voip_section["models"] = sorted(voip_models, key=lambda model: str(model["name"]))
        return merged


class CrmAdminConfig(AdminConfig):
    default_site = "config.admin.CrmAdminSite"
