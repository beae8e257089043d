"""The handoff's questions as data: each a `Step` with its words, its buttons, how a typed answer
is read, the hint when it cannot be, and the step after it (bot/dialogue/handoff.py asks them)."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import handoff as cases
import rules_adapter

from ..i18n import date as format_date
from ..i18n import translator
from ..replies import Button, payload
from ..state import State
from .base import Services, Translator

_AMOUNT = re.compile(r"\d[\d\s\u202f.,]*")


class InvalidAnswer(ValueError):
    """A typed answer the step cannot take."""


def working_days(start: dt.date, count: int) -> list[dt.date]:
    days: list[dt.date] = []
    day = start
    while len(days) < count:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days


def valid_slot(value: str) -> bool:
    """`any`, or `YYYY-MM-DD|am` / `|pm` as the slot buttons send it (a forged one is refused)."""
    if value == "any":
        return True
    day, _, part = value.partition("|")
    try:
        dt.date.fromisoformat(day)
    except ValueError:
        return False
    return part in ("am", "pm")


def parse_amount(text: str) -> float | None:
    """An amount as people type it: "1 450", "1450,50", "1.450", "1,400" (thousands), "€1,400.50"."""
    match = _AMOUNT.search(text.replace("€", " "))
    if not match:
        return None
    raw = re.sub(r"[\s\u202f]", "", match.group()).rstrip(".,")
    if "," in raw and "." in raw:  # the last separator is the decimal one
        decimal = "," if raw.rfind(",") > raw.rfind(".") else "."
        raw = raw.replace("." if decimal == "," else ",", "").replace(",", ".")
    else:
        for separator in (",", "."):
            if separator in raw:
                # Groups of three digits are thousands ("1,400", "12.500"); otherwise a decimal part.
                raw = raw.replace(separator, "") if re.fullmatch(rf"\d{{1,3}}(\{separator}\d{{3}})+", raw) \
                    else raw.replace(",", ".")
    try:
        return float(raw)
    except ValueError:
        return None


def _amount(text: str) -> float:
    amount = parse_amount(text)
    if amount is None or amount < 0 or amount > 1_000_000:
        raise InvalidAnswer(text)
    return amount


def slot_label(value: str | None, state: State) -> str:
    _ = translator(state.locale)
    if not value or value == "any":
        return _("peu importe")
    day, part = value.split("|")
    part_label = _("matin") if part == "am" else _("après-midi")
    return f"{format_date(dt.date.fromisoformat(day), state.locale)}, {part_label}"


def safe_contact_label(value: str, state: State) -> str:
    _ = translator(state.locale)
    return {
        "yes": _("oui, à tout moment"),
        "times": _("oui, seulement au moment choisi"),
        "no": _("non : un appel au moment choisi seulement, ni SMS ni e-mail"),
    }.get(value, value)



# --- the steps ------------------------------------------------------------------------------------

Buttons = Callable[[Services, State, Translator], tuple[Button, ...]]


@dataclass(frozen=True)
class Step:
    name: str
    question: Callable[[Translator], str]
    buttons: Buttons
    next: Callable[[Any], str]  # the step after this one, from the value given
    read: Callable[[str], Any] | None = None  # a typed answer -> its value (raises on a bad one)
    invalid: Callable[[Translator], str] | None = None  # the hint when `read` cannot take it
    accepts: Callable[[str], bool] | None = None  # a button's value this step takes
    keep: Callable[[str], Any] = str  # a button's value -> what is stored
    stored: bool = True  # False: the answer only chooses the next step
    skip_to: str | None = None  # "Passer" goes there
    skip_clears: tuple[str, ...] = ()  # what a skipped answer makes meaningless
    then_compute: Callable[[dict[str, Any]], None] | None = None  # work on the draft once answered
    question_for: Callable[[State, Translator], str] | None = None  # a question that depends on the answers


def _cancel(services: Services, state: State, _: Translator) -> tuple[Button, ...]:
    return (Button(_("Annuler"), payload("cancel_handoff")),)


def _skip_or_cancel(services: Services, state: State, _: Translator) -> tuple[Button, ...]:
    return (Button(_("Passer"), payload("skip")), Button(_("Annuler"), payload("cancel_handoff")))


def _skip(services: Services, state: State, _: Translator) -> tuple[Button, ...]:
    return (Button(_("Passer"), payload("skip")),)


def _choices(name: str, *options: tuple[str, Callable[[Translator], str]]) -> Buttons:
    def buttons(services: Services, state: State, _: Translator) -> tuple[Button, ...]:
        return tuple(Button(label(_), payload("hset", field=name, value=value)) for value, label in options)
    return buttons


def _means(services: Services, state: State, _: Translator) -> tuple[Button, ...]:
    options = [("phone", _("Téléphone")), ("sms", _("SMS"))]
    if state.handoff.get("email"):
        options.append(("email", _("E-mail")))
    return tuple(Button(label, payload("hset", field="means", value=v)) for v, label in options)


def _slots(services: Services, state: State, _: Translator) -> tuple[Button, ...]:
    slots = []
    for day in working_days(services.today(), 3):
        for part, label in (("am", _("matin")), ("pm", _("après-midi"))):
            slots.append(Button(f"{format_date(day, state.locale)}, {label}",
                                payload("hset", field="slot", value=f"{day.isoformat()}|{part}")))
    if any_time_allowed(state.handoff):
        slots.append(Button(_("Peu importe"), payload("hset", field="slot", value="any")))
    return tuple(slots)


# "Pouvons-nous vous appeler ou vous écrire sans risque ? À quels moments ?", asked when the
# situation includes violence: "no" -> a call at the chosen time only (no SMS, no e-mail).
SAFE_ANYTIME, SAFE_SOMETIMES, NOT_SAFE = "yes", "times", "no"


def any_time_allowed(h: dict[str, Any]) -> bool:
    """"Peu importe" is no answer for a person who can only be reached safely at some times."""
    return h.get("safe_contact") not in (SAFE_SOMETIMES, NOT_SAFE)


def _after_safe_contact(h: dict[str, Any]) -> None:
    if h.get("safe_contact") == NOT_SAFE:
        h["means"] = "phone"


def _slot_question(state: State, _: Translator) -> str:
    if state.handoff.get("safe_contact") == NOT_SAFE:
        return _(
            "Pour votre sécurité, le conseiller vous appellera uniquement au moment que vous choisissez, sans SMS ni "
            "e-mail. En danger, appelez le 17 ou le 112 (SMS au 114) ; le 3919 vous écoute 24h/24. À quel moment "
            "pouvez-vous répondre sans risque ?"
        )
    if state.handoff.get("safe_contact") == SAFE_SOMETIMES:
        return _("À quel moment pouvez-vous répondre sans risque ? (les prochains jours ouvrés)")
    return _("Quand êtes-vous disponible ? (les prochains jours ouvrés)")


def compute_budget(h: dict[str, Any]) -> None:
    """The debt ratio and what is left to live on, from the three amounts (rules_adapter/budget.py)."""
    if not h.get("income"):
        return
    try:
        result = rules_adapter.budget(
            {"ressources": h["income"]}, {"logement": h.get("housing") or 0}, {"aides": h.get("aids") or 0}
        )
    except rules_adapter.BudgetError:
        h.pop("budget", None)
        return
    h["budget"] = {
        "income": h["income"],
        "housing": h.get("housing") or 0,
        "aids": h.get("aids") or 0,
        **result.to_dict(),
    }


def _then(step: str) -> Callable[[Any], str]:
    return lambda value: step


_AMOUNT_HINT: Callable[[Translator], str] = lambda _: _("Indiquez un montant en euros, par exemple 1 450.")  # noqa: E731

STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        Step(
            "name",
            lambda _: _("Quel nom le conseiller doit-il demander au téléphone ?"),
            _cancel,
            _then("phone"),
            read=cases.normalize_name,
            invalid=lambda _: _("Ce nom ne semble pas valide : indiquez un prénom et un nom, sans chiffres."),
        ),
        Step(
            "phone",
            lambda _: _(
                "À quel numéro de téléphone vous joindre ? (hors de France, avec l'indicatif du pays, par exemple +44)"
            ),
            _cancel,
            _then("email"),
            read=cases.normalize_phone,
            invalid=lambda _: _(
                "Ce numéro ne semble pas valide : indiquez un numéro à 10 chiffres, par exemple 06 12 34 56 78 "
                "(DROM compris), ou un numéro étranger avec l'indicatif du pays, par exemple +44 20 7946 0958."
            ),
        ),
        Step(
            "email",
            lambda _: _("Votre adresse e-mail ? (facultatif)"),
            _skip_or_cancel,
            _then("postcode"),
            read=cases.normalize_email,
            skip_to="postcode",
            invalid=lambda _: _(
                "Cette adresse e-mail ne semble pas valide, par exemple prenom.nom@exemple.fr ; vous "
                "pouvez aussi passer."
            ),
        ),
        Step(
            "postcode",
            lambda _: _(
                "Le code postal de votre logement ? Il sert à choisir l'équipe de votre région. Sans "
                "logement, indiquez celui de la commune où vous êtes."
            ),
            _cancel,
            _then("safe_contact"),
            read=cases.normalize_postcode,
            invalid=lambda _: _(
                "Ce code postal ne semble pas valide : 5 chiffres, en France métropolitaine ou dans les "
                "DROM, par exemple 75011."
            ),
        ),
        Step(
            "safe_contact",
            lambda _: _("Pouvons-nous vous appeler ou vous écrire sans risque ? À quels moments ?"),
            _choices(
                "safe_contact",
                (SAFE_ANYTIME, lambda _: _("Oui, à tout moment")),
                (SAFE_SOMETIMES, lambda _: _("Oui, à certains moments seulement")),
                (NOT_SAFE, lambda _: _("Non, ce n'est pas sûr")),
            ),
            lambda value: "slot" if value == NOT_SAFE else "means",
            accepts=lambda value: value in (SAFE_ANYTIME, SAFE_SOMETIMES, NOT_SAFE),
            then_compute=_after_safe_contact,
        ),
        Step(
            "means",
            lambda _: _("Comment préférez-vous être contacté(e) ?"),
            _means,
            _then("slot"),
            accepts=lambda value: value in ("phone", "sms", "email"),
        ),
        Step(
            "slot",
            lambda _: _("Quand êtes-vous disponible ? (les prochains jours ouvrés)"),
            _slots,
            _then("sensitive"),
            accepts=valid_slot,
            question_for=_slot_question,
        ),
        Step(
            "sensitive",
            lambda _: _(
                "Votre situation comporte des informations sensibles (santé, violences). "
                "Acceptez-vous de les transmettre au conseiller ? Sinon, seul le reste sera transmis."
            ),
            _choices(
                "sensitive",
                ("yes", lambda _: _("Oui, je les transmets")),
                ("no", lambda _: _("Non, pas ces informations")),
            ),
            _then("budget_offer"),
            accepts=lambda value: value in ("yes", "no"),
            keep=lambda value: value == "yes",
        ),
        Step(
            "budget_offer",
            lambda _: _(
                "Voulez-vous indiquer votre budget mensuel (ressources, loyer ou prêt, aides) ? "
                "C'est facultatif ; cela aide le conseiller à préparer l'échange."
            ),
            _choices("budget_offer", ("yes", lambda _: _("Oui")), ("no", lambda _: _("Passer"))),
            lambda value: "income" if value == "yes" else "preview",
            accepts=lambda value: value in ("yes", "no"),
            stored=False,
        ),
        Step(
            "income",
            lambda _: _("Vos ressources mensuelles, en euros (salaire, indemnités, prestations) ?"),
            _skip,
            _then("housing"),
            read=_amount,
            invalid=_AMOUNT_HINT,
            skip_to="preview",
            skip_clears=("budget",),  # without all three amounts, no debt ratio
        ),
        Step(
            "housing",
            lambda _: _("Votre loyer ou vos mensualités de prêt immobilier par mois, charges comprises, en euros ?"),
            _skip,
            _then("aids"),
            read=_amount,
            invalid=_AMOUNT_HINT,
            skip_to="preview",
            skip_clears=("budget",),  # without all three amounts, no debt ratio
        ),
        Step(
            "aids",
            lambda _: _("Vos aides au logement par mois (APL…), en euros ? 0 si vous n'en avez pas."),
            _skip,
            _then("preview"),
            read=_amount,
            invalid=_AMOUNT_HINT,
            skip_to="preview",
            skip_clears=("budget",),  # without all three amounts, no debt ratio
            then_compute=compute_budget,
        ),
    )
}
ORDER = (*STEPS, "preview")
TEXT_STEPS = frozenset(name for name, step in STEPS.items() if step.read is not None)
EDITABLE = ("name", "phone", "email", "postcode", "means", "slot")
