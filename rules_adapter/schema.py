"""The shape of the rule files, questions.yml and texts.yml, checked at load and by
`assistant content check`: unknown keys, missing sources, a refusal without its seed line, a
sentence missing in one language. Each problem names the file and the key."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft7Validator

from .facts import CONTRACTS, DIFFICULTIES, DISASTERS, LOCATIONS, OCCUPANCIES, SECTORS, SITUATIONS, UNSURE_FACTS

LOCALES = ("fr", "en")
LEVELS = ("met", "to_confirm", "not_met")
# The facts the check asks, in asking order (the engine asks them in this order).
QUESTION_FACTS = (
    "difficulties", "situation", "sector", "company_size", "contract", "contract_months",
    "months_since_job_end", "disaster", "housing_location",
)


@dataclass(frozen=True)
class Problem:
    file: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key or '(top)'}: {self.message}"


def _strict(properties: dict[str, Any], required: Iterable[str] | None = None) -> dict[str, Any]:
    """An object with exactly these keys (all required unless told otherwise)."""
    return {"type": "object", "properties": properties, "additionalProperties": False,
            "required": list(properties if required is None else required)}


def _enum_list(values: Iterable[str]) -> dict[str, Any]:
    return {"type": "array", "items": {"enum": list(values)}, "uniqueItems": True}


_TEXT = {"type": "string", "minLength": 1}
_SOURCE = _strict({"document": {"type": "string", "pattern": r"^\d{3} \S"}, "section": _TEXT})
_REFUSAL = _strict({"document": {"type": "string", "pattern": r"^\d{3} \S"}, "section": _TEXT, "quote": _TEXT})
_SOURCES = {"type": "array", "items": _SOURCE, "minItems": 1}
_REFUSALS = {"type": "object", "additionalProperties": _REFUSAL}
_SIZES = _strict(
    {"prive_non_agricole": {"type": "integer", "minimum": 1}, "agricole": {"type": "integer", "minimum": 1}}
)
_NOT_A_REFUSAL = {"enum": ["met", "to_confirm"]}  # where the seeds are silent, never "not_met"

RULES_SCHEMA = _strict(
    {
        "version": _TEXT,
        "applies_from": {},  # a YAML date, checked by the loader
        "title": _TEXT,
        "criteria": _strict(
            {
                "situation": _strict(
                    {
                        "routes": _strict(
                            {"salarie": {"const": "employee"}, "demandeur_emploi": {"const": "job_seeker"}}
                        ),
                        "not_covered": _enum_list(
                            s for s in SITUATIONS if s not in ("salarie", "demandeur_emploi", "autre")
                        ),
                        "otherwise": _NOT_A_REFUSAL,
                        "refusals": _REFUSALS,
                        "sources": _SOURCES,
                    },
                    required=("routes", "not_covered", "otherwise", "sources"),
                ),
                "employer": _strict(
                    {
                        "min_size": _SIZES,
                        "excluded_sectors": _enum_list(SECTORS),
                        "refusals": _REFUSALS,
                        "sources": _SOURCES,
                    },
                    required=("min_size", "excluded_sectors", "refusals", "sources"),
                ),
                "contract": _strict(
                    {
                        "min_months": {"type": ["number", "null"], "exclusiveMinimum": 0},
                        "under_min": _strict({"cdd": {"enum": list(LEVELS)}, "interim": {"enum": list(LEVELS)}}),
                        "other": _NOT_A_REFUSAL,
                        "refusals": _REFUSALS,
                        "sources": _SOURCES,
                    },
                    required=("min_months", "other", "sources"),
                ),
                "job_seeker": _strict(
                    {
                        "max_months_since_job_end": {"type": "number", "exclusiveMinimum": 0},
                        "former_employer_min_size": _SIZES,
                        "excluded_sectors": _enum_list(SECTORS),
                        "outcome": _NOT_A_REFUSAL,
                        "refusals": _REFUSALS,
                        "sources": _SOURCES,
                    }
                ),
                "disaster": _strict(
                    {"any_employee": {"type": "boolean"}, "pending": _NOT_A_REFUSAL, "sources": _SOURCES},
                    required=("any_employee", "sources"),
                ),
                "housing_location": _strict(
                    {
                        "allowed": _enum_list(LOCATIONS),
                        "outside": {"enum": list(LEVELS)},
                        "refusals": _REFUSALS,
                        "sources": _SOURCES,
                    },
                    required=("allowed", "outside", "sources"),
                ),
                "occupancy": _strict({"allowed": _enum_list(OCCUPANCIES), "sources": _SOURCES}),
                "difficulty": _strict(
                    {
                        "covered": _enum_list(DIFFICULTIES),
                        "redirect_only": _enum_list(DIFFICULTIES),
                        "refusals": _REFUSALS,
                        "sources": _SOURCES,
                    },
                    required=("covered", "redirect_only", "sources"),
                ),
                "urgency": _strict(
                    {
                        "difficulties": _enum_list(DIFFICULTIES),
                        "occupancy": _enum_list(OCCUPANCIES),
                        "disasters": _enum_list(d for d in DISASTERS if d != "none"),
                        "sources": _SOURCES,
                    }
                ),
            }
        ),
    }
)


def _required_refusals(criteria: dict[str, Any]) -> dict[str, set[str]]:
    """Every way each criterion can say "no" under this file's values: each needs its seed line."""
    c = criteria
    needed: dict[str, set[str]] = {name: set() for name in c}
    needed["situation"] = set(c["situation"].get("not_covered") or ())
    needed["employer"] = {"size"} | ({"excluded_sector"} if c["employer"].get("excluded_sectors") else set())
    if "not_met" in (c["contract"].get("under_min") or {}).values():
        needed["contract"] = {"short"}
    needed["job_seeker"] = {"too_long", "former_employer"}
    if c["housing_location"].get("outside") == "not_met":
        needed["housing_location"] = {"outside"}
    if c["difficulty"].get("redirect_only"):
        needed["difficulty"] = {"redirect"}
    return needed


