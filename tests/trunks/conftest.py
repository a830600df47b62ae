"""Fixtures for the trunk tests: the provisioning ones (databases, settings overrides)."""

from __future__ import annotations

from tests.provisioning.conftest import DATABASES, provisioning

__all__ = ["DATABASES", "provisioning"]
