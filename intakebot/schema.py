"""The typed-settings checker the configuration declares its sections with.

A section is a `Section` subclass whose annotated class attributes are its
settings; `build(cls, table)` checks a TOML table against the annotations and
each field's `setting(...)` and reports every problem by its key, its value and
what is allowed. Plain Python instead of a validation library (its import alone
cost a third of a command's start-up budget) or dataclasses (generating their
methods for 17 frozen sections cost another ~8 ms).
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from typing import Any, Literal


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Invalid(ValueError):
    """One value is wrong; the message says what is allowed."""


class SettingsError(Exception):
    """Every problem of one document, one line each."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class Setting:
    """A field: its default (or factory), bounds, a `check(value) -> value` raising
    ValueError with what is allowed, and whether the file may set it (`toml=False`: set
    by the loader, not read from the file, not compared)."""

    __slots__ = ("default", "factory", "ge", "le", "gt", "lt", "check", "toml")

    def __init__(self, default: Any = MISSING, factory: Callable[[], Any] | None = None,
                 ge: float | None = None, le: float | None = None, gt: float | None = None,
                 lt: float | None = None, check: Callable[[Any], Any] | None = None,
                 toml: bool = True) -> None:
        self.default, self.factory, self.check, self.toml = default, factory, check, toml
        self.ge, self.le, self.gt, self.lt = ge, le, gt, lt

    @property
    def required(self) -> bool:
        return self.default is MISSING and self.factory is None

    def initial(self) -> Any:
        return self.factory() if self.factory is not None else self.default


setting = Setting  # `name: int = setting(30, ge=1)` reads as a declaration


class Section:
    """Base of a settings section: built by keyword, read-only, equal by value."""

    _fields: dict[str, Setting] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found = dict(cls._fields)
        for name in cls.__dict__.get("__annotations__", {}):
            if name.startswith("_"):
                continue
            value = cls.__dict__.get(name, MISSING)
            found[name] = value if isinstance(value, Setting) else Setting(default=value)
            if name in cls.__dict__:
                delattr(cls, name)  # the instance holds the value; no class default shadows
        cls._fields = found

    def __init__(self, **values: Any) -> None:
        for name, spec in self._fields.items():
            if name in values:
                value = values.pop(name)
            elif spec.required:
                raise TypeError(f"{type(self).__name__}() needs {name}")
            else:
                value = spec.initial()
            object.__setattr__(self, name, value)
        if values:
            raise TypeError(f"{type(self).__name__}() has no setting {', '.join(values)}")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only: use replace()")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n)
                   for n, spec in self._fields.items() if spec.toml)

    __hash__ = None  # type: ignore[assignment]  # lists inside: not hashable

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._fields)
        return f"{type(self).__name__}({inner})"


def fields(cls) -> dict[str, Setting]:
    """A section class's settings by name, in declaration order."""
    return dict(cls._fields)


def replace(obj: Section, **changes: Any) -> Any:
    return type(obj)(**{**{n: getattr(obj, n) for n in obj._fields}, **changes})


def as_dict(obj: Any) -> Any:
    """A section as plain data (nested sections, lists and tables too)."""
    if isinstance(obj, Section):
        return {n: as_dict(getattr(obj, n)) for n in obj._fields}
    if isinstance(obj, list | tuple):
        return [as_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {k: as_dict(v) for k, v in obj.items()}
    return obj


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
    specs = {name: spec for name, spec in cls._fields.items() if spec.toml}
    for key in table:
        if key not in specs:
            problems.append(f"{_key(path, key)}: unknown setting "
                            "(see `intakebot init` for every setting)")
    values: dict[str, Any] = {}
    before = len(problems)
    hints = _hints(cls)
    for name, spec in specs.items():
        loc = _key(path, name)
        if name not in table:
            if spec.required:
                problems.append(f"{loc}: required setting is missing")
            continue
        raw = table[name]
        try:
            value = _convert(hints[name], raw, loc, problems)
            if value is not _SKIP:
                value = _bounded(spec, value)
                values[name] = spec.check(value) if spec.check is not None \
                    and value is not None else value
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
    if isinstance(tp, type) and issubclass(tp, Section):
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


def _bounded(spec: Setting, value: Any) -> Any:
    for bound, test, words in ((spec.ge, lambda v, b: v >= b, "greater than or equal to"),
                               (spec.gt, lambda v, b: v > b, "greater than"),
                               (spec.le, lambda v, b: v <= b, "less than or equal to"),
                               (spec.lt, lambda v, b: v < b, "less than")):
        if bound is not None and not test(value, bound):
            raise Invalid(f"must be {words} {bound}")
    return value


def _alternatives(values) -> str:
    shown = [repr(v) for v in values]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]