def _path(parts: Iterable[Any]) -> str:
    return ".".join(str(p) for p in parts)


def check_rule_data(data: Any, file: str) -> list[Problem]:
    """Problems of one rule file's parsed YAML (an empty list when it is sound)."""
    if not isinstance(data, dict):
        return [Problem(file, "", "a rule file is a mapping with version, applies_from, title and criteria")]
    problems = [
        Problem(file, _path(e.absolute_path), e.message)
        for e in sorted(Draft7Validator(RULES_SCHEMA).iter_errors(data), key=lambda e: list(e.absolute_path))
    ]
    if problems:
        return problems
    criteria = data["criteria"]
    for name, keys in _required_refusals(criteria).items():
        given = set(criteria[name].get("refusals") or {})
        for key in sorted(keys - given):
            problems.append(
                Problem(
                    file,
                    f"criteria.{name}.refusals.{key}",
                    "this criterion can refuse here: quote the seed line it rests on",
                )
            )
        for key in sorted(given - keys):
            problems.append(
                Problem(file, f"criteria.{name}.refusals.{key}", "unknown refusal (this criterion never refuses so)")
            )
    contract = criteria["contract"]
    if contract.get("min_months") is not None and "under_min" not in contract:
        problems.append(Problem(file, "criteria.contract.under_min", "required when min_months is set"))
    if criteria["disaster"]["any_employee"] and "pending" not in criteria["disaster"]:
        problems.append(Problem(file, "criteria.disaster.pending", "required when any_employee is true"))
    return problems


# --- questions.yml ---------------------------------------------------------------------------

_LOCALIZED = _strict({lang: _TEXT for lang in LOCALES})
_CHOICES = {"type": "object", "minProperties": 1, "additionalProperties": _LOCALIZED}
_FACT_VALUE = {"type": ["string", "number", "boolean"]}
_QUESTION = _strict(
    {
        "kind": {"enum": ["choice", "multi", "integer", "number"]},
        "name": _LOCALIZED,
        "text": _LOCALIZED,
        "variants": {
            "type": "array",
            "items": _strict(
                {
                    "when": {"type": "object", "minProperties": 1, "additionalProperties": _FACT_VALUE},
                    "name": _LOCALIZED,
                    "text": _LOCALIZED,
                },
                required=("when", "text"),
            ),
        },
        "why": _LOCALIZED,
        "choices": _CHOICES,
        "buckets": {"type": "object", "minProperties": 1, "additionalProperties": _LOCALIZED},
        "unsure": _LOCALIZED,
        "hint": _LOCALIZED,
        "precision": _strict(
            {
                "when": {"type": "string"},
                "text": _LOCALIZED,
                "hint": _LOCALIZED,
                "choices": {
                    "type": "object",
                    "minProperties": 1,
                    "additionalProperties": _strict(
                        {
                            "label": _LOCALIZED,
                            "facts": {"type": "object", "minProperties": 1, "additionalProperties": _FACT_VALUE},
                            "words": {"type": "array", "items": _TEXT},
                        },
                        required=("label", "facts"),
                    ),
                },
            }
        ),
    },
    required=("kind", "name", "text", "why", "hint"),
)
QUESTIONS_SCHEMA = _strict({fact: _QUESTION for fact in QUESTION_FACTS})

