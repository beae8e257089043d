"""Understanding a free-text answer to the question being asked: entities from the NLU first,
then the choice labels, then numbers written in digits or words."""
from __future__ import annotations

import re
from typing import Any

import nlu
import rules_adapter
from rules_adapter import FactsError, Question
from rules_adapter.facts import UNSURE

# Entities the NLU extracts, named as the rules' facts (difficulty -> difficulties).
ENTITY_FACTS = {
    "situation": "situation", "sector": "sector", "company_size": "company_size",
    "contract": "contract", "contract_months": "contract_months", "postcode": "postcode",
    "occupancy": "occupancy", "difficulty": "difficulties", "disaster": "disaster",
}
WORD_NUMBERS = {
    "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "quinze": 15, "dix-huit": 18,
    "vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "cent": 100, "mille": 1000,
    "one": 1, "two": 2, "three": 3, "six": 6, "sixteen": 16, "seize": 16, "treize": 13, "quatorze": 14,
    "dix-sept": 17, "dix-neuf": 19, "soixante": 60, "quatrevingt": 80, "quatrevingts": 80, "eighty": 80, "sixty": 60,
    "seventy": 70, "ninety": 90, "nineteen": 19, "seventeen": 17, "fourteen": 14, "thirteen": 13, "four": 4, "five": 5, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "eighteen": 18, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "thousand": 1000,
}
# Overseas collectivities, not DROM (checked before the DROM names: "Saint-Martin, Guadeloupe").
COLLECTIVITY_NAMES = ("saint-martin", "saint martin", "st martin", "st-martin", "saint-barthelemy", "saint barthelemy",
                      "st barth", "saint-barth", "saint barth", "saint-pierre-et-miquelon", "saint pierre et miquelon",
                      "wallis", "futuna", "polynesie", "tahiti", "nouvelle-caledonie", "nouvelle caledonie", "noumea")
DROM_NAMES = ("guadeloupe", "martinique", "guyane", "reunion", "mayotte", "dom", "drom", "outre-mer", "outre mer", "overseas")
METROPOLE_NAMES = ("metropole", "metropolitaine", "hexagone", "france", "mainland", "corse", "corsica")
# A sector named by its words rather than by a button's label (folded text).
SECTOR_WORDS = {
    "public": r"\b(fonction publique|fonctionnaire|public|publique|mairie|collectivite|hopital public|etat|state|government)\b",
    "agricole": r"\b(agricole|agriculture|exploitation|ferme|viticole|vigne|maraich|elevage|farm|farming|agricultural)\b",
    "prive_non_agricole": r"\b(prive|privee|private|entreprise|societe|boite|company|firm|business)\b",
}
ABROAD_NAMES = ("etranger", "abroad", "belgique", "suisse", "espagne", "allemagne", "italie", "luxembourg",
                "monaco", "royaume-uni", "maroc", "algerie", "tunisie", "canada", "polynesie", "nouvelle-caledonie")
NO = ("non", "no", "nope", "pas du tout", "nan")
_NOT_EMPLOYED = re.compile(r"\b(retraite|retired|pension|independant|auto-?entrepreneur|micro-?entrepreneur|freelance"
                           r"|a mon compte|self-employed)")
_EMPLOYED = re.compile(r"\b(salarie|mi-temps|temps partiel|cumul|je travaille|j'ai un (cdi|cdd|emploi|travail|job)|en cdi|en cdd"
                       r"|interim|employe|part-time|i work|i have a job|employed)")
