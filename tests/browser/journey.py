"""Steps that several browser journeys share, written the way a person uses the page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Page, expect

from lantern.accounts.models import User
from tests.factories import PASSWORD, fresh_code


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the sign-in form and the second-factor page, from the home page."""
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    code = fresh_code(User.objects.get(username=username))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter your code", level=1)).to_be_visible()
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def search(page: Page, query: str, *, button: str = "Search") -> None:
    """Type a query in the search box and submit it, waiting for the answer to arrive.

    The box is found inside the page's search landmark, so this works in every language.
    """
    finder = page.get_by_role("search")
    finder.get_by_role("textbox").fill(query)
    with page.expect_response(lambda response: response.request.method == "POST"):
        finder.get_by_role("button", name=button, exact=True).click()


def choose_language(
    page: Page, language: str, *, label: str = "Language", button: str = "Change"
) -> None:
    """Switch the interface language with the selector in the page header."""
    header = page.get_by_role("banner")
    header.get_by_label(label, exact=True).select_option(label=language)
    header.get_by_role("button", name=button, exact=True).click()


@contextmanager
def questionnaire_updated(page: Page) -> Iterator[None]:
    """Wait, after the ``with`` block, until the questionnaire was swapped in anew.

    Every answer sends the form for a preview, and the questionnaire comes back (htmx)
    with the questions that now apply; the next step waits for that, as a person sees the
    page change before going on.
    """
    before = page.locator("#instrument-form").element_handle()
    yield
    page.wait_for_function("form => !form.isConnected", arg=before)
    # htmx restores the focus and settles the new content just after the swap.
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')"
    )


def answer(page: Page, question: str, choice: str) -> None:
    """Pick one answer on a questionnaire page and wait for the page to catch up."""
    with questionnaire_updated(page):
        group = page.get_by_role("group", name=question)
        group.get_by_role("radio", name=choice, exact=True).check()


def answer_each(page: Page, choice: str, *, except_for: dict[str, str] | None = None) -> None:
    """Answer every question on the page with ``choice``, or as ``except_for`` says.

    ``except_for`` maps the start of a question to its answer.
    """
    special = except_for or {}
    questions = page.locator("#instrument-form").get_by_role("group")
    for number in range(questions.count()):
        question = questions.nth(number)
        legend = question.locator("legend").inner_text()
        chosen = next((a for q, a in special.items() if legend.startswith(q)), choice)
        with questionnaire_updated(page):
            question.get_by_role("radio", name=chosen, exact=True).check()
