import pytest
from django.db import connections

from voip.models import PsEndpoint


# transaction=True: the guide reads through the second alias outside any transaction, as here.
@pytest.mark.django_db(databases=["default", "asterisk"], transaction=True)
def test_realtime_model_uses_asterisk_alias_and_table():
    assert PsEndpoint.objects.using("asterisk").model._meta.db_table == "ps_endpoints"
    PsEndpoint.objects.create(id="1000", context="from-internal")
    assert PsEndpoint.objects.using("asterisk").filter(id="1000").exists()
    assert connections["default"].vendor in {"postgresql", "sqlite"}
