from __future__ import annotations

import pytest

from tests.ami.transcripts import transcripts_available
from tests.reports.stream import Stream, build_stream


@pytest.fixture
def moscow(settings):
    settings.TIME_ZONE = "Europe/Moscow"
    settings.VOIP_REPORTS = {"SERVICE_LEVEL_SECONDS": 20, "QUEUE_SERVICE_LEVEL_SECONDS": {}}


@pytest.fixture
def stream(moscow) -> Stream:
    if not transcripts_available():
        pytest.fail("the recorded AMI transcripts (../shared/asterisk/ami) are needed for the report stream")
    return build_stream()
