from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PbxConfig(AppConfig):
    """The PBX as one file (``manage.py pbx apply|export``): registers the resources of its keys."""

    name = "voip.pbx"
    label = "pbx"
    verbose_name = _("VOIP")

    def ready(self) -> None:
        # One list of the file's keys; their apply order is each resource's ``order``.
        from voip.pbx.extensions import ExtensionsResource
        from voip.pbx.resources import register
        from voip.pbx.routes import InboundRoutesResource, OutboundRoutesResource
        from voip.pbx.trunks import TrunksResource

        register(ExtensionsResource())
        register(TrunksResource())
        register(OutboundRoutesResource())
        register(InboundRoutesResource())
