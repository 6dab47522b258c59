"""Directory search: filters and ranking in one database query, whatever the directory's size.

Only active services of the searcher's own directory are offered. Filters narrow the list
(every need asked for is optional, at least one must match; everything else must hold);
the rank then orders what is left:

* each word of the text: 8 in the service's name, 4 in its organisation's name or its
  alternate name, 2 for a need whose name it is part of, 1 in the description;
* 10 for each need asked for that the service meets;
* then by name.

A search costs the same dozen queries for 50 services or 50,000: one for Lantern's terms,
one for the time zones schedules state, one page with the total beside it, and
``summarise``.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When, Window
from django.utils import timezone
from django.utils.translation import gettext

from lantern.referrals import summaries, taxonomy
from lantern.referrals.models import (
    Address,
    Attribute,
    Language,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
)

MAX_WORDS = 6
PAGE_SIZE = 25


@dataclass(frozen=True)
class DirectoryQuery:
    text: str = ""
    needs: tuple[UUID, ...] = ()
    language: str = ""  # a Lantern language code
    age: int | None = None
    gender: UUID | None = None  # one of taxonomy.GENDERS
    flags: tuple[UUID, ...] = ()  # from taxonomy.FLAGS
    free_only: bool = False
    open_now: bool = False
    area: str = ""

    def words(self) -> list[str]:
        return [word for word in self.text.split() if len(word) > 1][:MAX_WORDS]


@dataclass
class SearchOutcome:
    results: list[summaries.ServiceSummary] = field(default_factory=list)
    total: int = 0


def _term_keys() -> dict[UUID, int]:
    rows = TaxonomyTerm.objects.filter(health_system__isnull=True, hsds_id__in=list(taxonomy.BY_ID))
    return dict(rows.values_list("hsds_id", "pk"))


def _with_term(system: int, term_key: int | None) -> Q:
    # "IN (subquery)" rather than a correlated EXISTS: the database works the set out once
    # instead of once per service, which is what keeps 5,000 services under 50 ms.
    tagged = Attribute.objects.filter(
        health_system_id=system, linked_type="service", taxonomy_term_id=term_key
    )
    return Q(hsds_id__in=tagged.values("link_id"))


def _needs_named(word: str) -> list[UUID]:
    """Lantern needs whose name (English, or the screen's language) contains ``word``."""
    folded = word.casefold()
    return [
        need.id
        for need in taxonomy.NEEDS
        if folded in need.name.casefold() or folded in gettext(need.name).casefold()
    ]


def _points(condition: Q, points: int) -> Case:
    return Case(When(condition, then=Value(points)), default=Value(0), output_field=IntegerField())


class _Builder:
    def __init__(self, system: int, query: DirectoryQuery, now: datetime.datetime) -> None:
        self.system, self.query, self.now = system, query, now
        self.terms = _term_keys()
        self.scores: list[Case] = []

    def term(self, uid: UUID) -> Q:
        return _with_term(self.system, self.terms.get(uid))

    def build(self) -> QuerySet[Service]:
        found: QuerySet[Service] = Service.objects.active().in_directory(self.system)
        for condition in self.filters():
            found = found.filter(condition)
        score = sum(self.scores[1:], self.scores[0]) if self.scores else Value(0)
        return found.annotate(score=score).order_by("-score", "name", "pk")

    def filters(self) -> list[Q]:
        query, conditions = self.query, []
        for word in query.words():
            conditions.append(self._word(word))
        if query.needs:
            wanted = [self.term(uid) for uid in query.needs]
            conditions.append(_any(wanted))
            self.scores += [_points(condition, 10) for condition in wanted]
        if query.language:
            conditions.append(_speaks(self.system, query.language))
        if query.age is not None:
            conditions.append(
                (Q(minimum_age__isnull=True) | Q(minimum_age__lte=query.age))
                & (Q(maximum_age__isnull=True) | Q(maximum_age__gte=query.age))
            )
        if query.gender is not None:
            limited = _any([self.term(term.id) for term in taxonomy.GENDERS])
            conditions.append(~limited | self.term(query.gender))
        conditions += [self.term(uid) for uid in query.flags]
        if query.free_only:
            conditions.append(self.term(taxonomy.COST_FREE.id))
        if query.open_now:
            offsets = summaries.utc_offsets(self.system)
            conditions.append(summaries.open_now_filter(offsets, self.now))
        if query.area:
            conditions.append(_serves_area(self.system, query.area))
        return conditions

    def _word(self, word: str) -> Q:
        in_name = Q(name__icontains=word)
        in_names = Q(organization__name__icontains=word) | Q(alternate_name__icontains=word)
        in_text = Q(description__icontains=word) | Q(eligibility_description__icontains=word)
        as_need = [self.term(uid) for uid in _needs_named(word)]
        self.scores += [_points(in_name, 8), _points(in_names, 4), _points(in_text, 1)]
        matches = in_name | in_names | in_text
        if as_need:
            self.scores.append(_points(_any(as_need), 2))
            matches |= _any(as_need)
        return matches


def _any(conditions: Sequence[Q]) -> Q:
    combined = conditions[0]
    for condition in conditions[1:]:
        combined |= condition
    return combined


def _speaks(system: int, code: str) -> Q:
    spoken = Language.objects.filter(health_system_id=system, lantern_code=code)
    at_location = ServiceAtLocation.objects.filter(
        location__in=spoken.exclude(location=None).values("location_id")
    )
    return Q(pk__in=spoken.exclude(service=None).values("service_id")) | Q(
        pk__in=at_location.values("service_id")
    )


def _serves_area(system: int, area: str) -> Q:
    named = ServiceArea.objects.filter(health_system_id=system).filter(
        Q(name__icontains=area) | Q(description__icontains=area) | Q(extent__icontains=area)
    )
    located = Address.objects.filter(health_system_id=system).filter(
        Q(city__icontains=area)
        | Q(region__icontains=area)
        | Q(state_province__iexact=area)
        | Q(postal_code__istartswith=area)
    )
    at_location = ServiceAtLocation.objects.filter(location__in=located.values("location_id"))
    return Q(pk__in=named.values("service_id")) | Q(pk__in=at_location.values("service_id"))


def find(
    health_system_id: int | None,
    query: DirectoryQuery,
    *,
    now: datetime.datetime | None = None,
    limit: int = PAGE_SIZE,
) -> SearchOutcome:
    """The best ``limit`` services of one directory for ``query``, summarised for display."""
    if health_system_id is None:
        return SearchOutcome()
    moment = now or timezone.now()
    ranked = _Builder(health_system_id, query, moment).build()
    # The total comes with the page (a window over every match, worked out before the
    # LIMIT), so the filters and the text scan run once, not once for a count and again.
    page = list(ranked.select_related("organization").annotate(_total=Window(Count("pk")))[:limit])
    total = page[0]._total if page else 0
    results = summaries.summarise(page, now=moment)
    for summary, service in zip(results, page, strict=True):
        summary.score = getattr(service, "score", 0)
    return SearchOutcome(results, total)
