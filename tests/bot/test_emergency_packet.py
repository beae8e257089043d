"""The emergency packet: an urgent request carries the situation the person gave, the seed's
ALR / VI flags and, with violence, the answer to "Pouvons-nous vous appeler ou vous écrire sans
risque ? À quels moments ?" (asked before the contact means; "no" gives the numbers and a call at
the chosen time only). For a danger typed in words and one chosen by a button; the real handoff
service stores it on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest
from test_dialogue import ScriptedParser, _Cases, talk

import nlu
from bot.dialogue import Dialogue
from bot.state import State
from handoff import flags_for

TODAY = dt.date(2026, 1, 1)  # a Thursday: the slots are Friday 2, Monday 5, Tuesday 6


def _contact_until_the_postcode(dialogue, state):
    return talk(dialogue, state, "/handoff", "/consent", "Camille Martin", "06 12 34 56 78", "/skip", "69003")[-1]


def test_violence_typed_asks_the_safe_contact_before_the_means_and_no_gives_a_call_at_the_chosen_time_only():
    cases = _Cases()
    dialogue = Dialogue(ScriptedParser(nlu.Parse("faq/urgence_violences", 0.95, (), ())), nlu.FaqContent(),
                        handoff=cases, today=lambda: TODAY)
    state = State()
    talk(dialogue, state, "/start", "mon conjoint me frappe")
    (asked,) = _contact_until_the_postcode(dialogue, state)
    assert "sans risque" in asked.text
    assert [b.title for b in asked.buttons] == ["Oui, à tout moment", "Oui, à certains moments seulement",
                                                "Non, ce n'est pas sûr"]
    (slot,) = talk(dialogue, state, '/hset{"field":"safe_contact","value":"no"}')[0]
    assert "uniquement au moment que vous choisissez" in slot.text and "17" in slot.text and "3919" in slot.text
    assert "Peu importe" not in [b.title for b in slot.buttons]  # a time, not "any time"
    assert state.handoff["means"] == "phone"  # never an SMS or an e-mail
    (again,) = talk(dialogue, state, '/hset{"field":"slot","value":"any"}')[0]  # forged: asked again
    assert "uniquement au moment que vous choisissez" in again.text and "slot" not in state.handoff
    talk(dialogue, state, '/hset{"field":"slot","value":"2026-01-05|pm"}', '/hset{"field":"sensitive","value":"yes"}')
    (preview,) = talk(dialogue, state, '/hset{"field":"budget_offer","value":"no"}')[0]
    assert "Contact sans risque : non : un appel au moment choisi seulement" in preview.text
    assert "Contact par : Téléphone" in preview.text and "lundi 5 janvier 2026, après-midi" in preview.text
    talk(dialogue, state, "/confirm_handoff")
    (draft,) = cases.drafts
    assert draft.urgent and draft.safe_contact == "no" and draft.preferred_means == "phone"
    assert draft.slots == ["2026-01-05|pm"]
    assert draft.facts["difficulties"] == ["violences"] and flags_for(draft.facts) == ("VI",)


def test_violence_chosen_by_button_asks_the_safe_contact_too_and_sometimes_keeps_the_means():
    cases = _Cases()
    dialogue = Dialogue(ScriptedParser(), nlu.FaqContent(), handoff=cases, today=lambda: TODAY)
    state = State()
    talk(dialogue, state, "/start", "/start_check", '/answer{"f":"difficulties","v":"violences"}')
    assert state.urgent
    state.last_outcome, state.mode = "to_confirm", "result"  # the rest of the check is tested elsewhere
    (asked,) = _contact_until_the_postcode(dialogue, state)
    assert "sans risque" in asked.text
    (means,) = talk(dialogue, state, '/hset{"field":"safe_contact","value":"times"}')[0]
    assert "Comment préférez-vous" in means.text
    (slot,) = talk(dialogue, state, '/hset{"field":"means","value":"sms"}')[0]
    assert "À quel moment pouvez-vous répondre sans risque" in slot.text
    assert "Peu importe" not in [b.title for b in slot.buttons]
    talk(dialogue, state, '/hset{"field":"slot","value":"2026-01-02|am"}', '/hset{"field":"sensitive","value":"yes"}',
         '/hset{"field":"budget_offer","value":"no"}', "/confirm_handoff")
    (draft,) = cases.drafts
    assert draft.urgent and draft.safe_contact == "times" and draft.preferred_means == "sms"
    assert "violences" in draft.facts["difficulties"] and flags_for(draft.facts) == ("VI",)


def test_no_home_typed_carries_the_alr_flag_and_no_safe_contact_question():
    cases = _Cases()
    dialogue = Dialogue(ScriptedParser(nlu.Parse("faq/urgence_sans_logement", 0.95, (), ())), nlu.FaqContent(),
                        handoff=cases, today=lambda: TODAY)
    state = State()
    talk(dialogue, state, "/start", "je dors dans ma voiture depuis une semaine")
    (asked,) = _contact_until_the_postcode(dialogue, state)
    assert "Comment préférez-vous" in asked.text  # no violence: the means at once
    talk(dialogue, state, '/hset{"field":"means","value":"phone"}', '/hset{"field":"slot","value":"any"}',
         '/hset{"field":"budget_offer","value":"no"}', "/confirm_handoff")
    (draft,) = cases.drafts
    assert draft.urgent and draft.safe_contact is None
    assert draft.facts["difficulties"] == ["sans_logement"] and flags_for(draft.facts) == ("ALR",)


@pytest.mark.integration
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_case_stores_the_situation_the_flags_and_the_safe_contact_answer(backend, tmp_path):
    import os

    from cryptography.fernet import Fernet
    from sqlalchemy import create_engine

    from handoff import CaseRepository, Cipher, Priority
    from handoff.migrate import upgrade
    from handoff.service import Draft, HandoffService

    if backend == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'h.db'}", future=True)
    else:
        if not os.environ.get("TEST_DATABASE_URL"):
            pytest.skip("PostgreSQL tests need TEST_DATABASE_URL")
        from postgres_reset import reset

        engine = create_engine(os.environ["TEST_DATABASE_URL"], future=True)
        reset(engine)
    upgrade(engine)
    repo = CaseRepository(engine, Cipher([Fernet.generate_key().decode()]))
    case = HandoffService(repo).submit(Draft(
        facts={"difficulties": ["violences", "sans_logement"]}, reasons=[], outcome="to_confirm",
        rules_version="2022-06-15", urgent=True, name="Camille Martin", phone="+33612345678", email=None,
        postcode="69003", preferred_means="phone", slots=["2026-01-05|pm"], consent_at=dt.datetime(2026, 1, 1),
        sensitive_consent=True, channel="web", address="web:x", safe_contact="no",
    ))
    stored = repo.get(case.reference)
    assert stored.priority is Priority.URGENT and stored.flags == ("ALR", "VI")
    assert stored.answers["facts"]["difficulties"] == ["violences", "sans_logement"]
    assert stored.answers["safe_contact"] == "no"
    if backend == "postgresql":
        reset(engine)
