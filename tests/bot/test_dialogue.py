"""Unit tests of the dialogue engine's own decisions, with a scripted NLU (the real model is
exercised by the YAML conversation tests)."""
from __future__ import annotations

import asyncio
import datetime as dt

import nlu
from bot.dialogue import Dialogue
from bot.state import CHECK, State


class ScriptedParser:
    def __init__(self, *parses: nlu.Parse):
        self.parses = list(parses)

    async def parse(self, text, locale=None):
        return self.parses.pop(0) if self.parses else fallback()

    async def close(self):
        pass


def fallback(*ranked: str) -> nlu.Parse:
    return nlu.Parse(nlu.FALLBACK, 0.3, (), tuple(nlu.Alternative(i, 0.3 - n * 0.05) for n, i in enumerate(ranked)))


def talk(dialogue: Dialogue, state: State, *messages: str):
    async def run():
        out = []
        for message in messages:
            out.append((await dialogue.handle(message, state, "fr")).replies)
        return out
    return asyncio.run(run())


def test_not_understood_suggests_readable_labels_then_offers_an_adviser():
    parser = ScriptedParser(
        fallback("faq/confidentialite_employeur", "greet", "faq/gratuite", "start_check", "faq/deroulement"),
        fallback("faq/gratuite"),
    )
    dialogue = Dialogue(parser, nlu.FaqContent())
    state = State()
    greeting, first, second = talk(dialogue, state, "/start", "euh", "bof")
    titles = [b.title for b in first[0].buttons]
    assert titles == [
        "Mon employeur sera-t-il informé ?",
        "Le service est-il gratuit ?",
        "Vérifier si je peux être aidé(e)",
        "Aucune de ces questions",
    ]
    assert not any("/" in t or "_" in t for t in titles)
    assert "reformuler" in second[0].text and "09 70 800 800" in second[0].text


def test_state_survives_a_json_round_trip_mid_check():
    parser = ScriptedParser()
    dialogue = Dialogue(parser, nlu.FaqContent(), today=lambda: dt.date(2026, 1, 1))
    state = State()
    talk(dialogue, state, "/start", "/start_check", '/answer{"fact":"difficulties","value":"separation"}')
    restored = State.from_json(state.to_json())
    assert restored == state and restored.mode == CHECK and restored.question == "situation"


def test_a_stale_or_forged_button_is_refused_without_losing_anything():
    dialogue = Dialogue(ScriptedParser(), nlu.FaqContent())
    state = State()
    talk(dialogue, state, "/start", "/start_check")
    replies = talk(
        dialogue,
        state,
        '/answer{"fact":"company_size","value":"-4"}',
        '/answer{"fact":"nope","value":"1"}',
        "/answer{broken",
    )
    assert "plus valable" in replies[0][0].text
    assert "plus valable" in replies[1][0].text
    assert state.facts == {} and state.question == "difficulties"


def test_danger_chosen_by_button_shows_the_numbers_then_the_next_question():
    dialogue = Dialogue(ScriptedParser(), nlu.FaqContent(), today=lambda: dt.date(2026, 1, 1))
    state = State()
    talk(dialogue, state, "/start", "/start_check")
    (replies,) = talk(dialogue, state, '/answer{"f":"difficulties","v":"violences"}')
    assert "17 ou le 112" in replies[0].text and "3919" in replies[0].text
    assert "situation professionnelle" in replies[-1].text
    assert state.urgent and state.question == "situation"


def test_other_situation_is_precised_and_none_of_these_is_to_be_confirmed():
    dialogue = Dialogue(ScriptedParser(), nlu.FaqContent(), today=lambda: dt.date(2026, 1, 1))
    state = State()
    talk(dialogue, state, "/start", "/start_check", '/answer{"f":"difficulties","v":"impayes_loyer"}')
    (asked,) = talk(dialogue, state, '/answer{"f":"situation","v":"autre"}')
    assert state.precising == "situation" and "préciser" in asked[-1].text
    (forged,) = talk(dialogue, state, '/precise{"fact":"situation","choice":"ceo"}')
    assert "plus valable" in forged[0].text and state.precising == "situation"
    (taken,) = talk(dialogue, state, '/precise{"fact":"situation","choice":"none"}')
    assert "Ce n'est pas un refus" in taken[0].text
    assert state.facts["situation"] == "autre" and state.precising is None and state.question == "housing_location"


