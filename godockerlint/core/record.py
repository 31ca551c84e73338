"""Value classes without the import cost of dataclasses.

`@dataclass` writes a class's __init__, __repr__, __eq__ (and for a frozen class
__setattr__, __delattr__, __hash__) as source text and compiles it when the module
is imported: 0.3-0.6 ms a class, over 10 ms of a one-file run for the classes
linting needs. A class here writes its own __init__ and names its fields in
`__slots__`, in the order of __init__'s parameters; `Record` and `Frozen` give it
what a dataclass would: a repr of the fields, equality field by field with an
instance of the same class, and for `Frozen` fields that cannot be assigned and a
hash. `_no_repr` and `_no_compare` name the fields a dataclass would declare with
`field(repr=False)` / `field(compare=False)`.

Finding, Settings and Rule stay dataclasses: callers use `dataclasses.replace` on them.
"""

from __future__ import annotations

_set = object.__setattr__


class Record:
    """A mutable record (as a `@dataclass`): unhashable, compared field by field."""

    __slots__ = ()
    _no_repr: tuple[str, ...] = ()
    _no_compare: tuple[str, ...] = ()
    _repr_fields: tuple[str, ...] = ()
    _compare_fields: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        fields = cls.__slots__
        cls._repr_fields = tuple(f for f in fields if f not in cls._no_repr)
        cls._compare_fields = tuple(f for f in fields if f not in cls._no_compare)

    def _compared(self) -> tuple:
        return tuple([getattr(self, f) for f in self._compare_fields])

    def __eq__(self, other):
        if other.__class__ is self.__class__:
            return self._compared() == other._compared()
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._repr_fields)
        return f"{self.__class__.__qualname__}({shown})"

    def __reduce__(self):  # pickle and copy: __init__ takes every field, in __slots__ order
        return self.__class__, tuple([getattr(self, f) for f in self.__slots__])


class Frozen(Record):
    """An immutable record (as a `@dataclass(frozen=True)`): hashable; __init__ sets its
    fields with `_set(self, name, value)`."""

    __slots__ = ()

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def __hash__(self) -> int:
        return hash(self._compared())
