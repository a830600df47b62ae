"""``{% result_count cl %}``: "3 звонка", not "3 звонки", under every admin list.

Django's own pagination writes the count before the model's plural name, which is right in English
only; these models get real plural forms (ngettext), the others keep Django's wording.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import ngettext

register = template.Library()


def _counted(count: int) -> dict[str, Any]:
    return {
        "auth.user": ngettext("%(count)d user", "%(count)d users", count),
        "auth.group": ngettext("%(count)d group", "%(count)d groups", count),
        "calls.calllog": ngettext("%(count)d call", "%(count)d calls", count),
        "crm.contact": ngettext("%(count)d contact", "%(count)d contacts", count),
        "crm.company": ngettext("%(count)d company", "%(count)d companies", count),
        "realtime.psendpoint": ngettext("%(count)d PJSIP Endpoint", "%(count)d PJSIP Endpoints", count),
        "realtime.pscontact": ngettext("%(count)d PJSIP contact", "%(count)d PJSIP contacts", count),
        "realtime.pstransport": ngettext("%(count)d PJSIP transport", "%(count)d PJSIP transports", count),
    }


@register.simple_tag
def result_count(cl: Any) -> str:
    count = cl.result_count
    wording = _counted(count).get(cl.opts.label_lower)
    if wording is not None:
        return wording % {"count": count}
    return f"{count} {cl.opts.verbose_name if count == 1 else cl.opts.verbose_name_plural}"
