from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def seconds(value: float | None) -> str:
    """A figure in seconds for a table cell: one decimal, a dash when there is nothing to average."""
    return "—" if value is None else f"{value:.1f}"


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


@register.simple_tag
def heat_level(count: int, most: int) -> int:
    """0..5: how dark a heat-map cell is, relative to the busiest hour."""
    if count <= 0 or most <= 0:
        return 0
    return max(1, round(5 * count / most))
