from django.urls import path

from voip.views import click_to_call as _click_to_call
from voip.views import missed_calls as _missed_calls
from voip.views import my_phone as _my_phone
from voip.views import recordings as _recordings

app_name = "voip"

urlpatterns: list = [
    path("call/", _click_to_call.click_to_call, name="click_to_call"),
    path("missed/", _missed_calls.missed_calls, name="missed_calls"),
    path("missed/<int:call_id>/handled/", _missed_calls.missed_call_handled, name="missed_call_handled"),
    path("recordings/<int:call_id>/", _recordings.recording, name="recording"),
    path("phone/", _my_phone.my_phone, name="my_phone"),
    path("phone/reset/", _my_phone.reset_my_password, name="my_phone_reset"),
]
