"""People in danger see the emergency numbers at once, whatever they were doing: violence, or no
home tonight. The NLU's emergency topics, and a safety net of words under it."""
from __future__ import annotations

import re
from typing import Any

import nlu
from nlu import extract

from ..i18n import translator
from ..replies import Button, Reply, payload
from ..state import CHECK, SUMMARY, State
from .base import Services, Turn, registry

EMERGENCY_TOPICS = nlu.DANGER_TOPICS
# A safety net under the NLU: words that must show the emergency numbers even when the model
# is unsure. Matched on the accent-folded, lower-cased text.
VIOLENCE = re.compile(
    r"\b((me|m'|la|l'|le|les|nous|te|t') "
    r"?(frappe|frappait|frappent|bat|battait|tape|tapait|tabasse|cogne|etrangle|menace)"
    r"|(m'|l'|nous|m|l) ?a (\w+ ){0,3}(frap+ee?|battue?|tapee?|tabassee?|cognee?|etranglee?|menacee?)"
    r"|(se fait|se faisait) (frapper|battre|taper|tabasser)|frap+(e|es|ent|ait|aient|ee|er)?(?! a la porte)"
    r"|battue?s?|violences? conjugales?|violences? (intra)?familiales?|(est|etait|devient|sont) violente?s?"
    r"|(plus en plus|tres|trop|devenue?|montre|se montre) violente?s?|menace (avec|d'?un) (un )?(couteau|arme)|s'en "
    r"prend a (moi|elle|lui|ma|sa)"
    r"|en danger|menace de mort|peur pour (ma|sa|leur) vie|(il|elle) va (me|la|le|nous) tuer|harcele|harcelement"
    r"|beats? (me|her|him)|hits? (me|her|him)|(is|was|gets) (beaten|hit)|domestic (violence|abuse)|violent "
    r"(partner|husband|wife)"
    r"|i'?m in danger|(she|he)'?s in danger|afraid for (my|her|his) life|abusive (partner|husband|wife|relationship))\b"
)
ROUGH = re.compile(
    r"\b(dor(s|t|ment|mir) (dans (ma|sa|leur|la|une) voiture|dans la rue|dehors)|a la rue|sans[- ]abri|sdf|nulle part "
    r"ou dormir"
    r"|sans (domicile|logement|toit)|pas de (toit|logement|domicile)|plus de (toit|logement)|a la porte ce soir"
    r"|sleeping rough|sleep(s|ing)? in (my|his|her|their|a) car|on the street|nowhere to sleep|homeless"
    r"|ou (je vais|on va|nous allons|dormir|aller|passer la nuit)[^.?!]{0,20}(ce soir|cette nuit)|nul(le)? part "
    r"(ou|pour|pr) [^.?!]{0,12}ce soir"
    r"|dehors (ce soir|cette nuit)|where (to|will (i|we|they|he|she)) sleep tonight|nowhere to (go|stay) tonight)\b"
)

def kinds_of(parse: nlu.Parse | None, text: str) -> list[str]:
    """The dangers a message reveals, "violences" and/or "sans_logement": the model's topic, and
    the words (a woman beaten who has nowhere to sleep tonight needs 115 as well as 3919)."""
    topic = parse.faq_topic if parse is not None else None
    folded = extract.events_strike(nlu.normalize(text))  # a flood "qui a frappé" is no violence
    found = {EMERGENCY_TOPICS[topic]} if topic in EMERGENCY_TOPICS else set()
    if VIOLENCE.search(folded):
        found.add("violences")
    if ROUGH.search(folded):
        found.add("sans_logement")
    return [kind for kind in ("violences", "sans_logement") if kind in found]


def numbers(kind: str, state: State) -> str:
    _ = translator(state.locale)
    if kind == "violences":
        return _("Si vous êtes en danger, appelez le 17 ou le 112 (ou envoyez un SMS au 114). Le 3919 écoute les "
                 "victimes de violences, gratuitement et anonymement, 24h/24.")
    return _("Pour un hébergement d'urgence ce soir, appelez le 115 (gratuit, 24h/24).")


def note(kind: str, state: State) -> None:
    """The danger is kept with the conversation: a request made later carries it in its
    situation, with its flag (VI, ALR) for the advisers, whatever the check's answers."""
    state.urgent = True
    if kind not in state.dangers:
        state.dangers.append(kind)


def warn(kinds: list[str], state: State, turn: Turn) -> None:
    """Each danger noted, and its numbers said at once."""
    for kind in kinds:
        note(kind, state)
        turn.say(Reply(numbers(kind, state)))


def respond(kinds: list[str], services: Services, state: State, turn: Turn) -> None:
    """The numbers of each danger, the FAQ's answer, then a call-back in priority or the way back."""
    _ = translator(state.locale)
    warn(kinds, state, turn)
    topic = "urgence_violences" if kinds[0] == "violences" else "urgence_sans_logement"
    answer = services.content.answer(topic, state.locale)
    if answer:
        turn.say(Reply(answer))
    buttons = [Button(_("Être rappelé(e) en priorité"), payload("handoff"))]
    if state.mode in (CHECK, SUMMARY):
        buttons.append(Button(_("Reprendre là où j'en étais"), payload("resume")))
    else:
        buttons.append(Button(_("Vérifier si je peux être aidé(e)"), payload("start_check")))
    turn.say(Reply(_("Votre situation sera traitée en priorité. Que souhaitez-vous faire ?"), tuple(buttons)))


@registry.command("danger")
def danger_ticked(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    """A danger ticked among several choices (Telegram), before they are sent: its numbers at once.
    Nothing else changes: the answer, and the urgency with it, come when the choices are sent."""
    kind = str(args.get("kind", ""))
    if kind in ("violences", "sans_logement"):
        turn.say(Reply(numbers(kind, state)))
