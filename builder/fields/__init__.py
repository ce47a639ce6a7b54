"""The field-type registry: the one place that knows every field type.

Adding a field type is one new class listed in ``BUILTIN_TYPES`` (or registered by a
plug-in with ``registry.register``). Nothing else in the product switches on type names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from builder.fields.base import FieldType, FilterError, GroupingError
from builder.fields.choice import CheckboxesType, ConsentType, RadioType, SelectType
from builder.fields.date import DateType
from builder.fields.file import FileType
from builder.fields.hidden import HiddenType
from builder.fields.number import NumberType
from builder.fields.phone import PhoneType
from builder.fields.text import EmailType, TextareaType, TextType

BUILTIN_TYPES: tuple[type[FieldType], ...] = (
    TextType,
    TextareaType,
    NumberType,
    EmailType,
    PhoneType,
    DateType,
    RadioType,
    SelectType,
    CheckboxesType,
    ConsentType,
    HiddenType,
    FileType,
)


class DuplicateFieldType(RuntimeError):
    """Two field types claim the same name."""


class UnavailableType(FieldType):
    """Stands in for a field whose type is no longer registered: shown, never a crash."""

    name = "unavailable"
    storage_kind = "text"
    indexed = False
    filter_ops = ()
    groupings = ()
    template_macro = "unavailable"

    def form_field(self):
        return None


class Registry:
    """Name -> field type class; refuses duplicate names."""

    def __init__(self, types: Iterable[type[FieldType]] = ()):
        self._types: dict[str, type[FieldType]] = {}
        for field_type in types:
            self.register(field_type)

    def register(self, field_type: type[FieldType]) -> type[FieldType]:
        if not field_type.name:
            raise ValueError(f"{field_type!r} has no name")
        if field_type.name in self._types:
            raise DuplicateFieldType(
                f"field type {field_type.name!r} is defined by both "
                f"{self._types[field_type.name].__module__} and {field_type.__module__}"
            )
        self._types[field_type.name] = field_type
        return field_type

    def __contains__(self, name: str) -> bool:
        return name in self._types

    def get(self, name: str) -> type[FieldType] | None:
        return self._types.get(name)

    def names(self) -> list[str]:
        return list(self._types)

    def types(self) -> list[type[FieldType]]:
        return list(self._types.values())

    def bind(
        self,
        spec: dict,
        gettext: Callable[[str], str] | None = None,
        today: dt.date | None = None,
    ) -> FieldType:
        """The field type of *spec*, bound to it; unknown types are 'unavailable'."""
        return self._types.get(spec.get("type"), UnavailableType)(spec, gettext, today)


registry = Registry(BUILTIN_TYPES)

__all__ = [
    "FieldType",
    "FilterError",
    "GroupingError",
    "Registry",
    "registry",
    "DuplicateFieldType",
]
