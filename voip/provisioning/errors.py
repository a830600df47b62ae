"""Errors raised by the provisioning services."""

from __future__ import annotations


class ProvisioningError(Exception):
    """A provisioning request that cannot be done as asked (message says why)."""


class ExtensionNotFound(ProvisioningError):
    """No extension (InternalNumber or realtime rows) for that user or endpoint id."""


class NumberSpaceExhausted(ProvisioningError):
    """No free number left in the configured range."""


class NumberTaken(ProvisioningError):
    """The requested number is already used by an endpoint or another user."""