# The values each question's buttons may carry: every value the rules know, no other.
_CHOICE_VALUES = {
    "difficulties": DIFFICULTIES,
    "situation": SITUATIONS,
    "sector": SECTORS,
    "contract": CONTRACTS,
    "disaster": DISASTERS,
    "housing_location": LOCATIONS,
}
_BUCKETS = {
    "company_size": {"below", "between", "at_least"},
    "contract_months": {"below", "at_least"},
    "months_since_job_end": {"at_most", "above"},
}


def check_question_data(data: Any, file: str) -> list[Problem]:
    problems = [
        Problem(file, _path(e.absolute_path), e.message)
        for e in sorted(Draft7Validator(QUESTIONS_SCHEMA).iter_errors(data), key=lambda e: list(e.absolute_path))
    ]
    if problems:
        return problems
    for fact, spec in data.items():
        values = _CHOICE_VALUES.get(fact)
        if values is not None:
            choices = spec.get("choices") or {}
            for value in sorted(set(choices) - set(values)):
                problems.append(Problem(file, f"{fact}.choices.{value}", "not a value the rules know"))
            for value in sorted(set(values) - set(choices)):
                problems.append(Problem(file, f"{fact}.choices", f"no button for the value {value!r}"))
        elif set(spec.get("buckets") or {}) != _BUCKETS[fact]:
            problems.append(Problem(file, f"{fact}.buckets", f"expected exactly {', '.join(sorted(_BUCKETS[fact]))}"))
        if "unsure" in spec and fact not in UNSURE_FACTS:
            problems.append(Problem(file, f"{fact}.unsure", "this fact takes no « je ne sais pas » answer"))
        for n, variant in enumerate(spec.get("variants") or ()):
            for name in variant["when"]:
                if name not in QUESTION_FACTS:
                    problems.append(Problem(file, f"{fact}.variants.{n}.when.{name}", "not a fact the check asks"))
        precision = spec.get("precision")
        if precision is not None and precision["when"] not in (spec.get("choices") or {}):
            problems.append(Problem(file, f"{fact}.precision.when", "not one of this question's choices"))
    return problems


# --- texts.yml ----------------------------------------------------------------------------------

# The sentences the engine says, by criterion and key: each must exist, in both languages.
REASON_KEYS = {
    "difficulty": ("met", "to_confirm", "redirect", "unknown"),
    "situation": ("met", "met_job_seeker", "not_met", "to_confirm", "unknown"),
    "employer": ("met", "not_met", "not_met_public", "to_confirm", "unknown"),
    "contract": (
        "met",
        "met_any",
        "not_met",
        "to_confirm_interim",
        "to_confirm_other",
        "to_confirm_unsure",
        "unknown",
        "unknown_length",
    ),
    "job_seeker": ("met", "to_confirm", "not_met_too_long", "not_met_former_employer", "to_confirm_unsure", "unknown"),
    "disaster": ("met", "to_confirm", "unknown"),
    "housing_location": ("met", "not_met", "to_confirm", "unknown"),
    "occupancy": ("met", "to_confirm"),
}
WHAT_WOULD_CHANGE_KEYS = (
    "situation",
    "employer_public",
    "employer",
    "contract",
    "job_seeker",
    "housing_location",
    "difficulty_redirect",
)
ORIENTATION_KEYS = (
    "rental_service",
    "asll",
    "asll_professional",
    "avdl",
    "adil",
    "ccas",
    "msa",
    "caf",
    "emergency_115",
    "emergency_violence",
    "phone_platform",
)
_ORIENTATION = _strict({"text": _LOCALIZED, "why": _LOCALIZED, "source": _SOURCE})
TEXTS_SCHEMA = _strict(
    {
        "reasons": _strict(
            {criterion: _strict({key: _LOCALIZED for key in keys}) for criterion, keys in REASON_KEYS.items()}
        ),
        "what_would_change": _strict({key: _LOCALIZED for key in WHAT_WOULD_CHANGE_KEYS}),
        "orientations": _strict({key: _ORIENTATION for key in ORIENTATION_KEYS}),
    }
)


def check_text_data(data: Any, file: str) -> list[Problem]:
    return [
        Problem(file, _path(e.absolute_path), e.message)
        for e in sorted(Draft7Validator(TEXTS_SCHEMA).iter_errors(data), key=lambda e: list(e.absolute_path))
    ]