def test_a_precision_button_gives_its_facts_and_its_label():
    dialogue = Dialogue(ScriptedParser(), nlu.FaqContent(), today=lambda: dt.date(2026, 1, 1))
    state = State()
    talk(
        dialogue,
        state,
        "/start",
        "/start_check",
        '/answer{"f":"difficulties","v":"impayes_loyer"}',
        '/answer{"f":"situation","v":"autre"}',
        '/precise{"fact":"situation","choice":"temp"}',
    )
    assert state.facts["situation"] == "salarie" and state.facts["contract"] == "interim"
    assert state.labels["situation"] == "Intérimaire" and state.question == "sector"


def test_a_stored_conversation_with_the_removed_peec_question_is_asked_the_new_ones():
    stored = State(
        mode=CHECK,
        facts={"situation": "demandeur_emploi", "former_employer_peec": True, "difficulties": ["perte_emploi"]},
        answered=["difficulties", "situation", "former_employer_peec"],
        question="former_employer_peec",
    )
    restored = State.loads(stored.dumps())
    assert "former_employer_peec" not in restored.facts and restored.answered == ["difficulties", "situation"]
    assert restored.question is None
    dialogue = Dialogue(ScriptedParser(fallback()), nlu.FaqContent(), today=lambda: dt.date(2026, 1, 1))
    (replies,) = talk(dialogue, restored, "une entreprise privée")
    assert restored.facts["sector"] == "prive_non_agricole"
    assert "Combien de salariés comptait votre dernier employeur" in replies[-1].text


def _in_check(*presses: str, parser=None) -> tuple[Dialogue, State]:
    dialogue = Dialogue(parser or ScriptedParser(), nlu.FaqContent(), today=lambda: dt.date(2026, 1, 1))
    state = State()
    talk(dialogue, state, "/start", "/start_check", *presses)
    return dialogue, state


def test_a_fact_typed_out_of_turn_joins_the_check_without_erasing_anything():
    inform = nlu.Parse("inform", 0.95, (nlu.Entity("contract", "interim", "intérimaire", "test"),), ())
    dialogue, state = _in_check('/answer{"f":"difficulties","v":"impayes_loyer"}', parser=ScriptedParser(inform))
    (replies,) = talk(dialogue, state, "je suis intérimaire")
    assert state.facts["difficulties"] == ["impayes_loyer"] and state.facts["contract"] == "interim"
    assert state.facts["situation"] == "salarie"  # "je suis intérimaire" says that too
    assert "Votre employeur est l'agence d'intérim" in replies[-1].text


def test_retour_typed_goes_back_and_a_guessed_restart_erases_nothing():
    restart = nlu.Parse("restart", 0.9, (), ())
    dialogue, state = _in_check(
        '/answer{"f":"difficulties","v":"impayes_loyer"}',
        '/answer{"f":"situation","v":"salarie"}',
        parser=ScriptedParser(restart),
    )
    (guessed,) = talk(dialogue, state, "euh bon")
    assert state.facts == {"difficulties": ["impayes_loyer"], "situation": "salarie"}
    assert "pas compris" in guessed[0].text
    (back,) = talk(dialogue, state, "retour")
    assert "changer votre réponse" in back[-1].text and state.question == "situation"


def test_pourquoi_cette_question_typed_is_answered():
    dialogue, state = _in_check('/answer{"f":"difficulties","v":"impayes_loyer"}')
    (replies,) = talk(dialogue, state, "Pourquoi cette question ?")
    assert "salariés d'entreprises privées" in replies[0].text


def test_editing_the_sector_asks_again_a_size_chosen_by_button():
    dialogue, state = _in_check(
        '/answer{"f":"difficulties","v":"impayes_loyer"}',
        '/answer{"f":"situation","v":"salarie"}',
        '/answer{"f":"sector","v":"prive_non_agricole"}',
        '/answer{"f":"company_size","v":"10"}',
        '/answer{"f":"contract","v":"cdi"}',
        '/answer{"f":"housing_location","v":"metropole"}',
    )
    talk(dialogue, state, '/edit{"fact":"sector"}')
    (replies,) = talk(dialogue, state, '/answer{"f":"sector","v":"agricole"}')
    assert "company_size" not in state.facts and "Combien de salariés" in replies[-1].text
    assert [b.title for b in replies[-1].buttons][:2] == ["Moins de 50", "50 ou plus"]


