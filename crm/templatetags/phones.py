"""``{{ number|phone }}``: every phone number on a page in one readable international format."""

from __future__ import annotations

from django import template

from crm.phones import display

register = template.Library()


@register.filter(name="phone")
def phone(value: str | None) -> str:
    """``+74951234567``, ``8 (495) 123-45-67`` → ``+7 495 123-45-67``; extensions stay as they are."""
    return display(value)
