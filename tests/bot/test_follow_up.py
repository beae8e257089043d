"""Following a request from anywhere, in the conversation (both channels share it): the
confirmation's follow-up code, a second conversation that gives the reference and the code, each
button and each wrong turn on the way, and the person's messages to the adviser. A scripted NLU
that records what it reads proves references, codes and messages to the adviser never reach it."""
from __future__ import annotations

import datetime as dt

from test_dialogue import ScriptedParser, _Cases, _request, talk

import nlu
from bot.dialogue import Dialogue
from bot.state import State
from handoff import Follow


class RecordingParser(ScriptedParser):
    def __init__(self, *parses):
        super().__init__(*parses)
        self.read: list[str] = []

    async def parse(self, text, locale=None):
        self.read.append(text)
        return await super().parse(text, locale)


def _made(cases=None, parser=None):
    cases = cases or _Cases()
    parser = parser or RecordingParser()
    dialogue = Dialogue(parser, nlu.FaqContent(), handoff=cases, today=lambda: dt.date(2026, 1, 1),
                        follow_url="https://aide.example/suivi")
    first = State(last_outcome="eligible", mode="result", greeted=True, facts={"difficulties": ["impayes_loyer"]},
                  answered=["difficulties"], address="web:first-tab")
    reference = _request(dialogue, first)
    return dialogue, cases, parser, first, reference


def test_the_confirmation_gives_the_follow_up_code_once_with_the_link():
    cases = _Cases()
    dialogue = Dialogue(RecordingParser(), nlu.FaqContent(), handoff=cases, today=lambda: dt.date(2026, 1, 1),
                        follow_url="https://aide.example/suivi")
    state = State(last_outcome="eligible", mode="result", greeted=True, address="web:first-tab")
    talk(dialogue, state, "/handoff", "/consent", "Marie Curie", "06 12 34 56 78", "/skip", "69003",
         '/hset{"field":"means","value":"phone"}', '/hset{"field":"slot","value":"any"}',
         '/hset{"field":"budget_offer","value":"no"}')
    (confirmed,) = talk(dialogue, state, "/confirm_handoff")
    code = cases.codes[state.case_reference]
    texts = [r.text for r in confirmed]
    assert any(f"Code de suivi : {code}" in t and "https://aide.example/suivi" in t for t in texts), texts
    (status,) = talk(dialogue, state, "/status")
    assert all(code not in r.text for r in status)  # shown once


def test_a_second_device_follows_with_reference_and_code_and_the_first_loses_it():
    dialogue, cases, parser, first, reference = _made()
    code = cases.codes[reference]
    second = State(greeted=True, address="web:second-device")
    (asked,) = talk(dialogue, second, f"où en est ma demande {reference} ?")
    assert "tapez son code de suivi" in asked[0].text
    assert [b.payload for b in asked[0].buttons] == [f'/lost_code{{"reference":"{reference}"}}', "/cancel_follow"]
    (refused,) = talk(dialogue, second, "ABCDE-FGHJ2")
    assert "ne vont pas ensemble" in refused[0].text and second.case_reference is None
    (opened,) = talk(dialogue, second, code.lower().replace("-", " "))
    assert "maintenant suivie dans cette conversation" in opened[0].text
    assert "reçue, en attente d'un conseiller" in opened[-1].text
    assert second.case_reference == reference and second.following is None
    (lost,) = talk(dialogue, first, "/status")
    assert "Je ne trouve aucune demande" in lost[0].text
    assert "/follow" in [b.payload for b in lost[0].buttons]  # and the way to follow it with its code
    assert all(reference.lower() not in read.lower() and code.lower()[:5] not in read.lower() for read in parser.read)


def test_reference_and_code_in_one_message_open_at_once():
    dialogue, cases, _, _, reference = _made()
    other = State(greeted=True, address="telegram:42")
    (opened,) = talk(dialogue, other, f"{reference} {cases.codes[reference]}")
    assert "maintenant suivie" in opened[0].text and other.case_reference == reference


def test_the_follow_button_asks_the_reference_then_the_code_with_a_hint_for_anything_else():
    dialogue, cases, parser, _, reference = _made()
    other = State(greeted=True, address="web:other")
    (asked,) = talk(dialogue, other, "/follow")
    assert "référence de votre demande (ASD-…)" in asked[0].text
    (hint,) = talk(dialogue, other, "je ne sais plus")
    assert "ressemble à ASD-7K2P9Q" in hint[0].text and other.following == ""
    (code_asked,) = talk(dialogue, other, reference)
    assert "tapez son code" in code_asked[0].text and other.following == reference
    (again,) = talk(dialogue, other, "euh")
    assert "tapez son code" in again[0].text  # asked again, the reference kept
    talk(dialogue, other, cases.codes[reference])
    assert other.case_reference == reference
    assert parser.read == []  # not one of these texts went to the NLU


