"""The typed-settings checker the configuration declares its sections with.

A section is a frozen keyword-only dataclass; `build(cls, table)` checks a TOML
table against its annotations and field metadata (`setting(...)`) and reports
every problem by its key, its value and what is allowed. Plain Python instead of
a validation library: every command loads the configuration, and a library's
import alone cost a third of the start-up budget.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from typing import Any, Literal

MISSING = dataclasses.MISSING


class Invalid(ValueError):
    """One value is wrong; the message says what is allowed."""


class SettingsError(Exception):
    """Every problem of one document, one line each."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def setting(default: Any = MISSING, *, factory: Callable[[], Any] | None = None,
            ge: float | None = None, le: float | None = None, gt: float | None = None,
            lt: float | None = None, check: Callable[[Any], Any] | None = None,
            toml: bool = True) -> Any:
    """A field with bounds and a `check(value) -> value` that raises ValueError with
    what is allowed. `toml=False`: set by the loader, never read from the file, and
    not part of equality."""
    meta = {"ge": ge, "le": le, "gt": gt, "lt": lt, "check": check, "toml": toml}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=meta, compare=toml)
    return dataclasses.field(default=default, metadata=meta, compare=toml)


def section(cls):
    """Decorate a section class: frozen, keyword-only."""
    return dataclasses.dataclass(frozen=True, kw_only=True)(cls)


@cache
def _hints(cls) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def build(cls, table: Any, path: str = "") -> Any:
    """An instance of section `cls` from `table`; SettingsError naming every bad key."""
    problems: list[str] = []
    built = _section(cls, table, path, problems)
    if problems:
        raise SettingsError(problems)
    return built


def _key(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _section(cls, table: Any, path: str, problems: list[str]) -> Any:
    if not isinstance(table, dict):
        problems.append(f"{path or 'the file'} = {table!r} is not valid: must be a table "
                        f"([{path}])")
        return None
    fields = {f.name: f for f in dataclasses.fields(cls) if f.metadata.get("toml", True)}
    for key in table:
        if key not in fields:
            problems.append(f"{_key(path, key)}: unknown setting "
                            "(see `intakebot init` for every setting)")
    values: dict[str, Any] = {}
    before = len(problems)
    hints = _hints(cls)
    for name, f in fields.items():
        loc = _key(path, name)
        if name not in table:
            if f.default is MISSING and f.default_factory is MISSING:
                problems.append(f"{loc}: required setting is missing")
            continue
        raw = table[name]
        try:
            value = _convert(hints[name], raw, loc, problems)
            if value is not _SKIP:
                value = _bounded(f.metadata, value)
                check = f.metadata.get("check")
                values[name] = check(value) if check is not None and value is not None \
                    else value
        except Invalid as exc:
            problems.append(_describe(loc, raw, str(exc)))
        except ValueError as exc:
            problems.append(_describe(loc, raw, str(exc)))
    if len(problems) > before:
        return None
    built = cls(**values)
    validate = getattr(built, "validate", None)
    if validate is not None:
        try:
            validate()
        except ValueError as exc:
            problems.append(_describe(path, table, str(exc)))
            return None
    return built


def _describe(loc: str, value: Any, message: str) -> str:
    if " is not valid" in message:  # the check named the key and value itself
        return message
    return f"{loc} = {value!r} is not valid: {message}"


_SKIP = object()  # a nested section that had problems (already reported)


def _convert(tp: Any, value: Any, loc: str, problems: list[str]) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return _convert(inner[0], value, loc, problems) if len(inner) == 1 else value
    if origin is Literal:
        if value not in args:
            raise Invalid("allowed: " + _alternatives(args))
        return value
    if origin is list:
        if not isinstance(value, list):
            raise Invalid("must be a list, e.g. [...]")
        out = []
        for i, item in enumerate(value):
            try:
                out.append(_convert(args[0], item, f"{loc}[{i}]", problems))
            except ValueError as exc:
                problems.append(_describe(f"{loc}[{i}]", item, str(exc)))
                out.append(_SKIP)
        return _SKIP if _SKIP in out else out
    if origin is dict:
        if not isinstance(value, dict):
            raise Invalid("must be a table of key = value")
        return {k: _convert(args[1], v, _key(loc, k), problems) for k, v in value.items()}
    if tp is Any:
        return value
    if dataclasses.is_dataclass(tp):
        built = _section(tp, value, loc, problems)
        return _SKIP if built is None else built
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(value)
        except ValueError:
            raise Invalid("allowed: " + _alternatives([m.value for m in tp])) from None
    return _scalar(tp, value)


def _scalar(tp: type, value: Any) -> Any:
    if tp is bool:
        if not isinstance(value, bool):
            raise Invalid("must be true or false")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid("must be a whole number")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Invalid("must be a number")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise Invalid('must be a string in double quotes, e.g. "text"')
        return value
    if tp is date:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            raise Invalid("must be a date such as 2026-12-24") from None
    raise TypeError(f"no check for settings of type {tp!r}")


def _bounded(meta: dict[str, Any], value: Any) -> Any:
    for key, test, words in (("ge", lambda v, b: v >= b, "greater than or equal to"),
                             ("gt", lambda v, b: v > b, "greater than"),
                             ("le", lambda v, b: v <= b, "less than or equal to"),
                             ("lt", lambda v, b: v < b, "less than")):
        bound = meta.get(key)
        if bound is not None and not test(value, bound):
            raise Invalid(f"must be {words} {bound}")
    return value


def _alternatives(values) -> str:
    shown = [repr(v) for v in values]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]


def as_dict(obj: Any) -> Any:
    """A section as plain data (for comparisons in tests, and `--json`)."""
    return dataclasses.asdict(obj)