def test_becoming_a_job_seeker_drops_the_contract():
    dialogue, state = _in_check(
        '/answer{"f":"difficulties","v":"impayes_loyer"}',
        '/answer{"f":"situation","v":"salarie"}',
        '/answer{"f":"sector","v":"prive_non_agricole"}',
        '/answer{"f":"company_size","v":"10"}',
        '/answer{"f":"contract","v":"autre"}',
        '/answer{"f":"housing_location","v":"metropole"}',
    )
    talk(dialogue, state, '/edit{"fact":"situation"}', '/answer{"f":"situation","v":"demandeur_emploi"}')
    assert "contract" not in state.facts and "contract" not in state.answered


def test_danger_typed_during_the_call_back_request_shows_the_numbers_and_keeps_the_draft():
    from bot.dialogue.steps import TEXT_STEPS

    dialogue, state = _in_check()
    state.last_outcome = "eligible"
    state.handoff = {
        "step": "postcode",
        "name": "A B",
        "phone": "+33612345678",
        "email": None,
        "consent_at": "2026-01-01T10:00:00",
    }
    assert "postcode" in TEXT_STEPS
    (replies,) = talk(dialogue, state, "je suis sans domicile, je n'ai pas de code postal")
    assert "115" in replies[0].text and "code postal" in replies[-1].text
    assert state.handoff["name"] == "A B" and state.handoff["urgent"] is True and state.urgent


def test_the_budget_can_be_changed_from_the_preview():
    dialogue, state = _in_check()
    state.last_outcome = "eligible"
    state.handoff = {
        "step": "preview",
        "name": "A B",
        "phone": "+33612345678",
        "email": None,
        "postcode": "75011",
        "means": "phone",
        "slot": "any",
        "consent_at": "2026-01-01T10:00:00",
        "income": 1.4,
        "housing": 450.0,
        "aids": 0.0,
        "budget": {
            "income": 1.4,
            "housing": 450.0,
            "aids": 0.0,
            "debt_ratio_percent": 32142,
            "remaining_income": -448.6,
        },
    }
    talk(dialogue, state, '/hedit{"field":"budget"}', "1,400", "450", "0")
    assert state.handoff["step"] == "preview" and state.handoff["budget"]["income"] == 1400
    assert state.handoff["budget"]["debt_ratio_percent"] == 32


def test_a_story_asking_for_help_in_general_reads_its_situation_then_starts_the_check():
    content = nlu.FaqContent()
    story = "Je suis intérimaire et j'ai deux loyers de retard. Pouvez-vous m'aider ?"
    dialogue = Dialogue(
        ScriptedParser(nlu.Parse("start_check", 0.9, (), ())), content, today=lambda: dt.date(2026, 1, 1)
    )
    state = State()
    _, replies = talk(dialogue, state, "/start", story)
    # The first difficulty told is the situation (unpaid rent before the temp's contract).
    assert replies[0].text == content.answer("impayes_loyer_pret", "fr")
    assert "Vérifions ensemble" in replies[1].text and state.mode == CHECK
    assert state.facts["contract"] == "interim" and "impayes_loyer" in state.facts["difficulties"]


def test_a_request_for_the_check_without_a_situation_starts_it_at_once():
    dialogue = Dialogue(
        ScriptedParser(nlu.Parse("start_check", 0.9, (), ())), nlu.FaqContent(), today=lambda: dt.date(2026, 1, 1)
    )
    state = State()
    _, replies = talk(dialogue, state, "/start", "je voudrais vérifier si je peux être aidé")
    assert "Vérifions ensemble" in replies[0].text


def test_a_situation_told_during_the_check_does_not_repeat_an_faq_answer():
    content = nlu.FaqContent()
    dialogue = Dialogue(ScriptedParser(nlu.Parse("inform", 0.9, (), ())), content, today=lambda: dt.date(2026, 1, 1))
    state = State()
    talk(dialogue, state, "/start", "/start_check")
    (replies,) = talk(dialogue, state, "je suis en CDD de six mois et j'ai des loyers impayés")
    assert content.answer("impayes_loyer_pret", "fr") not in [r.text for r in replies]


