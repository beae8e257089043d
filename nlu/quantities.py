"""Numbers as people write them -- in digits, in words ("une trentaine", "deux ans et demi"),
approximately ("moins de 10") -- and what they count in a message: a company's size, a
contract's length (nlu/job_end.py reads the months since a job ended). Works on folded text (`normalize`)."""
from __future__ import annotations

import re
from collections.abc import Callable

from .project import normalize

# --- numbers -------------------------------------------------------------------------------------

WORD_NUMBERS = {
    "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9, "dix": 10,
    "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16, "vingt": 20, "trente": 30,
    "quarante": 40, "cinquante": 50, "soixante": 60, "quatrevingt": 80, "quatrevingts": 80,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
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
_DIGITS = re.compile(r"\d{1,3}(?:[ \u202f.,]\d{3})+(?![\d.,])|\d+(?:[.,]\d+)?")
_LESS = re.compile(r"\b(moins de|moins d'|less than|fewer than|under|<)\s*$")
_MORE = re.compile(r"\b(plus de|plus d'|more than|over|au-dela de|>)\s*$")
_HALF = re.compile(r"\s*(ans?|annees?|mois|years?|months?)?\s*(et demie?|and a half)\b")


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
            if (
                following in APPROXIMATE
                or following in _MULTIPLIERS
                or not (_UNITS.match(following) or len(tokens) == 1)
            ):
                continue
            value = 1.0
        elif word in WORD_NUMBERS or word in _MULTIPLIERS:
            value, j = 0.0, i
            while j < len(tokens) and (
                tokens[j][0] in WORD_NUMBERS or tokens[j][0] in _MULTIPLIERS or tokens[j][0] == "et"
            ):
                token = tokens[j][0]
                if token in _MULTIPLIERS:
                    value = max(value, 1.0) * _MULTIPLIERS[token]
                elif token != "et":
                    value += WORD_NUMBERS[token]
                j += 1
        else:
            continue
        if re.search(r"\b(et demie?|and a half)\b", " ".join(t for t, _ in tokens[i + 1 : i + 5])):
            value += 0.5
        return value, start
    return None


def number(text: str) -> float | None:
    """The first number in the text, in digits or words; "moins de 10" -> just under 10."""
    folded = normalize(text).replace("\u202f", " ")
    only_digits = re.fullmatch(r"[\d\s]+", folded) is not None
    match = _DIGITS.search(folded.replace(" ", "") if only_digits else folded)
    value: float | None = None
    prefix = ""
    if match:
        digits = match.group()
        value = float(
            re.sub(r"[ \u202f.,]", "", digits)
            if re.fullmatch(r"\d{1,3}(?:[ \u202f.,]\d{3})+", digits)
            else digits.replace(",", ".")
        )
        prefix = "" if only_digits else folded[: match.start()]
        if not only_digits and _HALF.match(folded[match.end() :]):
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


def months(text: str) -> float | None:
    """A length in months, whatever the unit it is given in."""
    value = number(text)
    if value is None:
        return None
    folded = normalize(text)
    if re.search(r"\b(ans?|annees?|years?|yrs?)\b", folded):
        return value * 12
    if re.search(r"\b(semaines?|sem|weeks?|wks?)\b", folded):
        return round(value / 4.33, 1)
    if re.search(r"\b(jours?|j|days?)\b", folded):  # "10 j" in SMS
        return round(value / 30, 1)
    return value


# A company described by its size rather than counted: a large one is above every threshold.
BIG_COMPANY = 250
BIG = re.compile(
    r"\b(grosses?|grandes?) (boites?|entreprises?|societes?|agences?|groupes?|structures?)\b|\bgrand "
    r"groupe\b"
    r"|\bmultinationale\b|\b(big|large|huge) (company|firm|employer|agency|group)\b|\bmultinational\b"
)
SMALL = re.compile(r"\b(pme|tpe|petites? (boites?|entreprises?|societes?|structures?)|small (company|business|firm))\b")


# --- sizes and lengths in context ----------------------------------------------------------------

_QUANTITY = (
    r"(?:(?:moins de|plus de|environ|env|about|around|over|some|pres de|a peu pres|une|un|a|an|d'une|d'un|d "
    r"une|d un)\s+)?"
    r"(?:\d[\d\s,.]*\d|\d|[a-z]+(?:[ -][a-z]+){0,2})"
)
_SIZE = re.compile(
    rf"(?:\b(?:entreprise|boite|societe|pme|agence|structure|company|firm|business|employer|restaurant|hotel|usine"
    rf"|supermarche|magasin|exploitation|domaine|cabinet|association)\b[^.;,]{{0,25}}?\b(?:de|d'|of|with|avec|have|has|employs"
    rf"|emploie|compte)\s*({_QUANTITY})"
    rf"\s*(?:salaries?|employes?|personnes?|employees?|people|staff|workers?|collaborateurs|agents)?"
    rf"|({_QUANTITY})\s*(?:de "
    r"|d')?(?:salaries?|employes?|personnes|pers\b|employees?|people|staff|workers?|collaborateurs|gars"
    rf"|collegues)"
    rf"|\b(?:on est|on etait|nous sommes|we are|there are)\s+({_QUANTITY})\b(?!\s*(?:ans|mois|years))"
    rf")"
)
_LENGTH = re.compile(
    r"\b(?:cdd|contrat|mission|missions|interim|contract|assignment|saison|placement)\b[^.;]{0,30}?\b(?:de|d'|d(?= "
    r")|of|for|sur|is|was)\s*"
    r"(?!depuis)((?:\d+(?:[.,]\d+)?|[a-z]+(?:[ "
    r"-][a-z]+)?)\s*(?:mois|semaines?|sem\b|ans?|annees?|jours?|months?|weeks?|years?|days?)"
    r"(?:\s*et demie?|\s*and a half)?)"
    r"|\b((?:\d+|[a-z]+)[ -](?:month|week|year|day))[ -](?:[a-z-]+ ){0,2}(?:contract|mission|assignment|placement)"
    r"|\b(?:contrat|contract|mission|assignment)\s+(?:cdd\s+|interim\s+)?((?:\d+|[a-z]+)\s*(?:mois|semaines?|ans?|months?|weeks?|years?))\b"
)


def company_size(text: str, folded: str | None = None) -> float | None:
    folded = normalize(text) if folded is None else folded
    folded = re.sub(r"\bd (une?)\b", r"d'\1", folded)  # SMS "d une centaine"
    folded = re.sub(r"\b(\d+)aine\b", r"\1", folded)  # "une 50aine"
    if BIG.search(folded):
        return BIG_COMPANY
    for match in _SIZE.finditer(folded):
        said = next(g for g in match.groups() if g)
        if said.strip() in _ARTICLES:
            continue  # "on est une équipe": no number
        value = number(said)
        if value is not None and value >= 1:
            return value
    if SMALL.search(folded):
        return None  # "une PME": which side of 10? Asked, not guessed.
    return None


def _first(pattern: re.Pattern[str], folded: str, convert: Callable[[str], float | None]) -> float | None:
    match = pattern.search(folded)
    if not match:
        return None
    return convert(next(g for g in match.groups() if g))


def contract_length(folded: str) -> float | None:
    """A contract's or a mission's length, in months ("un CDD de six semaines": 1.5)."""
    return _first(_LENGTH, folded, months)
