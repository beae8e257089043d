"""The facts a person gives about their situation, checked before any rule sees them."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

SITUATIONS = ("salarie", "demandeur_emploi", "retraite", "independant", "autre")
SECTORS = ("prive_non_agricole", "agricole", "public")
CONTRACTS = ("cdi", "cdd", "interim", "autre")
# "pending": the home was hit, but the order recognising the disaster is not published yet, or
# the person does not know whether it is.
DISASTERS = ("none", "catnat", "technologique", "pending")
# "etranger": anywhere outside metropolitan France and the DROM, the overseas collectivities
# (Saint-Martin, Saint-Barthélemy, Saint-Pierre-et-Miquelon, the Pacific) included.
LOCATIONS = ("metropole", "drom", "etranger")
# The answer "je ne sais pas" to a question of fact: known to be unknown, for an adviser to
# settle. Accepted for the facts below only.
UNSURE = "unsure"
UNSURE_FACTS = ("sector", "company_size", "contract_months", "months_since_job_end")
OCCUPANCIES = ("locataire", "sous_locataire", "proprietaire", "accedant", "heberge", "sans_logement")
DIFFICULTIES = (
    "impayes_loyer", "impayes_pret", "charges_copro", "surendettement", "separation",
    "violences", "deces", "maladie", "invalidite", "perte_emploi", "sinistre",
    "precarite_energetique", "expulsion", "saisie", "sans_logement",
    "recherche_logement_seule", "autre",
)

# DROM: Guadeloupe 971, Martinique 972, Guyane 973, La Réunion 974, Mayotte 976. Two postcodes
# under 971 are not Guadeloupe's: Saint-Barthélemy (97133) and Saint-Martin (97150) are overseas
# collectivities since 2007, like Saint-Pierre-et-Miquelon (975) and the Pacific (98x); 980xx is
# Monaco.
_DROM_PREFIXES = ("971", "972", "973", "974", "976")
_COLLECTIVITIES_UNDER_971 = ("97133", "97150")
_POSTCODE = re.compile(r"^\d{5}$")


class FactsError(ValueError):
    """Facts that cannot be assessed; the message says which fact and why, for a person to read."""


@dataclass(frozen=True)
class Facts:
    situation: str | None = None
    sector: str | None = None  # for a job seeker, the former employer's
    company_size: int | str | None = None  # a number, or UNSURE; for a job seeker, the former employer's
    contract: str | None = None
    contract_months: float | str | None = None  # a number, or UNSURE
    months_since_job_end: float | str | None = None  # a number, or UNSURE
    disaster: str | None = None
    housing_location: str | None = None
    postcode: str | None = None
    occupancy: str | None = None
    difficulties: tuple[str, ...] | None = field(default=None)

    def known(self) -> dict[str, Any]:
        """The facts given, as plain JSON-ready values."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @property
    def location(self) -> str | None:
        """Where the home is, stated or implied by the postcode."""
        if self.housing_location is not None:
            return self.housing_location
        if self.postcode is not None:
            return location_of_postcode(self.postcode)
        return None


FACT_NAMES = tuple(f.name for f in fields(Facts))


def location_of_postcode(postcode: str) -> str:
    if postcode in _COLLECTIVITIES_UNDER_971:
        return "etranger"
    if postcode.startswith(_DROM_PREFIXES):
        return "drom"
    if postcode.startswith(("97", "98", "00", "96", "99")):
        return "etranger"
    return "metropole"


def _choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise FactsError(f"{name}: {value!r} is not one of {', '.join(allowed)}")
    return value


def _number(name: str, value: Any, *, integer: bool = False) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FactsError(f"{name}: expected a number or {UNSURE!r}, got {value!r}")
    if value != value or value in (float("inf"), float("-inf")):
        raise FactsError(f"{name}: expected a finite number, got {value!r}")
    if value < 0:
        raise FactsError(f"{name}: must not be negative, got {value!r}")
    if integer:
        if value != int(value):
            raise FactsError(f"{name}: expected a whole number, got {value!r}")
        return int(value)
    return value


def parse_facts(raw: Mapping[str, Any] | Facts) -> Facts:
    """Check raw facts (from JSON or the conversation) and return them typed.

    Unknown names, wrong types, unknown values and negative numbers raise FactsError;
    `null` means "not known yet", like an absent fact.
    """
    if isinstance(raw, Facts):
        return raw
    if not isinstance(raw, Mapping):
        raise FactsError("facts must be a JSON object")
    key = _key(raw)
    facts = _PARSED.get(key) if key is not None else None
    if facts is None:
        facts = _parse(raw)
        if key is not None:
            if len(_PARSED) >= 4096:
                _PARSED.clear()
            _PARSED[key] = facts
    return facts


# A conversation's facts are checked several times a message, and the same few hundred
# combinations come back in every conversation: the typed facts are kept, by value and type
# (True == 1 and 10 == 10.0 in Python, and each must still be checked as itself).
_PARSED: dict[tuple[Any, ...], Facts] = {}


def _key(raw: Mapping[str, Any]) -> tuple[Any, ...] | None:
    items = []
    for name, value in raw.items():
        if isinstance(value, list):
            value = (list, *((type(v), v) for v in value))
        items.append((name, type(value), value))
    key = tuple(items)
    try:
        hash(key)
    except TypeError:  # a dict or another unhashable value: checked (and refused) every time
        return None
    return key


def _parse(raw: Mapping[str, Any]) -> Facts:
    unknown = sorted(set(raw) - set(FACT_NAMES))
    if unknown:
        raise FactsError(f"unknown fact {unknown[0]!r}; known facts: {', '.join(FACT_NAMES)}")
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if value is None:
            continue
        if value == UNSURE and name in UNSURE_FACTS:
            values[name] = UNSURE
        elif name == "situation":
            values[name] = _choice(name, value, SITUATIONS)
        elif name == "sector":
            values[name] = _choice(name, value, SECTORS)
        elif name == "contract":
            values[name] = _choice(name, value, CONTRACTS)
        elif name == "disaster":
            values[name] = _choice(name, value, DISASTERS)
        elif name == "housing_location":
            values[name] = _choice(name, value, LOCATIONS)
        elif name == "occupancy":
            values[name] = _choice(name, value, OCCUPANCIES)
        elif name == "company_size":
            values[name] = _number(name, value, integer=True)
        elif name in ("contract_months", "months_since_job_end"):
            values[name] = _number(name, value)
        elif name == "postcode":
            if not isinstance(value, str) or not _POSTCODE.match(value.strip()):
                raise FactsError("postcode: expected five digits")
            values[name] = value.strip()
        elif name == "difficulties":
            if isinstance(value, str) or not isinstance(value, (list, tuple)):
                raise FactsError("difficulties: expected a list")
            values[name] = tuple(dict.fromkeys(_choice(name, v, DIFFICULTIES) for v in value))
    facts = Facts(**values)
    if facts.housing_location and facts.postcode:
        implied = location_of_postcode(facts.postcode)
        if implied != facts.housing_location:
            raise FactsError(
                f"postcode and housing_location disagree: the postcode is in {implied}"
            )
    return facts