def test_the_topic_for_a_situation_prefers_the_difficulty_then_the_status():
    content = nlu.FaqContent()
    assert (
        content.for_situation({"contract": "cdd", "difficulties": ["separation", "impayes_loyer"]}).key == "separation"
    )
    assert content.for_situation({"contract": "interim"}).key == "interimaires_cdd"
    assert content.for_situation({"situation": "demandeur_emploi"}).key == "demandeurs_emploi"
    assert content.for_situation({"situation": "salarie", "contract": "cdi"}) is None


# --- the journeys' registry, and what a payload may not say ------------------------------------------


def test_every_button_the_journeys_can_show_names_a_registered_command():
    import re
    from pathlib import Path

    from bot.dialogue import registry

    sources = "\n".join(p.read_text() for p in Path("bot/dialogue").glob("*.py"))
    named = set(re.findall(r'payload\("(\w+)"', sources))
    assert len(named) > 25
    assert named <= set(registry.commands), named - set(registry.commands)


def test_an_unknown_command_is_said_so_with_the_help_buttons():
    dialogue = Dialogue(ScriptedParser(), nlu.FaqContent())
    (_, replies) = talk(dialogue, State(), "/start", "/fly_me_to_the_moon")
    assert replies[0].text == "Je ne connais pas cette commande." and replies[0].buttons


def test_a_forged_urgent_handoff_from_a_fresh_conversation_is_neither_urgent_nor_a_request():
    class Handoff:
        submitted: list = []

        def submit(self, draft):
            self.submitted.append(draft)

    dialogue = Dialogue(ScriptedParser(), nlu.FaqContent(), handoff=Handoff())
    state = State()
    (_, replies) = talk(dialogue, state, "/start", '/handoff{"urgent":true}')
    assert not state.urgent and state.handoff == {}
    assert "09 70 800 800" in replies[0].text and "urgente" not in replies[0].text


def test_the_priority_call_back_of_an_emergency_is_urgent_because_the_server_saw_the_danger():
    danger = nlu.Parse("faq/urgence_violences", 0.95, (), ())
    dialogue = Dialogue(ScriptedParser(danger), nlu.FaqContent(), handoff=object())
    state = State()
    (_, shown, pressed) = talk(dialogue, state, "/start", "il me frappe", "/handoff")
    priority = next(b for b in shown[-1].buttons if "priorité" in b.title)
    assert priority.payload == "/handoff"  # the button names the action; the urgency is the server's
    assert state.handoff["step"] == "notice" and state.handoff["urgent"] is True


class _Cases:
    """The handoff service as the conversation sees it, in memory: a case belongs to the
    conversation that made it, or that last gave its follow-up code."""

    def __init__(self):
        self.statuses: dict = {}
        self.owners: dict = {}
        self.codes: dict = {}
        self.inbox: dict = {}  # reference -> the adviser's messages not yet shown
        self.replies: list = []  # (reference, body) the person wrote
        self.references = iter(f"ASD-{n}AAAAA" for n in range(2, 10))

    def submit(self, draft):
        from handoff import Status

        self.drafts = [*getattr(self, "drafts", []), draft]
        reference = next(self.references)
        case = type("Case", (), {"reference": reference, "access_code": f"{reference[4]}BCDE-FGHJK"})()
        self.statuses[reference] = Status.NEW
        self.owners[reference] = draft.address
        self.codes[reference] = case.access_code
        return case

    def status(self, reference, address):
        return self.statuses.get(reference) if self.owners.get(reference) == address else None

    def withdraw(self, reference, address):
        from handoff import Status

        self.statuses[reference] = Status.WITHDRAWN
        return True

    def pending_messages(self, reference, address):
        return self.inbox.pop(reference, []) if self.owners.get(reference) == address else []

    def follow(self, reference, code, address, locale=None):
        from handoff import Follow

        if self.codes.get(reference) != code:
            return Follow.REFUSED
        self.owners[reference] = address
        return Follow.OPENED

    def resend_code(self, reference):
        self.resent = [*getattr(self, "resent", []), reference]
        if reference not in self.codes:
            return False
        self.codes[reference] = "NEWC2-DE234"
        return True

    def reply(self, reference, address, body):
        if self.owners.get(reference) != address:
            return False
        self.replies.append((reference, body))
        return True


