"""Strict validation of the plain data that enters the machine: command data and set-up dicts.

Types are checked exactly (no coercion, a bool is not a number), unknown keys are refused
and sizes are bounded, so a handler only ever sees well-formed values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


class SchemaError(ValueError):
    """Data that does not fit its schema; the message is Chinese and names the field."""


class Field(Protocol):
    def parse(self, value: object, name: str) -> Any: ...


@dataclass(frozen=True)
class Text:
    """A string of bounded length, stripped of surrounding blanks; no control characters."""

    max_len: int = 200
    min_len: int = 1

    def parse(self, value: object, name: str) -> str:
        if not isinstance(value, str):
            raise SchemaError(f"{name} 应为文字")
        text = value.strip()
        if not self.min_len <= len(text) <= self.max_len:
            raise SchemaError(f"{name} 的长度应在 {self.min_len} 到 {self.max_len} 个字符之间")
        if any(ch < " " or ch == "\x7f" for ch in text):
            raise SchemaError(f"{name} 含有控制字符")
        return text


@dataclass(frozen=True)
class Ident:
    """An identifier: 1 to 64 visible characters without blanks."""

    def parse(self, value: object, name: str) -> str:
        if not isinstance(value, str):
            raise SchemaError(f"{name} 应为字符串标识")
        if not 1 <= len(value) <= 64 or any(ch <= " " or ch == "\x7f" for ch in value):
            raise SchemaError(f"{name} 应为 1 到 64 个不含空白的字符")
        return value


@dataclass(frozen=True)
class Choice:
    values: tuple[str, ...]

    def parse(self, value: object, name: str) -> str:
        if not isinstance(value, str) or value not in self.values:
            raise SchemaError(f"{name} 应为以下之一：{'、'.join(self.values)}")
        return value


@dataclass(frozen=True)
class Int:
    lo: int
    hi: int

    def parse(self, value: object, name: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SchemaError(f"{name} 应为整数")
        if not self.lo <= value <= self.hi:
            raise SchemaError(f"{name} 应在 {self.lo} 到 {self.hi} 之间")
        return value


@dataclass(frozen=True)
class Flag:
    def parse(self, value: object, name: str) -> bool:
        if not isinstance(value, bool):
            raise SchemaError(f"{name} 应为 true 或 false")
        return value


@dataclass(frozen=True)
class Nullable:
    """The inner field, or null."""

    inner: Field

    def parse(self, value: object, name: str) -> Any:
        return None if value is None else self.inner.parse(value, name)


@dataclass(frozen=True)
class ListOf:
    inner: Field
    max_len: int

    def parse(self, value: object, name: str) -> list[Any]:
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
            raise SchemaError(f"{name} 应为列表")
        if len(value) > self.max_len:
            raise SchemaError(f"{name} 最多 {self.max_len} 项")
        return [self.inner.parse(v, f"{name}[{i}]") for i, v in enumerate(value)]


@dataclass(frozen=True)
class MapOf:
    """A mapping whose keys are one of `keys` and whose values fit `inner`."""

    keys: Choice
    inner: Field

    def parse(self, value: object, name: str) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise SchemaError(f"{name} 应为对象")
        return {
            self.keys.parse(k, f"{name} 的键"): self.inner.parse(v, f"{name}.{k}")
            for k, v in value.items()
        }


@dataclass(frozen=True)
class Schema:
    """An object with named required and optional keys; anything else is refused.

    An optional key given as null counts as absent and is left out of the result, unless
    its field is `Nullable`, where null is a value ("no limit", for instance).
    """

    required: Mapping[str, Field] = field(default_factory=dict)
    optional: Mapping[str, Field] = field(default_factory=dict)

    def parse(self, value: object, name: str = "数据") -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise SchemaError(f"{name} 应为对象")
        unknown = sorted(str(k) for k in value if k not in self.required and k not in self.optional)
        if unknown:
            raise SchemaError(f"{name} 含有未知字段：{'、'.join(unknown[:5])}")
        missing = [k for k in self.required if k not in value]
        if missing:
            raise SchemaError(f"{name} 缺少字段：{'、'.join(missing)}")
        out = {k: f.parse(value[k], k) for k, f in self.required.items()}
        for k, f in self.optional.items():
            if k in value and (value[k] is not None or isinstance(f, Nullable)):
                out[k] = f.parse(value[k], k)
        return out

    @property
    def keys(self) -> tuple[str, ...]:
        return (*self.required, *self.optional)


NO_DATA = Schema()
