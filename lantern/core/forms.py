"""Form behaviour every Lantern form shares."""

from __future__ import annotations

from typing import Any

from django import forms

from lantern.core.validators import reject_control_characters, reject_line_breaks


class CleanTextMixin:
    """Strip text, refuse control characters, and keep single-line fields on one line."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            # UUIDField is a CharField whose cleaned value is a UUID, not text.
            if isinstance(field, forms.CharField) and not isinstance(
                field, forms.ChoiceField | forms.TypedChoiceField | forms.UUIDField
            ):
                field.validators.append(reject_control_characters)
                if not isinstance(field.widget, forms.Textarea):
                    field.validators.append(reject_line_breaks)
