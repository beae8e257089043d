"""The dialogue engine: (message or button payload, stored state) -> (replies, new state).

Deterministic code, channel-free: the NLU says what a text means, this module decides what to
do next. Replies are collected and returned; the channels send them.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import nlu
import rules_adapter
from rules_adapter import FactsError, Outcome, Question, Source, Status
from rules_adapter.facts import UNSURE

from . import answers, metrics
from .handoff_flow import TEXT_STEPS, HandoffPort, HandoffSteps
from .i18n import SUPPORTED, negotiate, translator
from .i18n import date as format_date
from .i18n import number as format_number
from .replies import Button, Reply, parse_payload, payload
from .state import CHECK, IDLE, RESULT, SUMMARY, State

MAX_TEXT = 2000
EMERGENCY_TOPICS = {"urgence_violences": "violences", "urgence_sans_logement": "sans_logement"}
# A safety net under the NLU: words that must show the emergency numbers even when the model
# is unsure. Matched on the accent-folded, lower-cased text.
_VIOLENCE = re.compile(
    r"\b((me|m'|la|l'|le|les|nous|te|t') ?(frappe|frappait|frappent|bat|battait|tape|tapait|tabasse|cogne|etrangle|menace)"
    r"|(m'|l'|nous|m|l) ?a (\w+ ){0,3}(frap+ee?|battue?|tapee?|tabassee?|cognee?|etranglee?|menacee?)"
    r"|(se fait|se faisait) (frapper|battre|taper|tabasser)|frap+(e|es|ent|ait|aient|ee|er)?(?! a la porte)"
    r"|battue?s?|violences? conjugales?|violences? (intra)?familiales?|(est|etait|devient|sont) violente?s?"
    r"|(plus en plus|tres|trop|devenue?|montre|se montre) violente?s?|menace (avec|d'?un) (un )?(couteau|arme)|s'en prend a (moi|elle|lui|ma|sa)"
    r"|en danger|menace de mort|peur pour (ma|sa|leur) vie|(il|elle) va (me|la|le|nous) tuer|harcele|harcelement"
    r"|beats? (me|her|him)|hits? (me|her|him)|(is|was|gets) (beaten|hit)|domestic (violence|abuse)|violent (partner|husband|wife)"
    r"|i'?m in danger|(she|he)'?s in danger|afraid for (my|her|his) life|abusive (partner|husband|wife|relationship))\b"
)
_ROUGH = re.compile(
    r"\b(dor(s|t|ment|mir) (dans (ma|sa|leur|la|une) voiture|dans la rue|dehors)|a la rue|sans[- ]abri|sdf|nulle part ou dormir"
    r"|sans (domicile|logement|toit)|pas de (toit|logement|domicile)|plus de (toit|logement)|a la porte ce soir"
    r"|sleeping rough|sleep(s|ing)? in (my|his|her|their|a) car|on the street|nowhere to sleep|homeless"
    r"|ou (je vais|on va|nous allons|dormir|aller|passer la nuit)[^.?!]{0,20}(ce soir|cette nuit)|nul(le)? part (ou|pour|pr) [^.?!]{0,12}ce soir"
    r"|dehors (ce soir|cette nuit)|where (to|will (i|we|they|he|she)) sleep tonight|nowhere to (go|stay) tonight)\b"
)
CONVERSATION_LABELS = ("start_check", "ask_human")
# E-mail addresses and phone numbers, taken out of a message shared with content staff.
_CONTACT = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+|(?:\+\d{2,3}|\b0)\s*[1-9](?:[\s.-]*\d{2}){4}\b")
# Typed instead of pressed, during the check (folded text).
_BACK = re.compile(r"\W*(retour|revenir|precedent|question precedente|back|go back|previous)\W*")
_WHY = re.compile(r"\b(pourquoi (cette|ces|vous me posez cette|me demandez-vous) question|why (this|that|do you ask|are you asking))")
_RESTART = re.compile(r"\b(recommencer|recommence|reprendre (tout )?(depuis le|du) debut|depuis le debut|a zero|restart|start (over|again))\b")


@dataclass
class Turn:
    replies: list[Reply] = field(default_factory=list)
    erase: bool = False  # the person asked to erase their conversation: the store deletes it


def _source(source: Source, _: Callable[..., str]) -> str:
    """Where a criterion comes from; a refusal quotes the seed line it rests on."""
    name = re.sub(r"^\d{3}\s+", "", source.document)
    where = _("source : {document}, « {section} »", document=name, section=source.section)
    return f"{where} : « {source.quote} »" if source.quote else where


def handoff_reference(text: str) -> str | None:
    from handoff import normalize_reference

    return normalize_reference(text)


class Dialogue(HandoffSteps):
    def __init__(self, parser: nlu.Parser, content: nlu.FaqContent, *, handoff: HandoffPort | None = None,
                 today: Callable[[], dt.date] = dt.date.today, privacy_url: str = "/confidentialite",
                 callback_days: int | None = None, on_parse: Callable[[nlu.Parse], None] | None = None,
                 on_share: Callable[[str, str, str], None] | None = None):
        self.parser = parser
        self.callback_days = callback_days
        self.on_parse = on_parse  # counts what is not understood, for content staff (bot/feedback.py)
        self.on_share = on_share  # keeps a message not understood its writer agreed to share (text, topic, locale)
        self.content = content
        self.handoff = handoff
        self.today = today
        self.privacy_url = privacy_url
        self._buttons: dict[tuple[int, str, bool], tuple[Question | None, tuple[Button, ...]]] = {}

    # --- entry point ----------------------------------------------------------------------

    async def handle(self, message: str, state: State, locale_hint: str | None = None, address: str = "") -> Turn:
        turn = Turn()
        state.address = address or state.address
        message = (message or "").strip()[:MAX_TEXT]
        if not state.greeted:
            state.greeted = True
            state.locale = negotiate(locale_hint)
            turn.replies.append(self._greeting(state))
            command = parse_payload(message)
            if not message or (command and command[0] in ("start", "menu")):
                return turn
        if state.mode == CHECK and state.question is None and state.precising is None:
            # A stored conversation whose question the rules no longer ask: the next one.
            question = rules_adapter.next_question(state.facts, on=self.today())
            state.question = question.fact if question else None
        if self.handoff is not None and state.case_reference:
            _ = translator(state.locale)
            for body in self.handoff.pending_messages(state.case_reference, state.address):
                turn.replies.append(Reply(_("Message de votre conseiller : {message}", message=body)))
        command = parse_payload(message)
        unclear, state.unclear = state.unclear, {}  # offered for one message only
        if command is not None:
            if command[0] == "share_message":
                await self._share(unclear, state, turn)
                return turn
            await self._command(command[0], command[1], state, turn)
            if not turn.replies:  # a button with nothing left to do ("retour" with no answer yet)
                turn.replies.append(self._menu(state))
            return turn
        if not message:
            turn.replies.append(self._menu(state))
            return turn
        if state.handoff.get("step") in TEXT_STEPS or state.handoff.get("step") in ("means", "slot", "sensitive", "budget_offer", "preview"):
            # Contact details never go to the NLU; only the emergency safety net reads them.
            emergency = self._emergency_kind(None, message)
            if emergency:
                # The numbers at once, the request marked urgent, and the request goes on: what
                # the person already typed is kept.
                state.urgent = True
                state.handoff["urgent"] = True
                turn.replies.append(Reply(self._emergency_numbers(emergency, state)))
                self._handoff_reask(state, turn)
            elif re.search(r"\b(annuler|cancel|stop)\b", nlu.normalize(message)):
                self._cancel_handoff(state, turn)
            else:
                self._handoff_text(message, state, turn)
            return turn
        if re.search(r"\b(export\w*|copie|voir|see|access)\b.*\b(mes|my) (donnees|data)\b", nlu.normalize(message)):
            self._export(state, turn)
            return turn
        folded = nlu.normalize(message)
        if state.mode == CHECK and _BACK.fullmatch(folded):
            self._back(state, turn)
            return turn
        if state.mode == CHECK and _WHY.search(folded):
            self._why(state, turn)
            return turn
        parse = await self.parser.parse(message, state.locale)
        metrics.nlu_confidence.observe(parse.confidence)
        if parse.intent == nlu.FALLBACK:
            metrics.fallbacks.inc()
            if self.on_share is not None and state.mode != CHECK:
                state.unclear = {"text": message, "topic": parse.ranking[0].intent if parse.ranking else ""}
        if self.on_parse is not None:
            self.on_parse(parse)
        if state.mode == IDLE:
            # What a person tells of their situation is kept whatever they asked: the check,
            # when it comes, does not ask it again, and the summary shows it to correct.
            noted = answers.facts_from_entities(parse, message)
            if noted:
                self._apply(noted, state)
        emergency = self._emergency_kind(parse, message)
        if emergency:
            self._emergency(emergency, state, turn)
            return turn
        if state.mode == CHECK and state.precising:
            self._precision_text(message, parse, state, turn)
            return turn
        # A question asked in the middle of the check ("mon employeur sera-t-il informé ?") is
        # answered, then the check resumes; it is not taken for an answer.
        asking = "?" in message and parse.faq_topic is not None and parse.confidence >= 0.5
        if state.mode == CHECK and state.question and not asking:
            before = self._difficulties(state)
            fact = state.question
            if self._take_answer(message, parse, state):
                state.misunderstood = 0
                self._after_answer(fact, before, state, turn, described=len(message.split()) > 3)
                return turn
        await self._intent(parse, message, state, turn)
        return turn

    # --- buttons and commands -------------------------------------------------------------

    async def _command(self, name: str, args: dict[str, Any], state: State, turn: Turn) -> None:
        _ = translator(state.locale)
        state.misunderstood = 0
        if name in ("start", "menu"):
            turn.replies.append(self._menu(state))
        elif name == "ask_question":
            turn.replies.append(Reply(_("Posez votre question avec vos mots, par exemple : « Mon employeur sera-t-il au courant ? »")))
        elif name == "start_check":
            self._start_check(state, {}, turn)
        elif name == "answer":
            self._button_answer(args, state, turn)
        elif name == "precise":
            self._precise(str(args.get("fact", "")), str(args.get("choice", "")), state, turn)
        elif name == "why":
            self._why(state, turn)
        elif name == "back":
            self._back(state, turn)
        elif name == "edit":
            self._edit(str(args.get("fact", "")), state, turn)
        elif name == "result":
            self._result(state, turn)
        elif name == "summary":
            if state.facts:
                state.mode = SUMMARY
                turn.replies.append(self._summary(state))
            else:
                turn.replies.append(self._menu(state))
        elif name == "faq":
            self._faq_answer(str(args.get("topic", "")), state, turn)
        elif name == "resume":
            self._resume(state, turn)
        elif name == "ask_human":
            self._ask_human(state, turn, urgent=bool(args.get("urgent")))
        elif name == "handoff":
            self._handoff_start(state, turn, urgent=bool(args.get("urgent")))
        elif name == "consent":
            self._consent(state, turn, True)
        elif name == "consent_refuse":
            self._consent(state, turn, False)
        elif name == "hset":
            self._handoff_set(str(args.get("field", "")), str(args.get("value", "")), state, turn)
        elif name == "skip":
            self._handoff_skip(state, turn)
        elif name == "hedit":
            self._handoff_edit(str(args.get("field", "")), state, turn)
        elif name == "confirm_handoff":
            self._confirm_handoff(state, turn, state.address)
        elif name == "cancel_handoff":
            self._cancel_handoff(state, turn)
        elif name == "export":
            self._export(state, turn)
        elif name == "withdraw":
            self._withdraw_prompt(state, turn)
        elif name == "withdraw_confirm":
            self._withdraw(state, turn)
        elif name == "restart":
            state.reset_check()
            turn.replies.append(Reply(_("On recommence depuis le début.")))
            turn.replies.append(self._menu(state))
        elif name == "help":
            turn.replies.append(self._help(state))
        elif name == "language":
            self._language(str(args.get("locale", "")), state, turn)
        elif name == "erase_data":
            turn.replies.append(self._erase_prompt(state))
        elif name == "erase_confirm":
            self._erase(state, turn)
        elif name == "status":
            turn.replies.append(self._status(state, state.case_reference))
        else:
            turn.replies.append(Reply(_("Je ne connais pas cette commande."), self._help(state).buttons))

    # --- free text by intent ----------------------------------------------------------------

    async def _intent(self, parse: nlu.Parse, text: str, state: State, turn: Turn) -> None:
        _ = translator(state.locale)
        intent = parse.intent
        if intent != nlu.FALLBACK:
            state.misunderstood = 0
        topic = parse.faq_topic
        if topic:
            self._faq_answer(topic, state, turn)
        elif intent in ("start_check", "inform") and state.mode in (CHECK, SUMMARY):
            # Facts given out of turn join the check under way: nothing already answered is lost.
            facts = answers.facts_from_entities(parse, text)
            if facts:
                before = self._difficulties(state)
                self._apply(facts, state)
                state.mode = CHECK
                self._after_answer(next(iter(facts)), before, state, turn)
            else:
                self._not_understood(parse, state, turn)
        elif intent == "start_check":
            facts = answers.facts_from_entities(parse, text)
            self._situation_answer(facts, state, turn)
            self._start_check(state, facts, turn)
        elif intent == "inform":
            facts = answers.facts_from_entities(parse, text)
            if facts:
                self._situation_answer(facts, state, turn)
                self._start_check(state, facts, turn)
            else:
                self._not_understood(parse, state, turn)
        elif intent == "ask_human":
            self._ask_human(state, turn)
        elif intent == "request_status":
            match = re.search(r"\basd[\s-]?[0-9a-z]{6}\b", nlu.normalize(text))
            reference = handoff_reference(match.group()) if match else state.case_reference
            turn.replies.append(self._status(state, reference))
        elif intent == "cancel_request":
            self._withdraw_prompt(state, turn)
        elif intent == "erase_data":
            turn.replies.append(self._erase_prompt(state))
        elif intent == "change_language":
            folded = nlu.normalize(text)
            wanted = "en" if re.search(r"\b(english|anglais)\b", folded) else "fr" if re.search(r"\b(francais|french)\b", folded) else ""
            self._language(wanted, state, turn)
        elif intent == "help":
            turn.replies.append(self._help(state))
        elif intent == "restart" and state.mode in (CHECK, SUMMARY) and not _RESTART.search(nlu.normalize(text)):
            # Answers are not thrown away on a guess: only an explicit "recommencer" does it.
            self._not_understood(parse, state, turn)
        elif intent == "restart":
            state.reset_check()
            turn.replies.append(Reply(_("On recommence depuis le début.")))
            turn.replies.append(self._menu(state))
        elif intent == "greet":
            turn.replies.append(Reply(_("Bonjour ! Que puis-je faire pour vous ?"), self._menu(state).buttons))
            self._reask(state, turn)
        elif intent == "thanks":
            turn.replies.append(Reply(_("Avec plaisir. Avez-vous une autre question ?"), self._menu(state).buttons))
        elif intent == "goodbye":
            turn.replies.append(Reply(_("Au revoir, et bon courage. Vous pouvez revenir quand vous voulez ; le service répond aussi au 09 70 800 800.")))
        elif intent == "affirm" and state.mode == SUMMARY:
            self._result(state, turn)
        elif intent in ("affirm", "deny"):
            if state.mode == CHECK:
                self._not_understood(parse, state, turn)
            else:
                turn.replies.append(self._menu(state))
        elif intent == "out_of_scope":
            turn.replies.append(Reply(
                _("Je ne peux pas vous aider sur ce sujet : je réponds seulement aux questions sur le service d'accompagnement des salariés en difficulté de logement."),
                self._menu(state).buttons))
            self._reask(state, turn)
        else:
            self._not_understood(parse, state, turn)

    def _not_understood(self, parse: nlu.Parse, state: State, turn: Turn) -> None:
        _ = translator(state.locale)
        state.misunderstood += 1
        if state.mode == CHECK and state.question:
            question = self._question(state)
            turn.replies.append(Reply(_("Je n'ai pas compris votre réponse. {hint}", hint=self._hint(question, state)),
                                      self._question_buttons(question, state)))
            return
        suggestions = self._suggestions(parse, state)
        if state.misunderstood == 1 and suggestions:
            state.suggested = [s.payload for s in suggestions]
            turn.replies.append(Reply(_("Je ne suis pas sûr d'avoir compris. Vouliez-vous dire :"),
                                      tuple(suggestions) + (Button(_("Aucune de ces questions"), payload("ask_question")),)
                                      + self._share_button(state)))
            return
        turn.replies.append(Reply(
            _("Je n'ai toujours pas compris. Pouvez-vous reformuler en quelques mots, par exemple « loyers impayés » ou « mon employeur sera-t-il prévenu ? » ? Vous pouvez aussi parler à un conseiller au 09 70 800 800 (lundi–vendredi, 9h–18h30)."),
            (Button(_("Parler à un conseiller"), payload("ask_human")),
             Button(_("Vérifier si je peux être aidé(e)"), payload("start_check"))) + self._share_button(state)))

    def _share_button(self, state: State) -> tuple[Button, ...]:
        """Off by default: the text of a message not understood is kept only if its writer asks."""
        _ = translator(state.locale)
        return (Button(_("Partager ce message pour m'améliorer"), payload("share_message")),) if state.unclear else ()

    async def _share(self, unclear: dict[str, str], state: State, turn: Turn) -> None:
        _ = translator(state.locale)
        if not unclear or self.on_share is None:
            turn.replies.append(Reply(_("Il n'y a plus de message à partager."), self._menu(state).buttons))
            return
        text = _CONTACT.sub("…", unclear["text"])  # an e-mail or a phone number is not needed to improve anything
        await asyncio.to_thread(self.on_share, text, unclear.get("topic", ""), state.locale)
        turn.replies.append(Reply(
            _("Merci. Votre message est transmis à l'équipe qui améliore mes réponses, sans votre nom ni cette conversation ; il sera effacé dans 90 jours."),
            self._menu(state).buttons))

    def _suggestions(self, parse: nlu.Parse, state: State) -> list[Button]:
        _ = translator(state.locale)
        out: list[Button] = []
        for alternative in parse.ranking:
            if alternative.intent.startswith("faq/"):
                topic = alternative.intent[4:]
                label = self.content.label(topic, state.locale)
                if label and topic not in EMERGENCY_TOPICS:
                    out.append(Button(label, payload("faq", topic=topic)))
            elif alternative.intent == "start_check":
                out.append(Button(_("Vérifier si je peux être aidé(e)"), payload("start_check")))
            elif alternative.intent == "ask_human":
                out.append(Button(_("Parler à un conseiller"), payload("ask_human")))
            if len(out) == 3:
                break
        return out

    # --- FAQ --------------------------------------------------------------------------------

    def _faq_answer(self, topic: str, state: State, turn: Turn) -> None:
        _ = translator(state.locale)
        entry = self.content.topic(topic)
        if entry is None:
            turn.replies.append(self._menu(state))
            return
        if topic in EMERGENCY_TOPICS:
            self._emergency(EMERGENCY_TOPICS[topic], state, turn)
            return
        text = entry.answer_in(state.locale)
        if state.mode in (CHECK, SUMMARY):
            turn.replies.append(Reply(text))
            self._reask(state, turn, prefix=_("Reprenons où nous en étions."))
            return
        buttons: list[Button] = []
        if entry.next_step == "check":
            buttons.append(Button(_("Vérifier si je peux être aidé(e)"), payload("start_check")))
        elif entry.next_step == "adviser":
            buttons.append(Button(_("Parler à un conseiller"), payload("ask_human")))
        buttons.append(Button(_("Poser une autre question"), payload("ask_question")))
        turn.replies.append(Reply(text, tuple(buttons)))

    def _situation_answer(self, facts: dict[str, Any], state: State, turn: Turn) -> None:
        """A story that ends in a general request for help ("vous pouvez m'aider ?"): the answer
        about the situation it tells (unpaid rent, a temp's contract…), then the check."""
        topic = self.content.for_situation(facts) if state.mode == IDLE else None
        if topic is not None and topic.key not in EMERGENCY_TOPICS:
            turn.replies.append(Reply(topic.answer_in(state.locale)))

    # --- the eligibility check ----------------------------------------------------------------

    def _start_check(self, state: State, facts: dict[str, Any], turn: Turn) -> None:
        _ = translator(state.locale)
        # Facts told before the check (with a question, a greeting…) are its first answers.
        noted = (state.facts, state.answered, state.labels) if state.mode == IDLE else None
        state.reset_check()
        if noted is not None:
            state.facts, state.answered, state.labels = noted
        state.mode = CHECK
        self._apply(facts, state)
        turn.replies.append(Reply(_("Vérifions ensemble si le service peut vous aider. Quelques questions, une à la fois ; vous pouvez revenir en arrière à tout moment.")))
        self._continue_check(state, turn)

    def _apply(self, facts: dict[str, Any], state: State, labels: dict[str, str] | None = None) -> bool:
        """Add facts if the rules accept them together; remember the order they came in."""
        merged = dict(state.facts)
        for fact, value in facts.items():
            if fact == "difficulties" and state.question != "difficulties" and merged.get(fact):
                value = list(dict.fromkeys([*merged[fact], *value]))
            merged[fact] = value
        if "postcode" in facts:
            merged.pop("housing_location", None)
        if facts.get("housing_location"):
            merged.pop("postcode", None)
        try:
            rules_adapter.parse_facts(merged)
        except FactsError:
            return False
        stale = self._stale(state, merged, facts)
        for fact in stale:
            merged.pop(fact, None)
        state.facts = merged
        for fact in stale:
            state.labels.pop(fact, None)
            if fact in state.answered:
                state.answered.remove(fact)
        for fact in facts:
            state.labels.pop(fact, None)
            name = "housing_location" if fact == "postcode" else fact
            if name not in state.answered:
                state.answered.append(name)
        return True

    @staticmethod
    def _stale(state: State, merged: dict[str, Any], given: dict[str, Any]) -> list[str]:
        """Answers a new one makes meaningless: another route's facts when the situation changes
        (a job seeker has no contract), and a size taken from a button cut at the thresholds of
        the previous sector or situation ("10 ou plus" says nothing of an agricultural 50)."""
        out: list[str] = []
        changed = {f for f in given if state.facts.get(f) != merged.get(f)}
        if "situation" in changed:
            if merged.get("situation") == "demandeur_emploi":
                out += ["contract", "contract_months", "disaster"]
            elif merged.get("situation") == "salarie":
                out.append("months_since_job_end")
        if changed & {"sector", "situation"} and "company_size" not in given and "company_size" in state.labels:
            out.append("company_size")
        if "contract" in changed and "contract_months" not in given and "contract_months" in state.labels:
            out.append("contract_months")
        return [f for f in out if f in merged and f not in given]

    def _question(self, state: State) -> Question | None:
        """The question being asked, with its choices for what is known so far."""
        return self._question_for(state.question, state) if state.question else None

    def _question_for(self, fact: str, state: State) -> Question | None:
        if fact not in rules_adapter.ASKING_ORDER:
            return None
        known = {k: v for k, v in state.facts.items()
                 if k != fact and not (fact == "housing_location" and k == "postcode")}
        return rules_adapter.question_for(fact, known, on=self.today())

    def _take_answer(self, text: str, parse: nlu.Parse, state: State) -> bool:
        question = self._question(state)
        if question is None:
            return False
        facts = answers.answer(question, text, parse)
        if question.fact not in facts and not (question.fact == "housing_location" and "postcode" in facts):
            return False
        return self._apply(facts, state)

    def _button_answer(self, args: dict[str, Any], state: State, turn: Turn) -> None:
        _ = translator(state.locale)
        # Buttons carry {"f", "v"} (Telegram's 64 bytes hold the longest choice); {"fact", "value"},
        # the first form, is still read.
        fact, raw = str(args.get("f", args.get("fact", ""))), str(args.get("v", args.get("value", "")))
        if state.mode not in (CHECK, SUMMARY) or fact not in rules_adapter.ASKING_ORDER:
            turn.replies.append(Reply(_("Ce bouton n'est plus valable."), self._menu(state).buttons))
            return
        question = self._question_for(fact, state)
        before = self._difficulties(state)
        try:
            value = answers.typed(question, raw)
        except (ValueError, TypeError, OverflowError):  # a forged payload: "1e999" employees
            value = None
        if value is None or not self._apply({fact: value}, state):
            turn.replies.append(Reply(_("Ce bouton n'est plus valable.")))
            self._reask(state, turn)
            return
        label = next((c.label.get(state.locale) for c in question.choices if c.value == raw), None)
        if label and question.kind in ("integer", "number"):
            state.labels[fact] = label  # "Moins de 10" says more than the 9 it stands for
        else:
            state.labels.pop(fact, None)
        state.mode = CHECK
        self._after_answer(fact, before, state, turn)

    def _difficulties(self, state: State) -> set[str]:
        return set(state.facts.get("difficulties") or ())

    def _after_answer(self, fact: str, before: set[str], state: State, turn: Turn, described: bool = False) -> None:
        """What an answer calls for before the next question: the emergency numbers at once when
        it names violence or no home (the check then goes on), or a precision when it is "Autre"
        (unless the person already described their situation in their own words)."""
        added = self._difficulties(state) - before
        for kind in ("violences", "sans_logement"):
            if kind in added:
                state.urgent = True
                turn.replies.append(Reply(self._emergency_numbers(kind, state)))
        spec = rules_adapter.rules.questions().get(fact, {}).get("precision")
        if spec is not None and state.facts.get(fact) == spec["when"]:
            if described:
                self._take_precision(fact, None, None, state, turn)
                return
            state.precising = fact
            turn.replies.append(self._precision_question(fact, state))
            return
        self._continue_check(state, turn)

    def _precision_question(self, fact: str, state: State, prefix: str | None = None) -> Reply:
        _ = translator(state.locale)
        spec = rules_adapter.rules.questions()[fact]["precision"]
        text = spec["text"][state.locale]
        buttons = [Button(choice["label"][state.locale], payload("precise", fact=fact, choice=key))
                   for key, choice in spec["choices"].items()]
        buttons.append(Button(_("Aucune de ces situations"), payload("precise", fact=fact, choice="none")))
        buttons.append(Button(_("Retour"), payload("back")))
        return Reply(f"{prefix}\n{text}" if prefix else text, tuple(buttons))

    def _precise(self, fact: str, choice: str, state: State, turn: Turn) -> None:
        """A precision button: its facts, or "none of these" (an adviser will look)."""
        _ = translator(state.locale)
        spec = rules_adapter.rules.questions().get(fact, {}).get("precision")
        if state.mode != CHECK or state.precising != fact or spec is None or (choice != "none" and choice not in spec["choices"]):
            turn.replies.append(Reply(_("Ce bouton n'est plus valable.")))
            self._reask(state, turn)
            return
        self._take_precision(fact, choice if choice != "none" else None, None, state, turn)

    def _precision_text(self, text: str, parse: nlu.Parse, state: State, turn: Turn) -> None:
        fact = state.precising or ""
        spec = rules_adapter.rules.questions()[fact]["precision"]
        found = answers.precision(spec, text, parse)
        # A question asked instead (it says so with its question mark) is answered, then the
        # precision asked again; anything else is the person's own description.
        if found is None and "?" in text and parse.faq_topic and parse.faq_topic not in EMERGENCY_TOPICS:
            _ = translator(state.locale)
            entry = self.content.topic(parse.faq_topic)
            if entry is not None:
                turn.replies.append(Reply(entry.answer_in(state.locale)))
                turn.replies.append(self._precision_question(fact, state, prefix=_("Reprenons où nous en étions.")))
                return
        choice, facts = found if found is not None else (None, None)
        self._take_precision(fact, choice, facts, state, turn)

    def _take_precision(self, fact: str, choice: str | None, facts: dict[str, Any] | None, state: State, turn: Turn) -> None:
        _ = translator(state.locale)
        spec = rules_adapter.rules.questions()[fact]["precision"]
        state.precising = None
        if choice is not None:
            facts = dict(spec["choices"][choice]["facts"])
        if facts and self._apply(facts, state):
            if choice is not None:
                state.labels[fact] = spec["choices"][choice]["label"][state.locale]
            turn.replies.append(Reply(_("C'est noté.")))
        else:
            turn.replies.append(Reply(_("C'est noté : votre situation n'entre dans aucune case, un conseiller l'examinera avec vous. Ce n'est pas un refus.")))
        self._continue_check(state, turn)

    def _continue_check(self, state: State, turn: Turn) -> None:
        question = rules_adapter.next_question(state.facts, on=self.today())
        if question is None:
            state.question = None
            state.editing = False
            state.mode = SUMMARY
            turn.replies.append(self._summary(state))
            return
        state.question = question.fact
        turn.replies.append(self._ask(question, state))

    def _ask(self, question: Question, state: State, prefix: str | None = None) -> Reply:
        _ = translator(state.locale)
        progress = _("Question {n} sur {total}", n=question.position, total=question.total)
        text = f"{progress} — {question.text[state.locale]}"
        if prefix:
            text = f"{prefix}\n{text}"
        return Reply(text, self._question_buttons(question, state))

    def _question_buttons(self, question: Question | None, state: State) -> tuple[Button, ...]:
        key = (id(question), state.locale, bool(state.answered))
        hit = self._buttons.get(key)
        if hit is not None and hit[0] is question:
            return hit[1]
        _ = translator(state.locale)
        buttons = [] if question is None else [
            Button(c.label[state.locale], payload("answer", f=question.fact, v=c.value)) for c in question.choices
        ]
        buttons.append(Button(_("Pourquoi cette question ?"), payload("why")))
        if state.answered:
            buttons.append(Button(_("Retour"), payload("back")))
        # The rules engine keeps its questions, so the same few come back: their buttons (a JSON
        # payload each) are kept too, the question held to tell a reused id from its own.
        if len(self._buttons) >= 1024:
            self._buttons.clear()
        kept = tuple(buttons)
        self._buttons[key] = (question, kept)
        return kept

    def _hint(self, question: Question | None, state: State) -> str:
        return question.hint[state.locale] if question is not None else ""

    def _reask(self, state: State, turn: Turn, prefix: str | None = None) -> None:
        if state.mode == CHECK and state.precising:
            turn.replies.append(self._precision_question(state.precising, state, prefix))
        elif state.mode == CHECK and state.question:
            question = self._question(state)
            if question is not None:
                turn.replies.append(self._ask(question, state, prefix))
        elif state.mode == SUMMARY:
            turn.replies.append(self._summary(state))

    def _why(self, state: State, turn: Turn) -> None:
        _ = translator(state.locale)
        question = self._question(state) if state.mode == CHECK else None
        if question is None:
            turn.replies.append(self._menu(state))
            return
        turn.replies.append(Reply(question.why[state.locale]))
        turn.replies.append(self._ask(question, state))

    def _back(self, state: State, turn: Turn) -> None:
        _ = translator(state.locale)
        state.precising = None
        if not state.answered:
            self._reask(state, turn)
            return
        fact = state.answered.pop()
        state.facts.pop(fact, None)
        if fact == "housing_location":
            state.facts.pop("postcode", None)
        state.mode = CHECK
        state.question = fact
        question = self._question(state)
        if question is None:
            self._continue_check(state, turn)
            return
        turn.replies.append(self._ask(question, state, prefix=_("Vous pouvez changer votre réponse.")))

    def _edit(self, fact: str, state: State, turn: Turn) -> None:
        _ = translator(state.locale)
        if fact not in state.facts and not (fact == "housing_location" and "postcode" in state.facts):
            self._reask(state, turn)
            return
        state.facts.pop(fact, None)
        if fact == "housing_location":
            state.facts.pop("postcode", None)
        state.precising = None
        state.mode = CHECK
        state.editing = True
        state.question = fact
        question = self._question_for(fact, state)
        if question is None:
            self._continue_check(state, turn)
            return
        turn.replies.append(self._ask(question, state, prefix=_("Quelle est la bonne réponse ?")))

    def _resume(self, state: State, turn: Turn) -> None:
        if state.mode in (CHECK, SUMMARY):
            _ = translator(state.locale)
            self._reask(state, turn, prefix=_("Reprenons où nous en étions."))
        else:
            turn.replies.append(self._menu(state))

    def _value_label(self, fact: str, state: State) -> str:
        _ = translator(state.locale)
        locale = state.locale
        value = state.facts.get(fact)
        if fact == "housing_location" and value is None and "postcode" in state.facts:
            return state.facts["postcode"]
        spec = rules_adapter.rules.questions().get(fact, {})
        choices = spec.get("choices", {})
        if fact == "difficulties":
            return ", ".join(choices.get(v, {}).get(locale, v) for v in value or [])
        if fact in state.labels:
            return state.labels[fact]
        if value == UNSURE:
            return _("je ne sais pas")
        if fact == "company_size" and value == answers.BIG_COMPANY:
            return _("une grande entreprise")
        if fact == "company_size":
            return _("1 salarié") if value == 1 else _("{n} salariés", n=format_number(value, locale))
        if fact in ("contract_months", "months_since_job_end"):
            return _("{n} mois", n=format_number(value, locale))
        return choices.get(str(value), {}).get(locale, str(value))

    def _fact_name(self, fact: str, state: State) -> str:
        _ = translator(state.locale)
        if state.facts.get("situation") == "demandeur_emploi" and fact in ("sector", "company_size"):
            return {"sector": _("Secteur du dernier employeur"), "company_size": _("Taille du dernier employeur")}[fact]
        return {
            "difficulties": _("Difficulté"), "situation": _("Situation"), "sector": _("Secteur"),
            "company_size": _("Taille de l'entreprise"), "contract": _("Contrat"),
            "contract_months": _("Durée du contrat"), "months_since_job_end": _("Fin du dernier emploi"),
            "disaster": _("Catastrophe"), "housing_location": _("Lieu du logement"), "occupancy": _("Logement"),
        }.get(fact, fact)

    def _summary(self, state: State) -> Reply:
        _ = translator(state.locale)
        lines = [_("Voici vos réponses. Vous pouvez en modifier une avant de voir le résultat :")]
        facts_in_order = [f for f in state.answered if f in state.facts or (f == "housing_location" and "postcode" in state.facts)]
        for fact in facts_in_order:
            lines.append("• " + _("{name} : {value}", name=self._fact_name(fact, state), value=self._value_label(fact, state)))
        buttons = [Button(_("Voir le résultat"), payload("result"))]
        buttons += [Button(_("Modifier : {name}", name=self._fact_name(f, state)), payload("edit", fact=f)) for f in facts_in_order]
        return Reply("\n".join(lines), tuple(buttons))

    def _result(self, state: State, turn: Turn) -> None:
        _ = translator(state.locale)
        if state.mode not in (SUMMARY, RESULT, CHECK):
            turn.replies.append(self._menu(state))
            return
        assessment = rules_adapter.assess(state.facts, on=self.today(), locale=state.locale)
        if assessment.outcome is Outcome.INCOMPLETE:
            state.mode = CHECK
            self._continue_check(state, turn)
            return
        state.mode = RESULT
        state.last_outcome = assessment.outcome.value
        metrics.outcomes.labels(assessment.outcome.value).inc()
        state.urgent = state.urgent or assessment.urgent
        headline = {
            Outcome.ELIGIBLE: _("D'après vos réponses, le service d'accompagnement social peut vous aider."),
            Outcome.TO_CONFIRM: _("D'après vos réponses, le service peut sans doute vous aider : un conseiller doit confirmer un point avec vous."),
            Outcome.NOT_ELIGIBLE: _("D'après vos réponses, le service d'accompagnement social ne peut pas intervenir pour vous. Ce n'est pas une décision : un conseiller peut toujours examiner votre situation."),
            Outcome.REDIRECT: _("D'après vos réponses, votre demande relève plutôt du service locatif d'Action Logement que de l'accompagnement social."),
        }[assessment.outcome]
        if assessment.urgent:
            headline += "\n" + _("Votre situation est urgente : elle sera traitée en priorité.")
        turn.replies.append(Reply(headline))
        marks = {Status.MET: "✔", Status.NOT_MET: "✘", Status.TO_CONFIRM: "⚠", Status.UNKNOWN: "?"}
        lines = [_("Le détail, critère par critère :")]
        for reason in assessment.reasons:
            sources = "; ".join(_source(s, _) for s in reason.sources[:1])
            lines.append(f"{marks[reason.status]} {reason.text} ({sources})")
        turn.replies.append(Reply("\n".join(lines)))
        if assessment.what_would_change:
            turn.replies.append(Reply("\n".join([_("Ce qui changerait le résultat :")] + [f"• {c}" for c in assessment.what_would_change])))
        if assessment.orientations:
            turn.replies.append(Reply("\n".join([_("Autres aides possibles :")] + [f"• {o.text}" for o in assessment.orientations])))
        if assessment.outcome in (Outcome.ELIGIBLE, Outcome.TO_CONFIRM):
            buttons = (Button(_("Être contacté(e) par un conseiller"), payload("handoff")),
                       Button(_("Modifier mes réponses"), payload("summary")),
                       Button(_("Poser une question"), payload("ask_question")))
            turn.replies.append(Reply(_("Souhaitez-vous qu'un conseiller social vous contacte ? C'est gratuit et votre employeur n'en saura rien."), buttons))
        else:
            # No automated refusal: the person can still ask, here, to be called back.
            buttons = (Button(_("Être rappelé(e) par un conseiller"), payload("handoff")),
                       Button(_("Modifier mes réponses"), payload("summary")),
                       Button(_("Poser une question"), payload("ask_question")),
                       Button(_("Recommencer"), payload("restart")))
            turn.replies.append(Reply(_("Un conseiller peut quand même examiner votre situation : demandez ici à être rappelé(e), ou appelez le 09 70 800 800, du lundi au vendredi de 9h à 18h30 (appel non surtaxé)."), buttons))

    # --- emergencies, adviser, language, erasure -----------------------------------------------

    def _emergency_kind(self, parse: nlu.Parse | None, text: str) -> str | None:
        topic = parse.faq_topic if parse is not None else None
        if topic in EMERGENCY_TOPICS:
            return EMERGENCY_TOPICS[topic]
        folded = nlu.normalize(text)
        if _VIOLENCE.search(folded):
            return "violences"
        if _ROUGH.search(folded):
            return "sans_logement"
        return None

    def _emergency(self, kind: str, state: State, turn: Turn) -> None:
        _ = translator(state.locale)
        state.urgent = True
        topic = "urgence_violences" if kind == "violences" else "urgence_sans_logement"
        answer = self.content.answer(topic, state.locale)
        turn.replies.append(Reply(self._emergency_numbers(kind, state)))
        if answer:
            turn.replies.append(Reply(answer))
        buttons = [Button(_("Être rappelé(e) en priorité"), payload("handoff", urgent=True))]
        if state.mode in (CHECK, SUMMARY):
            buttons.append(Button(_("Reprendre là où j'en étais"), payload("resume")))
        else:
            buttons.append(Button(_("Vérifier si je peux être aidé(e)"), payload("start_check")))
        turn.replies.append(Reply(_("Votre situation sera traitée en priorité. Que souhaitez-vous faire ?"), tuple(buttons)))

    def _emergency_numbers(self, kind: str, state: State) -> str:
        _ = translator(state.locale)
        if kind == "violences":
            return _("Si vous êtes en danger, appelez le 17 ou le 112 (ou envoyez un SMS au 114). Le 3919 écoute les victimes de violences, gratuitement et anonymement, 24h/24.")
        return _("Pour un hébergement d'urgence ce soir, appelez le 115 (gratuit, 24h/24).")

    def _adviser(self, state: State, turn: Turn, urgent: bool = False) -> None:
        _ = translator(state.locale)
        text = _("Un conseiller social vous répond au 09 70 800 800, du lundi au vendredi de 9h à 18h30 (appel non surtaxé). Vous pouvez aussi prendre rendez-vous en agence.")
        if urgent:
            text = _("Votre demande est urgente.") + " " + text
        buttons = []
        if state.mode != RESULT:
            text += " " + _("Si vous le souhaitez, je peux d'abord vérifier avec vous si le service peut vous aider : votre demande arrivera alors complète.")
            buttons.append(Button(_("Vérifier si je peux être aidé(e)"), payload("start_check")))
        if state.mode in (CHECK, SUMMARY):
            buttons.append(Button(_("Reprendre là où j'en étais"), payload("resume")))
        buttons.append(Button(_("Poser une question"), payload("ask_question")))
        turn.replies.append(Reply(text, tuple(buttons)))

    def _status(self, state: State, reference: str | None = None) -> Reply:
        _ = translator(state.locale)
        status = self.handoff.status(reference, state.address) if (self.handoff and reference) else None
        if status is None:
            return Reply(_("Je ne trouve aucune demande transmise depuis cette conversation. Pour un dossier suivi par un conseiller, contactez votre interlocuteur habituel ou le 09 70 800 800."),
                         self._menu(state).buttons)
        label = {
            "new": _("reçue, en attente d'un conseiller"), "claimed": _("prise en charge par un conseiller"),
            "contacted": _("un conseiller vous a contacté(e)"), "closed": _("close"), "withdrawn": _("annulée à votre demande"),
        }[status.value]
        buttons = (Button(_("Annuler ma demande"), payload("withdraw")),) if status.value in ("new", "claimed", "contacted") else ()
        return Reply(_("Votre demande {reference} : {status}.", reference=reference, status=label), buttons + self._menu(state).buttons)

    def _ask_human(self, state: State, turn: Turn, urgent: bool = False) -> None:
        if self.handoff is not None and (urgent or state.urgent or state.last_outcome is not None):
            self._handoff_start(state, turn, urgent=urgent)
        else:
            self._adviser(state, turn, urgent=urgent)

    def _withdraw_prompt(self, state: State, turn: Turn) -> None:
        _ = translator(state.locale)
        if not (self.handoff and state.case_reference):
            turn.replies.append(self._status(state, None))
            return
        turn.replies.append(Reply(_("Voulez-vous vraiment annuler votre demande {reference} ?", reference=state.case_reference),
                                  (Button(_("Oui, annuler ma demande"), payload("withdraw_confirm")), Button(_("Non"), payload("menu")))))

    def _withdraw(self, state: State, turn: Turn) -> None:
        _ = translator(state.locale)
        if self.handoff and state.case_reference and self.handoff.withdraw(state.case_reference, state.address):
            turn.replies.append(Reply(_("Votre demande {reference} est annulée. Vous pouvez en faire une nouvelle quand vous voulez.", reference=state.case_reference)))
        else:
            turn.replies.append(self._status(state, state.case_reference))

    def _language(self, wanted: str, state: State, turn: Turn) -> None:
        if wanted not in SUPPORTED:
            wanted = "en" if state.locale == "fr" else "fr"
        state.locale = wanted
        _ = translator(state.locale)
        turn.replies.append(Reply(_("Je continue en français.")))
        self._reask(state, turn)

    def _export(self, state: State, turn: Turn) -> None:
        """Right of access: everything this conversation and its request hold, shown to the person."""
        _ = translator(state.locale)
        lines = [_("Voici les données que nous détenons sur vous :")]
        for fact in state.answered:
            if fact in state.facts or (fact == "housing_location" and "postcode" in state.facts):
                lines.append("• " + _("{name} : {value}", name=self._fact_name(fact, state), value=self._value_label(fact, state)))
        data = self.handoff.export(state.case_reference, state.address) if (self.handoff and state.case_reference) else None
        if data:
            c = data["contact"]
            lines.append(_("Votre demande {reference} ({status}) : {name}, {phone}, {email}, {postcode}.",
                           reference=data["reference"], status=data["status"], name=c["name"], phone=c["phone"],
                           email=c["email"] or "-", postcode=c["postcode"]))
            lines.append(_("Notes du conseiller : {n} ; messages : {m}.", n=len(data["notes"]), m=len(data["messages"])))
        if len(lines) == 1:
            lines.append(_("Rien pour l'instant : vous n'avez donné aucune réponse."))
        lines.append(_("Vous pouvez tout effacer avec « effacer mes données »."))
        turn.replies.append(Reply("\n".join(lines), (Button(_("Effacer mes données"), payload("erase_data")),)))

    def _erase_prompt(self, state: State) -> Reply:
        _ = translator(state.locale)
        return Reply(_("Voulez-vous effacer toute cette conversation et vos réponses ? C'est définitif."),
                     (Button(_("Oui, tout effacer"), payload("erase_confirm")), Button(_("Non, continuer"), payload("resume"))))

    def _erase(self, state: State, turn: Turn) -> None:
        _ = translator(state.locale)
        locale = state.locale
        now = dt.datetime.now()
        if self.handoff and state.case_reference:
            self.handoff.erase(state.case_reference, state.address)
        turn.erase = True
        turn.replies.append(Reply(_("C'est fait : votre conversation et vos réponses ont été effacées le {date} à {time}. Vous pouvez recommencer quand vous voulez.",
                                    date=format_date(now.date(), locale), time=now.strftime("%H:%M"))))
        fresh = State(locale=locale, greeted=True, address=state.address)
        state.__dict__.update(fresh.__dict__)

    # --- fixed messages -------------------------------------------------------------------------

    def _greeting(self, state: State) -> Reply:
        _ = translator(state.locale)
        text = _("Bonjour, je suis l'assistant du service d'accompagnement social d'Action Logement pour les salariés en difficulté de logement : je réponds à vos questions, vérifie si le service peut vous aider et transmets votre demande à un conseiller.\nC'est gratuit et confidentiel : votre employeur n'est jamais informé. Vos données : {url}",
                 url=self.privacy_url)
        return Reply(text, self._menu(state).buttons)

    def _menu(self, state: State) -> Reply:
        _ = translator(state.locale)
        return Reply(_("Que souhaitez-vous faire ?"), (
            Button(_("Poser une question"), payload("ask_question")),
            Button(_("Vérifier si je peux être aidé(e)"), payload("start_check")),
            Button(_("Parler à un conseiller"), payload("ask_human")),
        ))

    def _help(self, state: State) -> Reply:
        _ = translator(state.locale)
        other = "en" if state.locale == "fr" else "fr"
        return Reply(_("Écrivez votre question avec vos mots, ou utilisez les boutons. Commandes : recommencer, parler à un conseiller, changer de langue, effacer mes données."), (
            Button(_("Recommencer"), payload("restart")),
            Button(_("Parler à un conseiller"), payload("ask_human")),
            Button(_("English") if other == "en" else "Français", payload("language", locale=other)),
            Button(_("Voir mes données"), payload("export")),
            Button(_("Effacer mes données"), payload("erase_data")),
        ))
