"""The partner organisation's page: what was shared with it, and its answer.

No account opens it: the link's token does, once, with the code read by phone. An unknown,
used, expired or replaced link answers Lantern's ordinary "not found" page, the same in
every case, so it reveals nothing.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from lantern.core.http import require_safe_or_POST
from lantern.referrals import partner
from lantern.referrals.referral_forms import PartnerAnswerForm


@require_safe_or_POST
def partner_page(request: HttpRequest, token: str) -> HttpResponse:
    link = partner.partner_link_open(token=token[:100], request=request)
    if link is None:
        raise Http404
    referral = link.referral
    form = PartnerAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            partner.partner_answer(link=link, request=request, **form.cleaned_data)
        except partner.PartnerRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            referral.refresh_from_db()
            return render(request, "referrals/partner_done.html", {"referral": referral})
    partner.partner_link_viewed(link, request)
    context = {
        "referral": referral,
        "content": referral.sent_content,
        "service": referral.service,
        "form": form,
        "title": _("A referral for you"),
    }
    return render(request, "referrals/partner.html", context)
