"""Charts of the report tables: SVG drawn on the server by pygal, without any script.

``js=[]`` keeps pygal's tooltip script (from a CDN) out, and the little script element it
still writes is taken out. The SVG is sent as an image (a
``data:`` address, which the content security policy allows for images): an image runs no
script and loads nothing, so its own style sheet is all it needs. Each chart carries a title
and a description, and the page shows the same figures in a table beside it; withheld
figures are left out of the chart, never drawn as zero.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

import pygal
from django.utils.translation import gettext as _
from pygal.style import Style

from lantern.reports.tables import Table

# Lantern's palette, dark enough on white for the bars to be told apart (WCAG 1.4.11).
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#52606d",
    opacity="1",
    opacity_hover="1",
    colors=("#1b4f72", "#b9770e", "#1e8449", "#922b21", "#6c3483", "#117a65", "#515a5a"),
    font_family="system-ui, sans-serif",
    title_font_size=18,
    legend_font_size=14,
    label_font_size=12,
    major_label_font_size=12,
)
# pygal writes its settings for its (here absent) tooltip script in a script element of its
# own, and comments naming the day it drew the chart: neither is kept.
UNWANTED = re.compile(r"<!--.*?-->|<script\b.*?</script>", re.DOTALL)
OPENING = re.compile(r"(<svg[^>]*>)")


@dataclass(frozen=True)
class Chart:
    table_key: str
    title: str
    description: str
    src: str  # data:image/svg+xml;base64,...

    @property
    def description_id(self) -> str:
        return f"chart-{self.table_key}-description"


def describe(table: Table) -> str:
    months = [row.label for row in table.rows]
    span = f"{months[0]} to {months[-1]}" if months else ""
    return _(
        "Bar chart of %(title)s by month, %(span)s, one bar per %(series)s. Withheld counts "
        "(1 to 10, and those that would reveal them) are left out. The table after the chart "
        "gives every figure."
    ) % {"title": table.title, "span": span, "series": ", ".join(table.columns) or "—"}


def svg(table: Table, description: str) -> str:
    chart = pygal.Bar(
        js=[],
        style=STYLE,
        title=table.title,
        width=800,
        height=360,
        x_label_rotation=30 if len(table.rows) > 6 else 0,
        legend_at_bottom=True,
        print_values=False,
        disable_xml_declaration=True,
        no_data_text=_("No figures"),
        truncate_legend=40,
    )
    chart.x_labels = [row.label for row in table.rows]
    for index, column in enumerate(table.columns):
        chart.add(column, [row.cells[index] for row in table.rows])
    drawn = UNWANTED.sub("", chart.render(is_unicode=True))
    heading = f"<title>{escape(table.title)}</title><desc>{escape(description)}</desc>"
    return OPENING.sub(lambda found: found.group(1) + heading, drawn, count=1)


def chart_for(table: Table) -> Chart:
    description = describe(table)
    data = base64.b64encode(svg(table, description).encode("utf-8")).decode("ascii")
    return Chart(table.key, table.title, description, f"data:image/svg+xml;base64,{data}")
