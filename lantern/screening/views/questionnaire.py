"""One questionnaire page, shared by staff-led screening and the tablet.

Every change of answer comes back as a preview (htmx) with the questions that now apply;
saving scores the answers through the service. Staff see the engine's reasons for a
refusal; on the tablet the patient sees plain, translated wording instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.translation import gettext as _

from lantern.accounts.models import User
from lantern.screening import instruments, services
from lantern.screening.forms import InstrumentForm, posted_answers
from lantern.screening.models import ScreeningSession


@dataclass
class Step:
    form: InstrumentForm
    saved: bool


def questionnaire_step(
    request: HttpRequest,
    session: ScreeningSession,
    instrument: instruments.Instrument,
    *,
    actor: User | None,
    for_staff: bool,
    draft: Mapping[str, str] | None = None,
) -> Step:
    """``draft``: answers chosen earlier and not saved yet, filled in again on a fresh page."""
    posted = request.POST if request.method == "POST" else None
    if posted is None and draft:
        kept = dict(draft)
        return Step(
            InstrumentForm(instrument, session.language, kept, initial=kept, for_staff=for_staff),
            saved=False,
        )
    answers = posted_answers(instrument, request.POST) if posted is not None else {}
    form = InstrumentForm(instrument, session.language, answers, posted, for_staff=for_staff)
    if posted is not None and posted.get("_preview") == "1":
        preview = InstrumentForm(
            instrument, session.language, answers, initial=answers, for_staff=for_staff
        )
        return Step(preview, saved=False)
    if posted is None or not form.is_valid():
        return Step(form, saved=False)
    try:
        services.result_record(
            actor=actor, session=session, instrument_id=instrument.id, answers=form.answers()
        )
    except instruments.AnswerError as error:
        for link_id, reason in error.problems:
            target = link_id if link_id in form.fields else None
            form.add_error(target, reason if for_staff else _("Please answer this question."))
        return Step(form, saved=False)
    except services.ScreeningError as error:
        form.add_error(None, str(error) if for_staff else _("These answers could not be saved."))
        return Step(form, saved=False)
    return Step(form, saved=True)


def template_for(request: HttpRequest, page: str) -> str:
    """The form alone for htmx previews, the whole page otherwise."""
    return "screening/_instrument_form.html" if getattr(request, "htmx", False) else page
