"""Form behaviour every Lantern form shares."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.db import models
from django.utils.translation import gettext

from lantern.core.validators import reject_control_characters, reject_line_breaks


class CleanTextMixin:
    """Strip text, refuse control characters, and keep single-line fields on one line.

    Text longer than a field allows is refused with a message and kept as typed, never cut
    short: browsers silently drop what goes past an input's ``maxlength``, so no field has
    one. Long texts show their limit, and a counter as the patient's words are typed.
    """

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            # UUIDField is a CharField whose cleaned value is a UUID, not text.
            if isinstance(field, forms.CharField) and not isinstance(
                field, forms.ChoiceField | forms.TypedChoiceField | forms.UUIDField
            ):
                _clean_text_field(field)


def _clean_text_field(field: forms.CharField) -> None:
    # One message per problem: the control-character check names NUL too.
    field.validators = [
        v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)
    ]
    field.validators.append(reject_control_characters)
    field.widget.attrs.pop("maxlength", None)
    if not isinstance(field.widget, forms.Textarea):
        field.validators.append(reject_line_breaks)
    elif field.max_length is not None:
        limit = gettext("Up to %(limit)s characters.") % {"limit": field.max_length}
        field.help_text = f"{field.help_text} {limit}" if field.help_text else limit
        field.widget.attrs["data-limit"] = str(field.max_length)
        field.widget.attrs["data-limit-text"] = gettext("%(count)s of %(limit)s characters")


def offer(field: forms.ModelChoiceField, objects: Iterable[models.Model]) -> list[Any]:  # type: ignore[type-arg]
    """Read the choices of ``field`` once, for the page to test and to show without asking
    the database again; the field's queryset still decides which submitted value is valid.

    Returns the objects offered, so a page can tell whether there is anything to choose.
    """
    offered = list(objects)
    empty = [] if field.empty_label is None else [("", field.empty_label)]
    field.choices = empty + [(obj.pk, field.label_from_instance(obj)) for obj in offered]
    return offered
