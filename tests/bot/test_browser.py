"""End to end in a real headless Chromium (Debian's), driven by Playwright: a FAQ answer, the
first questions of the check, keyboard use, no HTML injection, the quick exit."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "results" / "screenshots"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists() and not shutil.which("chromium"),
                                reason="Debian's chromium is not installed (.ci/run installs it)")


@pytest.fixture
def page(web_server, browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 800})
    # The neutral site of the quick exit is outside this machine: answer it locally.
    context.route(
        "https://www.google.com/**", lambda route: route.fulfill(status=200, body="<title>Météo</title>neutral")
    )
    page = context.new_page()
    page.goto(web_server.url + "/")
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context.close()


def bot_texts(page):
    return page.locator(".msg.bot").all_inner_texts()


def test_faq_then_the_first_questions_of_the_check(page):
    page.wait_for_selector("text=gratuit et confidentiel")
    page.keyboard.press("Tab")  # keyboard only: the quick exit first, then the conversation
    page.fill("#message", "mon employeur sera-t-il au courant ?")
    page.keyboard.press("Enter")
    page.locator(".msg.bot").nth(1).wait_for()  # (no wait_for_function: the page's CSP forbids eval)
    assert "employeur" in bot_texts(page)[-1].lower()

    page.get_by_role("button", name="Vérifier si je peux être aidé(e)").last.click()
    page.wait_for_selector("text=Question 1 sur")
    assert page.get_by_role("button", name="Valider").last.is_disabled()  # nothing ticked yet
    page.get_by_role("checkbox", name="Loyers impayés").last.check()  # several may be ticked, then sent
    page.get_by_role("checkbox", name="Factures d'énergie").last.check()
    page.get_by_role("button", name="Valider").last.click()
    page.wait_for_selector("text=situation professionnelle")
    assert page.locator(".msg.user").last.inner_text().endswith("Loyers impayés, Factures d'énergie")
    page.get_by_role("button", name="Salarié(e)").last.click()
    page.wait_for_selector("text=Dans quel secteur")
    assert page.locator("[role=log][aria-live=polite]").count() == 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat_check.png"), full_page=True)

    # Reloading the tab keeps the conversation (sessionStorage), and nothing is in localStorage.
    page.reload()
    page.wait_for_selector("text=Dans quel secteur")
    assert page.evaluate("localStorage.length") == 0


def test_user_text_is_shown_as_text(page):
    page.wait_for_selector("text=gratuit et confidentiel")
    page.fill("#message", '<img src=x onerror="document.body.dataset.pwned=1"><b>gras</b>')
    page.keyboard.press("Enter")
    page.wait_for_selector("text=<b>gras</b>")
    assert page.evaluate("document.body.dataset.pwned") is None
    assert page.locator(".msg.user b").count() == 0


def test_quick_exit_leaves_and_clears_the_conversation(page, web_server):
    page.wait_for_selector("text=gratuit et confidentiel")
    page.fill("#message", "bonjour")
    page.keyboard.press("Enter")
    page.wait_for_selector(".msg.user")
    assert page.evaluate("sessionStorage.length") > 0
    page.get_by_role("button", name="Quitter rapidement").click()
    page.wait_for_url("https://www.google.com/**")
    page.goto(web_server.url + "/")
    page.wait_for_selector("text=gratuit et confidentiel")  # a new, empty conversation
    assert page.locator(".msg.user").count() == 0