def test_cancel_and_any_other_button_leave_the_follow_up_and_text_goes_to_the_nlu_again():
    dialogue, _, parser, _, reference = _made()
    other = State(greeted=True, address="web:other")
    talk(dialogue, other, "/follow")
    (menu,) = talk(dialogue, other, "/cancel_follow")
    assert "Que souhaitez-vous faire" in menu[0].text and other.following is None
    talk(dialogue, other, "/follow", "/ask_question", "mon employeur sera-t-il au courant ?")
    assert other.following is None and parser.read == ["mon employeur sera-t-il au courant ?"]


def test_a_locked_follow_up_says_so_and_gives_the_phone():
    class Locked(_Cases):
        def follow(self, reference, code, address, locale=None):
            return Follow.LOCKED

    dialogue, cases, _, _, reference = _made(cases=Locked())
    other = State(greeted=True, address="web:other")
    (locked,) = talk(dialogue, other, f"{reference} {cases.codes[reference]}")
    assert "bloqué pendant 15 minutes" in locked[0].text and "09 70 800 800" in locked[0].text
    assert other.following is None and other.case_reference is None


def test_danger_typed_instead_of_a_code_shows_the_numbers_and_keeps_waiting_for_the_code():
    dialogue, _, parser, _, reference = _made()
    other = State(greeted=True, address="web:other")
    talk(dialogue, other, f"où en est {reference}")
    (replies,) = talk(dialogue, other, "il me frappe, je n'ai pas le code")
    assert "3919" in replies[0].text and "tapez son code" in replies[-1].text and other.following == reference


def test_the_adviser_s_message_has_a_reply_button_and_the_reply_reaches_the_case_not_the_nlu():
    dialogue, cases, parser, first, reference = _made()
    cases.inbox[reference] = ["Bonjour, je vous appelle demain à 10 h. Cela vous convient-il ?"]
    news = dialogue.news(first)
    assert "Message de votre conseiller : Bonjour" in news[0].text
    assert [b.payload for b in news[0].buttons] == ["/write_adviser"]
    assert dialogue.news(first) == []  # shown once
    (prompt,) = talk(dialogue, first, "/write_adviser")
    assert "Écrivez votre message pour votre conseiller" in prompt[0].text and first.writing
    (sent,) = talk(dialogue, first, "Oui, demain 10 h me va, merci.")
    assert "transmis à votre conseiller" in sent[0].text and not first.writing
    assert cases.replies == [(reference, "Oui, demain 10 h me va, merci.")] and parser.read == []


def test_danger_in_a_message_to_the_adviser_shows_the_numbers_and_still_sends_it():
    dialogue, cases, _, first, reference = _made()
    talk(dialogue, first, "/write_adviser")
    (replies,) = talk(dialogue, first, "Il est revenu cette nuit, il me menace")
    assert "3919" in replies[0].text and "transmis" in replies[-1].text
    assert cases.replies and cases.replies[0][0] == reference


def test_writing_without_a_request_here_says_so_and_offers_to_follow_one():
    dialogue, _, _, _, _ = _made()
    nobody = State(greeted=True, address="web:nobody")
    (replies,) = talk(dialogue, nobody, "/write_adviser")
    assert "Je ne trouve aucune demande" in replies[0].text and not nobody.writing


def test_the_status_of_an_open_request_offers_to_write_to_the_adviser():
    dialogue, _, _, first, _ = _made()
    (status,) = talk(dialogue, first, "/status")
    assert "/write_adviser" in [b.payload for b in status[0].buttons]


def test_english_conversation_gets_the_follow_up_in_english():
    dialogue, cases, _, _, reference = _made()
    other = State(greeted=True, address="web:en", locale="en")
    (asked,) = talk(dialogue, other, reference)
    assert "type its follow-up code" in asked[0].text


def _at_the_preview(cases):
    dialogue = Dialogue(RecordingParser(), nlu.FaqContent(), handoff=cases, today=lambda: dt.date(2026, 1, 1))
    facts = {"difficulties": ["impayes_loyer"], "situation": "salarie", "sector": "prive_non_agricole",
             "company_size": 50, "contract": "cdi", "housing_location": "metropole"}
    state = State(last_outcome="eligible", mode="result", greeted=True, facts=dict(facts), answered=list(facts),
                  address="web:tab")
    talk(dialogue, state, "/handoff", "/consent", "Marie Curie", "06 12 34 56 78", "/skip", "69003",
         '/hset{"field":"means","value":"phone"}', '/hset{"field":"slot","value":"any"}')
    (preview,) = talk(dialogue, state, '/hset{"field":"budget_offer","value":"no"}')
    return dialogue, state, preview[0]