def _request(dialogue, state) -> str:
    talk(dialogue, state, "/handoff", "/consent", "Marie Curie", "06 12 34 56 78", "/skip", "69003",
         '/hset{"field":"means","value":"phone"}', '/hset{"field":"slot","value":"any"}',
         '/hset{"field":"budget_offer","value":"no"}')
    (confirmed,) = talk(dialogue, state, "/confirm_handoff")
    assert "Votre référence" in confirmed[0].text, confirmed
    return state.case_reference


def test_withdraw_then_ask_again_gives_a_new_request_with_a_new_reference():
    cases = _Cases()
    dialogue = Dialogue(ScriptedParser(), nlu.FaqContent(), handoff=cases, today=lambda: dt.date(2026, 1, 1))
    state = State(last_outcome="eligible", mode="result", greeted=True, facts={"difficulties": ["impayes_loyer"]},
                  answered=["difficulties"])
    first = _request(dialogue, state)
    (again,) = talk(dialogue, state, "/handoff")
    assert "Votre demande" in again[0].text  # an open request: its status, not a second one
    talk(dialogue, state, "/withdraw", "/withdraw_confirm")
    (notice,) = talk(dialogue, state, "/handoff")
    assert "uniquement les conseillers sociaux" in notice[0].text, notice
    second = _request(dialogue, state)
    assert second != first and cases.statuses[first].value == "withdrawn" and cases.statuses[second].value == "new"


def test_a_danger_told_in_words_joins_the_situation_the_urgent_request_carries():
    from handoff import flags_for

    danger = nlu.Parse("faq/urgence_violences", 0.95, (), ())
    cases = _Cases()
    dialogue = Dialogue(ScriptedParser(danger), nlu.FaqContent(), handoff=cases, today=lambda: dt.date(2026, 1, 1))
    state = State()
    talk(dialogue, state, "/start", "mon conjoint me frappe")
    assert state.urgent and state.dangers == ["violences"]
    talk(dialogue, state, "/handoff", "/consent", "Camille Martin", "06 12 34 56 78", "/skip", "69003",
         '/hset{"field":"safe_contact","value":"yes"}', '/hset{"field":"means","value":"phone"}')
    (sensitive,) = talk(dialogue, state, '/hset{"field":"slot","value":"any"}')
    assert "informations sensibles" in sensitive[0].text  # the separate consent for violence details
    (_, preview) = talk(dialogue, state, '/hset{"field":"sensitive","value":"yes"}',
                        '/hset{"field":"budget_offer","value":"no"}')
    assert "Difficulté : Violences" in preview[0].text  # what the adviser will receive, shown first
    talk(dialogue, state, "/confirm_handoff")
    (draft,) = cases.drafts
    assert draft.urgent and draft.facts["difficulties"] == ["violences"] and flags_for(draft.facts) == ("VI",)


def test_violence_with_nowhere_to_sleep_tonight_gives_3919_and_115():
    danger = nlu.Parse("faq/urgence_violences", 0.9, (), ())
    dialogue = Dialogue(ScriptedParser(danger), nlu.FaqContent())
    state = State()
    (_, replies) = talk(dialogue, state, "/start", "il me frappe et je n'ai nulle part où dormir ce soir")
    texts = [r.text for r in replies]
    assert "3919" in texts[0] and "115" in texts[1], texts
    assert state.dangers == ["violences", "sans_logement"]


def test_a_person_with_a_number_abroad_can_be_called_back():
    cases = _Cases()
    dialogue = Dialogue(ScriptedParser(), nlu.FaqContent(), handoff=cases, today=lambda: dt.date(2026, 1, 1))
    state = State(last_outcome="eligible", mode="result", greeted=True)
    (_, _, asked) = talk(dialogue, state, "/handoff", "/consent", "Marie Curie")
    assert "indicatif du pays" in asked[0].text
    (refused,) = talk(dialogue, state, "+44 20 7946")
    assert "ne semble pas valide" in refused[0].text and "+44 20 7946 0958" in refused[0].text
    talk(dialogue, state, "+44 20 7946 0958", "/skip", "69003", '/hset{"field":"means","value":"phone"}',
         '/hset{"field":"slot","value":"any"}')
    (preview,) = talk(dialogue, state, '/hset{"field":"budget_offer","value":"no"}')
    assert "Téléphone : +44 20 7946 0958" in preview[0].text
    talk(dialogue, state, "/confirm_handoff")
    assert cases.drafts[0].phone == "+442079460958"


