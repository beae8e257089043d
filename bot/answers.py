"""Understanding a free-text answer to the question being asked: entities from the NLU first
(the model's and the rules' of nlu/extract.py), then the choice labels, then what the question
itself makes an answer of (a bare number, "je ne sais pas", a place)."""
from __future__ import annotations

import re
from typing import Any

import nlu
import rules_adapter
from nlu import extract
from rules_adapter import FactsError, Question
from rules_adapter.facts import DIFFICULTIES, UNSURE

# Entities the NLU extracts, named as the rules' facts (difficulty -> difficulties).
ENTITY_FACTS = {
    "situation": "situation", "sector": "sector", "company_size": "company_size",
    "contract": "contract", "contract_months": "contract_months", "postcode": "postcode",
    "occupancy": "occupancy", "difficulty": "difficulties", "disaster": "disaster",
    "months_since_job_end": "months_since_job_end", "housing_location": "housing_location",
}
BIG_COMPANY = extract.BIG_COMPANY
# A sector as an answer to the sector question: a bare "privé" or "une entreprise" says it
# there, not in a story (where extract.py needs the kind of employer).
SECTOR_ANSWERS = {
    "public": r"\b(fonction publique|fonctionnaire|public|publique|mairie|collectivite|hopital "
    r"public|etat|state|government)\b",
    "agricole": (r"\b(agricole|agriculture|exploitation|ferme|viticole|vigne|maraich|elevage"
                 r"|farm|farming|agricultural)\b"),
    "prive_non_agricole": r"\b(prive|privee|private|entreprise|societe|boite|company|firm|business)\b",
}
NO = ("non", "no", "nope", "pas du tout", "nan")
_NOT_EMPLOYED = re.compile(
    r"\b(retraite|retired|pension|independant|auto-?entrepreneur|micro-?entrepreneur|freelance"
    r"|a mon compte|self-employed)"
)
_EMPLOYED = re.compile(
    r"\b(salarie|mi-temps|temps partiel|cumul|je travaille|j'ai un (cdi|cdd|emploi|travail|job)|en "
    r"cdi|en cdd"
    r"|interim|employe|part-time|i work|i have a job|employed)"
)
# "Je ne sais pas", and a disaster whose order is not out yet: for an adviser to settle.
_UNSURE = re.compile(
    r"\b(je (ne )?sais pas|j'?sais pas|sais pas|ne sais pas|aucune idee|pas sur|pas sure|je ne suis pas sur"
    r"|je (ne )?connais pas|inconnu|ignore|no idea|(i )?(do not|don'?t) know|not sure|unsure|dunno|idk|nsp)\b"
)
_PENDING = re.compile(
    r"\b(pas encore|en attente|attend(s|ons)? (l'|le |la )?(arrete|reconnaissance|publication)|arrete (pas|non) "
    r"(encore "
    r")?publie"
    r"|pas (encore )?reconnue?|en cours de reconnaissance|not (yet )?(recognised|recognized|published)|waiting "
    r"for|pending)\b"
)
_POSTCODE = re.compile(r"\b(\d{5})\b")


# Numbers and places: the rules read "1 200 salariés", "un CDD de six semaines" or "à Lyon"
# better than the model's spans.
_RULES_FIRST = frozenset({"company_size", "contract_months", "months_since_job_end", "housing_location"})


def _valid(fact: str, value: Any) -> bool:
    try:
        rules_adapter.parse_facts({fact: value})
    except FactsError:
        return False
    return True


def facts_from_entities(parse: nlu.Parse, text: str) -> dict[str, Any]:
    """Every fact the message states, from the model's entities and the rules' (numbers in
    words, lengths, places, a situation's words: nlu/extract.py), checked by the rules' own
    validation: a value the rules do not know is dropped."""
    if not parse.read_by_rules:
        parse = nlu.with_rules(parse, text)  # a parse that did not come through the door
    found: dict[str, Any] = {}
    by_rules: set[str] = set()  # facts already read by the rules: the whole message's reading comes first
    for entity in parse.entities:
        fact = ENTITY_FACTS.get(entity.name)
        if fact is None:
            continue
        value: Any = entity.value
        if fact == "difficulties":
            found.setdefault(fact, [])
            if value in DIFFICULTIES and value not in found[fact]:  # a model's span ("commandement") is dropped
                found[fact].append(value)
            continue
        if fact in found and (fact in by_rules or not (entity.extractor == extract.EXTRACTOR and fact in _RULES_FIRST)):
            # The first reading (the whole message's before a sentence's); the rules' over the
            # model's where they read better.
            continue
        if fact == "company_size" and not isinstance(value, (int, float)):
            number = extract.number(str(value))
            value = int(number) if number is not None else None
        elif fact == "company_size":
            value = int(value)
        elif fact == "contract_months" and not isinstance(value, (int, float)):
            value = extract.months(
                f"{value} {text}" if not re.search(r"\b(ans?|annees?|years?)\b", str(value)) else str(value)
            )
        elif fact == "postcode":
            match = _POSTCODE.search(str(value))
            value = match.group(1) if match else None
        if value is not None and _valid(fact, value):
            found[fact] = value
            if entity.extractor == extract.EXTRACTOR:
                by_rules.add(fact)
    if "postcode" in found:
        found.pop("housing_location", None)
    if not found.get("difficulties"):
        found.pop("difficulties", None)
    return found  # each value checked as it was taken (difficulties one by one)


