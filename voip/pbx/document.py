"""Reading a PBX file: YAML to plain data, with every problem named by its key path.

PyYAML's safe loader resolves scalars; the mapping and sequence structure is walked here so that a
duplicate key, a tag that is not plain data or a string carrying a control character is reported
as ``trunks[0].host: ...`` instead of a line number deep in the parser. ``${env:NAME}`` inside a
string is replaced by the environment variable ``NAME`` (``$${`` writes a literal ``${``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from voip.pbx.resources import PbxError

ENV_REFERENCE = re.compile(r"\$\$\{|\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}|\$\{[^}]*\}?")
# CR/LF would split an AMI header or a dialplan line; no value in a PBX file has a use for them.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def child_path(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _line(node: Node) -> str:
    return f"line {node.start_mark.line + 1}"


class _Reader:
    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.errors: list[PbxError] = []
        self.constructor = SafeConstructor()
        self.seen: set[int] = set()

    def error(self, path: str, message: str) -> None:
        self.errors.append(PbxError(path or "(file)", message))

    def value(self, node: Node, path: str) -> Any:
        if isinstance(node, MappingNode | SequenceNode):
            # An alias is the same node again: refused, so a file cannot expand itself exponentially.
            if id(node) in self.seen:
                self.error(path, f"anchors and aliases (&, *) are not supported ({_line(node)})")
                return None
            self.seen.add(id(node))
        if isinstance(node, MappingNode):
            return self.mapping(node, path)
        if isinstance(node, SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                self.error(path, f"unsupported tag {node.tag} ({_line(node)})")
                return None
            return [self.value(item, child_path(path, index)) for index, item in enumerate(node.value)]
        return self.scalar(node, path)

    def mapping(self, node: MappingNode, path: str) -> dict[str, Any] | None:
        if node.tag != "tag:yaml.org,2002:map":
            self.error(path, f"unsupported tag {node.tag} ({_line(node)})")
            return None
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.error(path, f"merge keys (<<) are not supported ({_line(key_node)})")
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                shown = key_node.value if isinstance(key_node, ScalarNode) else "(not a scalar)"
                self.error(path, f"key {shown!r} is not a string ({_line(key_node)})")
                continue
            key = key_node.value
            if key in result:
                self.error(child_path(path, key), f"duplicate key ({_line(key_node)})")
                continue
            result[key] = self.value(value_node, child_path(path, key))
        return result

    def scalar(self, node: Node, path: str) -> Any:
        try:
            value = self.constructor.construct_object(node, deep=True)
        except ConstructorError as exc:
            self.error(path, f"{exc.problem or 'not plain data'} ({_line(node)})")
            return None
        if isinstance(value, str):
            value = self.substitute(value, path)
            if CONTROL_CHARACTERS.search(value):
                self.error(path, "control characters (line breaks, tabs) are not allowed in values")
        elif not (value is None or isinstance(value, bool | int | float)):
            # Dates, binary and the like: no PBX setting is one, so they are a typo rather than data.
            self.error(path, f"expected a string, number, boolean or null, not {type(value).__name__}")
            return None
        return value

    def substitute(self, text: str, path: str) -> str:
        def replace(match: re.Match[str]) -> str:
            whole = match.group(0)
            if whole == "$${":
                return "${"
            name = match.group(1)
            if name is None:
                self.error(path, f"{whole!r} is not a reference: write ${{env:NAME}}, or $${{ for a literal ${{")
                return whole
            if name not in self.environ:
                self.error(path, f"environment variable {name} is not set")
                return ""
            return self.environ[name]

        return ENV_REFERENCE.sub(replace, text)


def read_document(text: str, *, environ: Mapping[str, str]) -> tuple[dict[str, Any], list[PbxError]]:
    """The file's top-level mapping and every error found reading it (structure only, not meaning)."""
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        return {}, [PbxError("(file)", f"not valid YAML: {problem}{where}")]
    if len(nodes) > 1:
        return {}, [PbxError("(file)", "one YAML document expected, found several (---)")]
    if not nodes or (isinstance(nodes[0], ScalarNode) and nodes[0].value == ""):
        return {}, [PbxError("(file)", "the file is empty")]
    reader = _Reader(environ)
    if not isinstance(nodes[0], MappingNode):
        return {}, [PbxError("(file)", "expected a mapping of keys (trunks:, extensions:, ...) at the top")]
    document = reader.mapping(nodes[0], "")
    return document or {}, reader.errors
