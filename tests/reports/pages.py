"""Reading a report page as a reader does: a table's row, cell by cell, as text."""

from __future__ import annotations

import re

TAG = re.compile(r"<[^>]+>")


def section(html: str, table: str) -> str:
    found = re.search(
        rf'<section[^>]*data-table="{re.escape(table)}"[^>]*>(.*?)</section>', html, re.S
    )
    assert found, f"no table {table} on the page"
    return found.group(1)


def row(html: str, table: str, label: str) -> list[str]:
    """The cells of the row headed ``label`` (the heading itself left out)."""
    found = re.search(
        rf'<tr><th scope="row">{re.escape(label)}</th>(.*?)</tr>', section(html, table), re.S
    )
    assert found, f"no row {label} in table {table}"
    return [TAG.sub("", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", found.group(1))]


def headings(html: str, table: str) -> list[str]:
    head = re.search(r"<thead>(.*?)</thead>", section(html, table), re.S)
    assert head
    return [TAG.sub("", cell).strip() for cell in re.findall(r"<th[^>]*>(.*?)</th>", head.group(1))]
