"""YAML with line numbers and `${ENV}` references, for error messages that point at the fault."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from dotenv.parser import parse_stream

ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
Path_ = tuple[str | int, ...]


class ConfigError(ValueError):
    """A configuration problem, worded for the person who edits the file."""

    def __init__(self, file: Path, line: int | None, key: str, problem: str) -> None:
        self.file, self.line, self.key, self.problem = file, line, key, problem
        where = f"{file}:{line}" if line else str(file)
        super().__init__(f"{where}: {key}: {problem}" if key else f"{where}: {problem}")


@dataclass
class LocatedDocument:
    """A parsed YAML document plus the line of every key, which values came from which env var, and
    the values those references resolved to (every one a secret, whatever field it lands in)."""

    file: Path
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    env_names: dict[Path_, str] = field(default_factory=dict)
    env_values: set[str] = field(default_factory=set)

    def line_of(self, path: Path_) -> int | None:
        """The line of `path`, or of its nearest ancestor present in the file."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None

    def error(self, path: Path_, problem: str) -> ConfigError:
        return ConfigError(self.file, self.line_of(path), dotted(path), problem)


def dotted(path: Path_) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def read_secrets_file(path: Path) -> dict[str, str]:
    """A .env file's `KEY=VALUE` lines, read by python-dotenv's parser: quotes, escapes, `export `
    and trailing `# comments` as in every other .env reader; values are taken literally (no `${VAR}`
    expansion: a password may contain `$`). A line it cannot read fails with its number."""
    with path.open(encoding="utf-8") as stream:
        bindings = list(parse_stream(stream))
    values: dict[str, str] = {}
    for binding in bindings:
        if binding.error or (binding.key is not None and binding.value is None):
            raise ConfigError(path, binding.original.line, "", "expected KEY=VALUE")
        if binding.key is not None and binding.value is not None:
            values[binding.key] = binding.value
    return values


def compose_file(file: Path) -> yaml.Node | None:
    """The file's YAML node tree (kept for line numbers), or a `ConfigError` saying why not."""
    try:
        text = file.read_bytes().decode("utf-8")
    except OSError as error:
        raise ConfigError(file, None, "", f"cannot read the file ({error.strerror})") from None
    except UnicodeDecodeError as error:
        raise ConfigError(file, None, "", f"not UTF-8 text (byte {error.start} is {error.object[error.start]:#x})"
                          ) from None
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise ConfigError(file, mark.line + 1 if mark else None, "",
                          f"not valid YAML ({getattr(error, 'problem', error)})") from None


def top_level_scalar(root: yaml.Node | None, key: str) -> tuple[str, int] | None:
    """A top-level string setting and its line, read before `${VAR}` references are resolved."""
    if not isinstance(root, yaml.MappingNode):
        return None
    for key_node, value_node in root.value:
        if key_node.value == key and isinstance(value_node, yaml.ScalarNode) and value_node.tag.endswith(":str"):
            return value_node.value, key_node.start_mark.line + 1
    return None


def load_located(file: Path, secrets: Mapping[str, str] | None = None,
                 root: yaml.Node | None = None) -> LocatedDocument:
    """Parse `file` (or its already composed `root`), resolving `${VAR}` from the environment, then `secrets`."""
    root = compose_file(file) if root is None else root
    document = LocatedDocument(file=file, data=None)
    lookup = {**(secrets or {}), **os.environ}
    document.data = {} if root is None else _build(root, (), document, lookup, frozenset())
    return document


def _build(node: yaml.Node, path: Path_, document: LocatedDocument, env: Mapping[str, str],
           enclosing: frozenset[int]) -> Any:
    line = node.start_mark.line + 1
    document.lines.setdefault(path, line)
    if id(node) in enclosing:
        raise ConfigError(document.file, line, dotted(path), "a YAML alias refers to itself")
    inside = enclosing | {id(node)}
    if isinstance(node, yaml.MappingNode):
        result = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if not isinstance(key, str):
                raise ConfigError(document.file, key_node.start_mark.line + 1, dotted(path), "keys must be plain text")
            if key in result:
                raise ConfigError(document.file, key_node.start_mark.line + 1, dotted((*path, key)), "duplicate key")
            document.lines[(*path, key)] = key_node.start_mark.line + 1
            result[key] = _build(value_node, (*path, key), document, env, inside)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, index), document, env, inside) for index, item in enumerate(node.value)]
    try:
        value = yaml.SafeLoader("").construct_object(node) if node.tag != "tag:yaml.org,2002:str" else node.value
    except yaml.YAMLError:
        raise ConfigError(document.file, line, dotted(path), f"unsupported YAML tag {node.tag}") from None
    if isinstance(value, str) and "${" in value:
        return _resolve(value, path, document, env)
    return value


def _resolve(value: str, path: Path_, document: LocatedDocument, env: Mapping[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise document.error(path, f"environment variable {name} is not set (nor in the secrets file)")
        document.env_names[path] = name
        document.env_values.add(env[name])
        return env[name]

    return ENV_REFERENCE.sub(substitute, value)