# "Je ne sais pas", and a disaster whose order is not out yet: for an adviser to settle.
_UNSURE = re.compile(
    r"\b(je (ne )?sais pas|j'?sais pas|sais pas|ne sais pas|aucune idee|pas sur|pas sure|je ne suis pas sur"
    r"|je (ne )?connais pas|inconnu|ignore|no idea|(i )?(do not|don'?t) know|not sure|unsure|dunno|idk|nsp)\b"
)
_PENDING = re.compile(
    r"\b(pas encore|en attente|attend(s|ons)? (l'|le |la )?(arrete|reconnaissance|publication)|arrete (pas|non) (encore )?publie"
    r"|pas (encore )?reconnue?|en cours de reconnaissance|not (yet )?(recognised|recognized|published)|waiting for|pending)\b"
)
# Words that name a difficulty, for when the NLU's entity extractor misses it (folded text).
DIFFICULTY_WORDS = {
    "impayes_loyer": r"\bloyers?\b|\brent\b",
    "impayes_pret": r"\b(pret|credit|emprunt) immobilier|\bmensualites?\b|\bmortgage",
    "charges_copro": r"\bcopro|\bsyndic\b|\bcondo\b|co-?ownership",
    "surendettement": r"surendett|\bdettes\b|\bdebts?\b|over-?indebted",
    "separation": r"\bsepar|\bdivorc|\brupture\b|split up|break-?up",
    "violences": r"\bviolen|\bfrappe|\babus",
    "deces": r"\bdeces\b|\bdecede|\bveu(f|ve)\b|passed away|\bdied\b|\bdeath\b|widow",
    "maladie": r"\bmalad|arret maladie|\bsick\b|\billness\b|\bcancer\b",
    "invalidite": r"\binvalid|\bhandicap|\bdisab",
    "perte_emploi": r"\blicenci|perdu (mon|son) (emploi|travail|boulot)|\bchomage\b|lost my job|laid off|unemploy",
    "sinistre": r"\bincendie\b|degats? des eaux|\binond|\btempete\b|\bcyclone\b|\bouragan\b|\btornade\b|\bsinistr"
                r"|\bfire\b|water damage|\bflood|\bstorm\b|\bhurricane\b",
    "precarite_energetique": r"\belectricite\b|\bchauffage\b|\benergie\b|\belectricity\b|\bheating\b|\benergy\b",
    "expulsion": r"\bexpuls|\bevict",
    "saisie": r"\bsaisie\b|\breposs|\bseiz",
    "sans_logement": r"sans logement|\ba la rue\b|\bhomeless\b",
}
_DIFFICULTY_PATTERNS = {k: re.compile(v) for k, v in DIFFICULTY_WORDS.items()}
# Contracts named in a sentence the entity extractor missed ("je suis intérimaire").
CONTRACT_WORDS = {
    "interim": r"\binterim|\bagence d'interim|\btemp (work|agency|worker|job)|\btemping\b",
    "cdd": r"\bcdd\b|duree determinee|fixed-term|\bseasonal\b|\bsaisonni",
    "cdi": r"\bcdi\b|duree indeterminee|permanent contract",
}
_CONTRACT_PATTERNS = {k: re.compile(v) for k, v in CONTRACT_WORDS.items()}
# A company described by its size rather than counted: a large one is above every threshold.
BIG_COMPANY = 250
_BIG = re.compile(r"\b(grosses?|grandes?) (boites?|entreprises?|societes?|agences?|groupes?|structures?)\b|\bgrand groupe\b"
                  r"|\bmultinationale\b|\b(big|large|huge) (company|firm|employer|agency|group)\b|\bmultinational\b")
_SMALL = re.compile(r"\b(pme|tpe|petites? (boites?|entreprises?|societes?|structures?)|small (company|business|firm))\b")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_POSTCODE = re.compile(r"\b(\d{5})\b")
_LESS = re.compile(r"\b(moins de|moins d'|less than|fewer than|under|<)\s*$")
_MORE = re.compile(r"\b(plus de|plus d'|more than|over|au-dela de|>)\s*$")


# "Une trentaine", "a dozen": approximate quantities, taken at their value.
APPROXIMATE = {
    "dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30, "quarantaine": 40,
    "cinquantaine": 50, "soixantaine": 60, "centaine": 100, "centaines": 200, "millier": 1000, "milliers": 2000,
    "dozen": 12, "dozens": 24, "hundreds": 200, "thousands": 2000,
}
_MULTIPLIERS = {"cent": 100, "cents": 100, "hundred": 100, "mille": 1000, "thousand": 1000}
# "Un"/"une"/"a" is a number only before a unit ("un an", "une semaine") or alone: "une grosse
# boîte" is not one employee, "une trentaine" is thirty.
_ARTICLES = ("un", "une", "a", "an")
_UNITS = re.compile(r"^(ans?|annees?|mois|semaines?|jours?|years?|months?|weeks?|days?|salaries?|employes?|personnes?"
                    r"|employees?|people|persons?|seul|seule)$")


def _words_number(folded: str) -> tuple[float, int] | None:
    """The first number written in words and where it starts: "deux cents" -> 200,
    "un an et demi" -> 1.5, "une trentaine" -> 30."""
    folded = folded.replace("quatre-vingt", "quatrevingt").replace("quatre vingt", "quatrevingt")
    tokens = [(m.group(), m.start()) for m in re.finditer(r"[a-z]+", folded.replace("-", " "))]
    for i, (word, start) in enumerate(tokens):
        following = tokens[i + 1][0] if i + 1 < len(tokens) else ""
        if word in APPROXIMATE:
            return float(APPROXIMATE[word]), start
        if word in _ARTICLES:
            if following in APPROXIMATE or following in _MULTIPLIERS:
                continue
            if _UNITS.match(following) or len(tokens) == 1:
                value = 1.0
            else:
                continue
        elif word in WORD_NUMBERS or word in _MULTIPLIERS:
            value, j = 0.0, i
            while j < len(tokens) and (tokens[j][0] in WORD_NUMBERS or tokens[j][0] in _MULTIPLIERS or tokens[j][0] == "et"):
                token = tokens[j][0]
                if token in _MULTIPLIERS:
                    value = max(value, 1.0) * _MULTIPLIERS[token]
                elif token != "et":
                    value += WORD_NUMBERS[token]
                j += 1
        else:
            continue
        rest = " ".join(t for t, _ in tokens[i + 1:i + 5])
        if re.search(r"\b(et demie?|and a half)\b", rest):
            value += 0.5
        return value, start
    return None


