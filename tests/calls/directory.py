"""A call-tracker :class:`~voip.calls.tracker.Directory` from plain dicts (tests, benchmark)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from voip.calls.tracker import AgentRef, Origination


@dataclass(frozen=True)
class StaticDirectory:
    agents: Mapping[str, AgentRef] = field(default_factory=dict)
    endpoints: Mapping[str, str] = field(default_factory=dict)  # endpoint id -> extension
    originations: dict[str, Origination] = field(default_factory=dict)  # channel_id -> origination

    def is_our_extension(self, number: str) -> bool:
        return number in self.agents or number in self.endpoints.values()

    def agent_for_extension(self, extension: str) -> AgentRef | None:
        return self.agents.get(extension)

    def extension_for_endpoint(self, endpoint: str) -> str | None:
        if endpoint in self.endpoints:
            return self.endpoints[endpoint]
        return endpoint if endpoint in self.agents else None

    def origination(self, *, channel_id: str | None = None, action_id: str | None = None) -> Origination | None:
        if channel_id and channel_id in self.originations:
            return self.originations[channel_id]
        if action_id:
            for origination in self.originations.values():
                if origination.action_id == action_id:
                    return origination
        return None