def test_a_check_answer_is_changed_from_the_preview_and_the_result_recomputed_before_sending():
    cases = _Cases()
    dialogue, state, preview = _at_the_preview(cases)
    assert "le service peut vous aider" in preview.text
    edits = {b.title: b.payload for b in preview.buttons}
    assert "Modifier : Situation" in edits and "Modifier le téléphone" in edits
    (asked,) = talk(dialogue, state, edits["Modifier : Situation"])
    assert "Quelle est la bonne réponse ?" in asked[-1].text and "situation professionnelle" in asked[-1].text
    (follow_on,) = talk(dialogue, state, '/answer{"f":"situation","v":"demandeur_emploi"}')
    assert "mois" in follow_on[-1].text  # the new answer calls for its own question
    (back,) = talk(dialogue, state, '/answer{"f":"months_since_job_end","v":"3"}')
    shown = back[-1].text
    assert "Réponse modifiée : le résultat est recalculé." in shown and "Marie Curie" in shown
    assert "Demandeur d'emploi" in shown and state.handoff["step"] == "preview"
    talk(dialogue, state, "/confirm_handoff")
    (draft,) = cases.drafts
    assert draft.facts["situation"] == "demandeur_emploi" and draft.name == "Marie Curie"


def test_changing_an_answer_to_one_the_rules_refuse_shows_it_before_sending_and_still_allows_the_call_back():
    cases = _Cases()
    dialogue, state, preview = _at_the_preview(cases)
    edits = {b.title: b.payload for b in preview.buttons}
    talk(dialogue, state, edits["Modifier : Situation"])
    (back,) = talk(dialogue, state, '/answer{"f":"situation","v":"retraite"}')
    assert "hors critères de la vérification — à examiner par un conseiller" in back[-1].text
    assert "Confirmer l'envoi" in [b.title for b in back[-1].buttons]
    talk(dialogue, state, "/confirm_handoff")
    assert cases.drafts[0].outcome == "not_eligible"


def test_a_forged_revision_of_an_answer_never_given_shows_the_preview_again():
    dialogue, state, _ = _at_the_preview(_Cases())
    (again,) = talk(dialogue, state, '/hrevise{"fact":"disaster"}')
    assert "exactement ce que le conseiller recevra" in again[-1].text and state.handoff["step"] == "preview"


def test_a_lost_code_is_sent_to_the_contact_and_the_answer_is_the_same_for_an_unknown_reference():
    dialogue, cases, _, _, reference = _made()
    other = State(greeted=True, address="web:other-device")
    (asked,) = talk(dialogue, other, reference)
    lost = next(b.payload for b in asked[0].buttons if b.title == "Code perdu ?")
    (sent,) = talk(dialogue, other, lost)
    assert "nouveau code de suivi est envoyé au contact donné" in sent[0].text and "09 70 800 800" in sent[0].text
    assert "NEWC2-DE234" not in sent[0].text  # never shown to who only knows the reference
    assert cases.resent == [reference] and other.following == reference
    (opened,) = talk(dialogue, other, "NEWC2-DE234")
    assert "maintenant suivie" in opened[0].text
    stranger = State(greeted=True, address="web:stranger")
    (unknown,) = talk(dialogue, stranger, '/lost_code{"reference":"ASD-ZZZZZZ"}')
    assert unknown[0].text == sent[0].text.replace(reference, "ASD-ZZZZZZ")  # nothing told apart


def test_past_the_bound_of_requests_per_client_the_person_is_told_to_call_and_the_draft_is_kept():
    import asyncio

    from bot.ratelimit import RateLimiter

    cases = _Cases()
    dialogue, state, _ = _at_the_preview(cases)
    dialogue.services.case_limiter = RateLimiter(burst=1, per_second=1 / 3600)
    dialogue.services.case_limiter.allow("address:203.0.113.7")  # one request already from this address
    turn = asyncio.run(dialogue.handle("/confirm_handoff", state, "fr", client="address:203.0.113.7"))
    assert "Beaucoup de demandes sont parties de cette connexion" in turn.replies[0].text
    assert [b.payload for b in turn.replies[0].buttons] == ["/confirm_handoff"]
    assert state.handoff["step"] == "preview" and not getattr(cases, "drafts", [])
    turn = asyncio.run(dialogue.handle("/confirm_handoff", state, "fr", client="address:198.51.100.2"))
    assert "C'est transmis" in turn.replies[0].text  # another client is not bounded by this one


def test_the_difficulties_are_sent_together_and_valider_with_nothing_ticked_asks_again():
    dialogue = Dialogue(RecordingParser(), nlu.FaqContent(), today=lambda: dt.date(2026, 1, 1))
    state = State()
    (_, question) = talk(dialogue, state, "/start", "/start_check")
    asked = question[-1]
    assert asked.choose_many and '/answer{"f":"difficulties","v":""}' in [b.payload for b in asked.buttons]
    (again,) = talk(dialogue, state, '/answer{"f":"difficulties","v":""}')
    assert "Cochez au moins une réponse, puis validez." in again[-1].text and "difficulties" not in state.facts
    (_,) = talk(dialogue, state, '/answer{"f":"difficulties","v":"impayes_loyer,separation"}')
    assert state.facts["difficulties"] == ["impayes_loyer", "separation"]
    (back,) = talk(dialogue, state, "/back")  # the way back reaches the question, ticks and all
    assert back[-1].choose_many and "Cochez-en une ou plusieurs" in back[-1].text