def _label_match(text: str, question: Question) -> Any:
    folded = nlu.normalize(text)
    if not folded:
        return None
    for choice in question.choices:
        names = {nlu.normalize(choice.value.replace("_", " "))} | {
            nlu.normalize(label) for label in choice.label.values()
        }
        if folded in names or any(len(n) >= 4 and (n in folded) for n in names):
            return choice.value
    return None


def answer(question: Question, text: str, parse: nlu.Parse | None) -> dict[str, Any]:
    """The facts a free-text answer gives to `question` (empty when it answers nothing)."""
    fact = question.fact
    facts = facts_from_entities(parse, text) if parse is not None else {}
    folded = nlu.normalize(text)
    if fact == "situation" and _NOT_EMPLOYED.search(folded) and _EMPLOYED.search(folded):
        # Retired or self-employed *and* salaried (cumul emploi-retraite, a side job): it fits
        # no box, and it is not a refusal: an adviser looks at it.
        facts[fact] = "autre"
        return facts
    if fact == "months_since_job_end":
        facts.pop("contract_months", None)  # "ça fait 5 mois" is the answer, not a contract's length
    if fact in facts or (fact == "housing_location" and "postcode" in facts):
        return facts
    if fact == "contract" and _UNSURE.search(folded):
        facts[fact] = "autre"  # an adviser checks the contract
        return facts
    if fact == "disaster" and (_PENDING.search(folded) or _UNSURE.search(folded)):
        facts[fact] = "pending"
        return facts
    if _UNSURE.search(folded) and any(c.value == UNSURE for c in question.choices):
        facts[fact] = UNSURE
        return facts
    if fact == "difficulties":
        matched = [
            c.value
            for c in question.choices
            if any(len(nlu.normalize(label)) >= 4 and nlu.normalize(label) in folded for label in c.label.values())
        ]
        if matched:
            facts[fact] = matched
    elif fact == "company_size" and extract.BIG.search(folded):
        facts[fact] = BIG_COMPANY
    elif fact == "company_size" and extract.SMALL.search(folded) and extract.number(text) is None:
        facts[fact] = UNSURE  # "une PME", "une petite boîte": on which side of 10? An adviser asks.
    elif question.kind in ("integer", "number"):
        value = extract.months(text) if fact != "company_size" else extract.number(text)
        if value is not None:
            facts[fact] = int(value) if question.kind == "integer" else value
    elif fact == "housing_location":
        place = extract.location(text, folded) or (("france", None) if re.search(r"\bfrance\b", folded) else None)
        if place is not None and place[1]:
            facts["postcode"] = place[1]
        elif place is not None:
            facts[fact] = "metropole" if place[0] == "france" else place[0]
        else:
            value = _label_match(text, question)
            if value is not None:
                facts[fact] = value
    else:
        choice = _label_match(text, question)
        if choice is None and fact == "sector":
            choice = next((v for v, pattern in SECTOR_ANSWERS.items() if re.search(pattern, folded)), None)
        if choice is not None:
            facts[fact] = choice
        elif fact == "disaster" and (folded in NO or (parse and parse.intent == "deny")):
            facts[fact] = "none"
    return facts


def typed(question: Question, raw: str) -> Any:
    """A button's value as the rules expect it."""
    if raw == UNSURE:
        return raw
    if question.kind == "multi":  # one choice, or several ticked then confirmed: "impayes_loyer,violences"
        return list(dict.fromkeys(v for v in raw.split(",") if v)) or None
    if question.kind == "integer":
        return int(float(raw))
    if question.kind == "number":
        return float(raw)
    return raw


def precision(spec: dict[str, Any], text: str, parse: nlu.Parse | None) -> tuple[str | None, dict[str, Any]] | None:
    """The choice and facts a free-text precision gives (a choice's words, or what the NLU
    extracted of the same facts, without a choice), None when it fits none."""
    folded = nlu.normalize(text)
    for key, choice in spec["choices"].items():
        if any(nlu.normalize(word) in folded for word in choice.get("words") or ()):
            return key, dict(choice["facts"])
    if parse is not None:
        found = facts_from_entities(parse, text)
        wanted = {name for choice in spec["choices"].values() for name in choice["facts"]}
        given = {k: v for k, v in found.items() if k in wanted}
        if given.get("situation") not in (None, "autre") or "contract" in given:
            given.setdefault("situation", "salarie")
            return None, given
    return None
