"""Records: the part of ``dataclasses`` the scan path uses, without importing ``dataclasses``.

``import dataclasses`` imports ``inspect`` (and with it ``ast``, ``dis`` and ``tokenize``, whose
regexes compile on import), and decorating a class runs a good deal of Python per field: about
a sixth of what a pre-commit hook run executes (measured with callgrind, bench/README.md). The
scanner's data classes are plain records: ``dataclass`` here builds the same ``__init__``,
``__repr__``, ``__eq__`` (and ``__hash__``, ``__setattr__`` when frozen) from the class's
annotations and defaults, with ``field(default=..., default_factory=..., repr=..., compare=...)``,
``replace``, ``fields``, ``is_dataclass`` and ``__post_init__``. Instances pickle like dataclass
instances. No ``order``, ``slots``, ``kw_only`` or ``InitVar``: nothing here uses them (a class
that needs them uses ``dataclasses``).
"""
from __future__ import annotations

__all__ = ["FrozenInstanceError", "dataclass", "field", "fields", "is_dataclass", "replace"]

_MISSING = object()
_FIELDS = "__record_fields__"


class FrozenInstanceError(AttributeError):
    """Assignment to a field of a frozen record."""


class Field:
    __slots__ = ("name", "default", "default_factory", "repr", "compare")

    def __init__(self, default: object = _MISSING, default_factory: object = _MISSING, repr: bool = True,
                 compare: bool = True) -> None:
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.repr = repr
        self.compare = compare

    def __repr__(self) -> str:
        return f"Field({self.name!r})"


def field(*, default: object = _MISSING, default_factory: object = _MISSING, repr: bool = True,
          compare: bool = True) -> object:
    if default is not _MISSING and default_factory is not _MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return Field(default, default_factory, repr, compare)


def fields(obj: object) -> tuple[Field, ...]:
    return tuple(getattr(obj, _FIELDS).values())


def is_dataclass(obj: object) -> bool:
    return hasattr(obj if isinstance(obj, type) else type(obj), _FIELDS)


def replace(obj: object, **changes: object) -> object:
    """A copy of ``obj`` with some fields changed (like ``dataclasses.replace``)."""
    for name in getattr(obj, _FIELDS):
        if name not in changes:
            changes[name] = getattr(obj, name)
    return obj.__class__(**changes)


def dataclass(cls: type | None = None, /, *, frozen: bool = False, eq: bool = True, repr: bool = True):  # noqa: A002
    """``@dataclass`` / ``@dataclass(frozen=True, eq=False, repr=False)`` for plain records."""
    def wrap(c: type) -> type:
        return _process(c, frozen, eq, repr)

    return wrap if cls is None else wrap(cls)


def _process(cls: type, frozen: bool, eq: bool, want_repr: bool) -> type:
    flds: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        flds.update(getattr(base, _FIELDS, {}))
    for name, ann in cls.__dict__.get("__annotations__", {}).items():
        if isinstance(ann, str) and (ann.startswith("ClassVar") or ann.startswith("typing.ClassVar")):
            continue
        value = cls.__dict__.get(name, _MISSING)
        f = value if isinstance(value, Field) else Field(default=value)
        f.name = name
        flds[name] = f
        if isinstance(value, Field):  # like dataclasses: a plain default stays a class attribute
            if f.default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, f.default)
    setattr(cls, _FIELDS, flds)
    ns: dict[str, object] = {"_MISSING": _MISSING, "_setattr": object.__setattr__}
    args, body = [], []
    for name, f in flds.items():
        if f.default_factory is not _MISSING:
            ns[f"_factory_{name}"] = f.default_factory
            args.append(f"{name}=_MISSING")
            value = f"_factory_{name}() if {name} is _MISSING else {name}"
        elif f.default is not _MISSING:
            ns[f"_default_{name}"] = f.default
            args.append(f"{name}=_default_{name}")
            value = name
        else:
            if any("=" in a for a in args):
                raise TypeError(f"non-default argument {name!r} follows default argument")
            args.append(name)
            value = name
        body.append(f"_setattr(self, {name!r}, {value})" if frozen else f"self.{name} = {value}")
    if hasattr(cls, "__post_init__"):
        body.append("self.__post_init__()")
    src = f"def __init__(self, {', '.join(args)}):\n    " + ("\n    ".join(body) or "pass") + "\n"
    exec(src, ns)  # noqa: S102 - our own generated __init__, as dataclasses does
    init = ns["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"  # type: ignore[attr-defined]
    cls.__init__ = init  # type: ignore[misc]
    names = tuple(flds)
    cls.__match_args__ = names  # type: ignore[attr-defined]
    if want_repr and "__repr__" not in cls.__dict__:
        shown = tuple(n for n, f in flds.items() if f.repr)

        def __repr__(self: object) -> str:
            return f"{type(self).__qualname__}({', '.join(f'{n}={getattr(self, n)!r}' for n in shown)})"

        cls.__repr__ = __repr__  # type: ignore[method-assign]
    compared = tuple(n for n, f in flds.items() if f.compare)
    if eq and "__eq__" not in cls.__dict__:
        def __eq__(self: object, other: object) -> bool:
            if other.__class__ is not self.__class__:
                return NotImplemented
            return all(getattr(self, n) == getattr(other, n) for n in compared)

        cls.__eq__ = __eq__  # type: ignore[method-assign,assignment]
        if frozen:
            def __hash__(self: object) -> int:
                return hash(tuple(getattr(self, n) for n in compared))

            cls.__hash__ = __hash__  # type: ignore[method-assign,assignment]
        elif "__hash__" not in cls.__dict__:
            cls.__hash__ = None  # type: ignore[assignment]
    if frozen:
        def __setattr__(self: object, name: str, value: object) -> None:
            if type(self) is cls or name in flds:
                raise FrozenInstanceError(f"cannot assign to field {name!r}")
            object.__setattr__(self, name, value)

        def __delattr__(self: object, name: str) -> None:
            if type(self) is cls or name in flds:
                raise FrozenInstanceError(f"cannot delete field {name!r}")
            object.__delattr__(self, name)

        cls.__setattr__ = __setattr__  # type: ignore[method-assign,assignment]
        cls.__delattr__ = __delattr__  # type: ignore[method-assign,assignment]
    return cls