def test_a_danger_told_in_words_leaves_the_check_to_ask_its_own_questions():
    danger = nlu.Parse("faq/urgence_violences", 0.95, (), ())
    dialogue = Dialogue(ScriptedParser(danger), nlu.FaqContent(), today=lambda: dt.date(2026, 1, 1))
    state = State()
    (_, _, started) = talk(dialogue, state, "/start", "FRAP", "/start_check")
    assert "Question 1 sur" in started[-1].text and state.dangers == ["violences"]


def test_a_conversation_stored_by_the_previous_version_loads_and_goes_on():
    """As the previous version wrote it (before `dangers`): it loads, and the check goes on."""
    stored = ('{"locale": "fr", "greeted": true, "mode": "check", "facts": {"difficulties": ["impayes_loyer"]}, '
              '"answered": ["difficulties"], "question": "situation", "precising": null, "labels": {}, '
              '"editing": false, "misunderstood": 0, "suggested": [], "unclear": {}, "last_outcome": null, '
              '"urgent": false, "handoff": {}, "case_reference": null, "address": "web:x"}')
    state = State.loads(stored)
    assert state.dangers == [] and state.question == "situation"
    dialogue = Dialogue(ScriptedParser(), nlu.FaqContent(), today=lambda: dt.date(2026, 1, 1))
    (replies,) = talk(dialogue, state, '/answer{"f":"situation","v":"salarie"}')
    assert "Question 3 sur" in replies[-1].text


def test_skipping_the_e_mail_from_the_preview_keeps_the_budget_and_skipping_an_amount_drops_it():
    dialogue = Dialogue(ScriptedParser(), nlu.FaqContent(), handoff=_Cases(), today=lambda: dt.date(2026, 1, 1))
    state = State(last_outcome="eligible", mode="result", greeted=True)
    talk(dialogue, state, "/handoff", "/consent", "Marie Curie", "06 12 34 56 78", "marie@exemple.fr", "69003",
         '/hset{"field":"means","value":"phone"}', '/hset{"field":"slot","value":"any"}',
         '/hset{"field":"budget_offer","value":"yes"}', "2000", "1050")
    (preview,) = talk(dialogue, state, "0")
    assert "taux d'endettement" in preview[-1].text
    (_, again) = talk(dialogue, state, '/hedit{"field":"email"}', "/skip")
    assert "non communiqué" in again[-1].text and "taux d'endettement" in again[-1].text
    (_, _, without) = talk(dialogue, state, '/hedit{"field":"budget"}', "2000", "/skip")
    assert "taux d'endettement" not in without[-1].text and "Voici exactement" in without[-1].text


def test_an_answer_read_as_off_topic_in_the_check_is_asked_again_with_its_hint_an_off_topic_question_declined():
    off_topic = nlu.Parse("out_of_scope", 0.3, (), (nlu.Alternative("out_of_scope", 0.3),))
    dialogue = Dialogue(ScriptedParser(off_topic, off_topic), nlu.FaqContent(), today=lambda: dt.date(2026, 1, 1))
    state = State()
    talk(dialogue, state, "/start", "/start_check", '/answer{"fact":"difficulties","value":"separation"}',
         '/answer{"fact":"situation","value":"salarie"}', '/answer{"fact":"sector","value":"prive_non_agricole"}')
    assert state.question == "company_size"
    answer, question = talk(dialogue, state, "beaucoup", "il fera beau demain ?")
    assert "pas compris votre réponse" in answer[0].text and "salariés" in answer[0].text
    assert "Moins de 10" in [b.title for b in answer[0].buttons]
    assert "ne peux pas vous aider sur ce sujet" in question[0].text
    assert "salariés" in question[-1].text
    assert state.question == "company_size" and "company_size" not in state.facts