def _number(text: str) -> float | None:
    """The first number in the text, in digits or words; "moins de 10" -> just under 10."""
    folded = nlu.normalize(text).replace("\u202f", " ")
    match = _NUMBER.search(folded.replace(" ", "") if re.fullmatch(r"[\d\s]+", folded) else folded)
    value: float | None = None
    prefix = ""
    if match:
        value = float(match.group().replace(",", "."))
        prefix = folded[: match.start()] if not re.fullmatch(r"[\d\s]+", folded) else ""
        if re.match(r"\s*(ans?|annees?|mois|years?|months?)?\s*(et demie?|and a half)\b", folded[match.end():]):
            value += 0.5
    else:
        found = _words_number(folded)
        if found is not None:
            value, start = found
            prefix = folded[:start]
    if value is None:
        return None
    if _LESS.search(prefix):
        return max(value - 1, value / 2) if value >= 1 else value / 2
    if _MORE.search(prefix):
        return value + 1
    return value


def _months(text: str) -> float | None:
    value = _number(text)
    if value is None:
        return None
    folded = nlu.normalize(text)
    if re.search(r"\b(ans?|annees?|years?)\b", folded):
        return value * 12
    if re.search(r"\b(semaines?|weeks?)\b", folded):
        return round(value / 4.33, 1)
    if re.search(r"\b(jours?|days?)\b", folded):
        return round(value / 30, 1)
    return value


def facts_from_entities(parse: nlu.Parse, text: str) -> dict[str, Any]:
    """Every fact the message states through NLU entities (and difficulty words the entity
    extractor missed), checked by the rules' own validation: a value the rules do not know is
    dropped."""
    found: dict[str, Any] = {}
    for entity in parse.entities:
        fact = ENTITY_FACTS.get(entity.name)
        if fact is None:
            continue
        value: Any = entity.value
        if fact == "difficulties":
            found.setdefault(fact, [])
            if value not in found[fact]:
                found[fact].append(value)
            continue
        if fact == "company_size":
            number = _number(str(value))
            value = int(number) if number is not None else None
        elif fact == "contract_months":
            value = _months(f"{value} {text}" if not re.search(r"\b(ans?|annees?|years?)\b", str(value)) else str(value))
        elif fact == "postcode":
            match = _POSTCODE.search(str(value))
            value = match.group(1) if match else None
        if value is not None:
            found[fact] = value
    folded = nlu.normalize(text)
    named = [d for d, pattern in _DIFFICULTY_PATTERNS.items() if pattern.search(folded)]
    if named:  # the model's and the words': "loyer impayé depuis que j'ai perdu mon travail" is both
        found["difficulties"] = list(dict.fromkeys([*found.get("difficulties", []), *named]))
    if "contract" not in found:
        named = [c for c, pattern in _CONTRACT_PATTERNS.items() if pattern.search(folded)]
        if len(named) == 1:
            found["contract"] = named[0]
    valid = {}
    for fact, value in found.items():
        try:
            rules_adapter.parse_facts({fact: value})
        except FactsError:
            continue
        valid[fact] = value
    return valid


def _label_match(text: str, question: Question) -> Any:
    folded = nlu.normalize(text)
    if not folded:
        return None
    for choice in question.choices:
        names = {nlu.normalize(choice.value.replace("_", " "))} | {nlu.normalize(label) for label in choice.label.values()}
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
        matched = [c.value for c in question.choices
                   if any(len(nlu.normalize(l)) >= 4 and nlu.normalize(l) in folded for l in c.label.values())]
        if matched:
            facts[fact] = matched
    elif fact == "company_size" and _BIG.search(folded):
        facts[fact] = BIG_COMPANY
    elif fact == "company_size" and _SMALL.search(folded) and _number(text) is None:
        facts[fact] = UNSURE  # "une PME", "une petite boîte": on which side of 10? An adviser asks.
    elif question.kind in ("integer", "number"):
        value = _months(text) if fact != "company_size" else _number(text)
        if value is not None:
            facts[fact] = int(value) if question.kind == "integer" else value
    elif fact == "housing_location":
        match = _POSTCODE.search(folded)
        if match:
            facts["postcode"] = match.group(1)
        elif any(n in folded for n in COLLECTIVITY_NAMES):
            facts[fact] = "etranger"
        elif any(n in folded for n in DROM_NAMES):
            facts[fact] = "drom"
        elif any(n in folded for n in ABROAD_NAMES):
            facts[fact] = "etranger"
        elif any(n in folded for n in METROPOLE_NAMES):
            facts[fact] = "metropole"
        else:
            value = _label_match(text, question)
            if value is not None:
                facts[fact] = value
    else:
        value = _label_match(text, question)
        if value is None and fact == "sector":
            value = next((v for v, pattern in SECTOR_WORDS.items() if re.search(pattern, folded)), None)
        if value is not None:
            facts[fact] = value
        elif fact == "disaster" and (folded in NO or (parse and parse.intent == "deny")):
            facts[fact] = "none"
    return facts


def typed(question: Question, raw: str) -> Any:
    """A button's value as the rules expect it."""
    if raw == UNSURE:
        return raw
    if question.kind == "multi":
        return [raw]
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
