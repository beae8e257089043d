"""The chat page on a phone's screen (390x844) and a laptop's (1280x800), in real Chromium: the
conversation pane scrolls, never the page, so the newest reply, the input and the quick exit stay
on screen; focus returns to the input after a quick reply; every target is 44 px high at least;
emergency numbers are links a phone dials; the language switch changes the page and the
conversation; and axe-core finds no serious or critical violation on the first screen, a
question, the result, the preview and the follow-up page."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "results" / "screenshots"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1280, "height": 800}}

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and not shutil.which("chromium"),
                       reason="Debian's chromium is not installed (.ci/run installs it)"),
]


def open_page(browser, server, viewport, path="/"):
    context = browser.new_context(locale="fr-FR", viewport=viewport, has_touch=viewport["width"] < 500)
    page = context.new_page()
    page.goto(server.url + path)
    return page


def say(page, text):
    """Type a message and wait for the replies (the assistant's typing indicator hides)."""
    count = page.locator(".msg.bot").count()
    page.fill("#message", text)
    page.keyboard.press("Enter")
    page.locator(".msg.bot").nth(count).wait_for()
    page.locator("#typing").wait_for(state="hidden")


def tap(page, title):
    count = page.locator(".msg.bot").count()
    page.get_by_role("button", name=title).last.click()
    page.locator(".msg.bot").nth(count).wait_for()
    page.locator("#typing").wait_for(state="hidden")


def on_screen(page, selector, viewport, part="top"):
    box = page.locator(selector).last.bounding_box()
    edge = box["y"] if part == "top" else box["y"] + box["height"]
    return box is not None and 0 <= edge <= viewport["height"]


def serious_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("name", VIEWPORTS)
def test_after_three_messages_the_newest_reply_the_input_and_the_quick_exit_are_on_screen(browser, web_server, name):
    viewport = VIEWPORTS[name]
    page = open_page(browser, web_server, viewport)
    page.wait_for_selector("text=gratuit et confidentiel")
    say(page, "mon employeur sera-t-il au courant ?")
    say(page, "est-ce que c'est payant ?")
    say(page, "comment se passe l'accompagnement ?")
    assert page.evaluate("document.scrollingElement.scrollTop") == 0  # the page itself never scrolls
    assert on_screen(page, ".msg.bot", viewport), "the newest reply starts below the screen"
    assert on_screen(page, "#message", viewport, "bottom") and on_screen(page, "#quick-exit", viewport)
    assert on_screen(page, "#quick-exit", viewport, "bottom")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"chat_three_messages_{name}.png"))


def test_quick_replies_are_44_px_give_the_focus_back_to_the_input_and_numbers_dial(browser, web_server):
    viewport = VIEWPORTS["phone"]
    page = open_page(browser, web_server, viewport)
    page.wait_for_selector("text=gratuit et confidentiel")
    tap(page, "Vérifier si je peux être aidé(e)")
    assert page.evaluate("document.activeElement.id") == "message"
    heights = [b.bounding_box()["height"] for b in page.locator(".buttons button, .choices label").all()]
    heights += [page.locator(s).bounding_box()["height"] for s in ("#quick-exit", "#lang-switch", "#message",
                                                                   ".composer button")]
    heights += [a.bounding_box()["height"] for a in page.locator(".emergency a").all()]
    assert heights and min(heights) >= 44, heights
    say(page, "mon mari me frappe")
    numbers = page.locator(".msg.bot", has_text="SMS au 114").last  # the numbers, first of the turn's replies
    assert {a.get_attribute("href") for a in numbers.locator("a").all()} == {"tel:17", "tel:112", "tel:3919",
                                                                           "sms:114"}
    assert [a.get_attribute("href") for a in page.locator(".emergency a").all()] == [
        "tel:17", "tel:112", "tel:3919", "tel:115"]


def test_the_language_switch_changes_the_page_and_the_conversation_and_so_does_asking(browser, web_server):
    page = open_page(browser, web_server, VIEWPORTS["phone"])
    page.wait_for_selector("text=gratuit et confidentiel")
    page.click("#lang-switch")
    page.wait_for_url("**/?lang=en")
    page.wait_for_selector("text=Quick exit")
    assert page.get_attribute("#message", "placeholder") == "Type your message"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".msg.user", has_text="English").count() == 1  # the conversation is kept
    say(page, "is it free?")
    assert "free" in page.locator(".msg.bot").last.inner_text().lower()
    say(page, "en français s'il vous plaît")
    page.wait_for_url("**/?lang=fr")
    page.wait_for_selector("text=Quitter rapidement")


@pytest.mark.parametrize("name", VIEWPORTS)
def test_axe_finds_no_serious_violation_on_each_screen_of_the_journey(browser, web_server, name):
    viewport = VIEWPORTS[name]
    page = open_page(browser, web_server, viewport)
    page.wait_for_selector("text=gratuit et confidentiel")
    screens = {"first screen": serious_violations(page)}
    tap(page, "Vérifier si je peux être aidé(e)")
    screens["a question"] = serious_violations(page)
    for text in ("je suis en CDI et j'ai des impayés de loyer", '/answer{"fact":"situation","value":"salarie"}',
                 '/answer{"fact":"sector","value":"prive_non_agricole"}', '/answer{"fact":"company_size","value":"50"}',
                 "69003", "/result"):
        say(page, text)
    page.wait_for_selector("text=Être contacté(e) par un conseiller")
    screens["the result"] = serious_violations(page)
    for text in ("/handoff", "/consent", "Camille Martin", "06 12 34 56 78", "/skip",
                 '/hset{"field":"means","value":"phone"}', '/hset{"field":"slot","value":"any"}',
                 '/hset{"field":"budget_offer","value":"no"}'):
        say(page, text)
    page.wait_for_selector("text=Confirmer l'envoi")
    screens["the preview"] = serious_violations(page)
    follow = open_page(browser, web_server, viewport, "/suivi")
    follow.wait_for_selector("text=référence de votre demande")
    screens["the follow-up page"] = serious_violations(follow)
    assert {screen: found for screen, found in screens.items() if found} == {}
