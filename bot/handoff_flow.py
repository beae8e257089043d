"""The handoff steps of the conversation: information notice and consent, contact details each
checked with a clear retry message, an optional budget, a preview of exactly what the adviser
will receive, then the case and its reference. Mixed into the Dialogue."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Protocol

import handoff
import nlu
import rules_adapter
from handoff.service import SENSITIVE_DIFFICULTIES, Draft

from .i18n import date as format_date
from .i18n import money, translator
from .replies import Button, Reply, parse_payload, payload
from .state import RESULT, State

STEPS = ("name", "phone", "email", "postcode", "means", "slot", "sensitive", "budget_offer",
         "income", "housing", "aids", "preview")
TEXT_STEPS = {"name", "phone", "email", "postcode", "income", "housing", "aids"}
_AMOUNT = re.compile(r"\d[\d\s\u202f.,]*")


class HandoffPort(Protocol):
    def submit(self, draft: Draft) -> handoff.Case: ...
    def status(self, reference: str, address: str) -> handoff.Status | None: ...
    def withdraw(self, reference: str, address: str) -> bool: ...
    def erase(self, reference: str, address: str) -> bool: ...
    def pending_messages(self, reference: str, address: str) -> list[str]: ...
    def export(self, reference: str, address: str) -> dict[str, Any] | None: ...


def working_days(start: dt.date, count: int) -> list[dt.date]:
    days, day = [], start
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


class HandoffSteps:
    handoff: HandoffPort | None
    today: Any
    callback_days: int | None  # the delay the service commits to, if it does (CALLBACK_WORKING_DAYS)

    # --- entry ---------------------------------------------------------------------------------

    def _handoff_start(self, state: State, turn, urgent: bool = False) -> None:
        _ = translator(state.locale)
        if self.handoff is None:
            self._adviser(state, turn, urgent=urgent)
            return
        if state.case_reference:
            turn.replies.append(self._status(state, state.case_reference))
            return
        # After any result (a refusal by the pre-check included: it is not a decision), or in an
        # emergency. Before a result, the phone line and the check are offered instead.
        allowed = state.last_outcome is not None or urgent or state.urgent
        if not allowed:
            self._adviser(state, turn, urgent=urgent)
            return
        state.handoff = {"step": "notice", "urgent": bool(urgent or state.urgent)}
        turn.replies.append(Reply(
            _("Avant de transmettre votre demande, voici comment vos données sont utilisées.\n"
              "• Qui les reçoit : uniquement les conseillers sociaux du service d'accompagnement d'Action Logement Services. Votre employeur ne reçoit rien et n'est jamais contacté.\n"
              "• Pourquoi : pour vous rappeler et étudier votre situation sans que vous ayez à tout raconter de nouveau.\n"
              "• Combien de temps : vos coordonnées non transmises sont effacées après 30 jours ; un dossier clos est anonymisé après 24 mois.\n"
              "• Vos droits : accès, rectification, effacement. Écrivez « effacer mes données » à tout moment."),
            (Button(_("J'accepte, je continue"), payload("consent")),
             Button(_("Je refuse"), payload("consent_refuse")))))

    def _consent(self, state: State, turn, given: bool) -> None:
        _ = translator(state.locale)
        if not state.handoff or state.handoff.get("step") != "notice":
            turn.replies.append(self._menu(state))
            return
        if not given:
            state.handoff = {}
            turn.replies.append(Reply(
                _("C'est noté : rien n'est transmis et vos coordonnées ne sont pas demandées. Vous pouvez parler à un conseiller au 09 70 800 800, du lundi au vendredi de 9h à 18h30 (appel non surtaxé)."),
                self._menu(state).buttons))
            return
        state.handoff["consent_at"] = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None).isoformat()
        self._handoff_next(state, turn, "name")

    # --- asking ------------------------------------------------------------------------------

    def _handoff_next(self, state: State, turn, step: str) -> None:
        h = state.handoff
        if h.get("editing") and step not in ("preview",) and h.get(step) is not None:
            step = "preview"
        if step == "postcode" and state.facts.get("postcode") and "postcode" not in h:
            h["postcode"] = state.facts["postcode"]
            step = "means"
        if step == "sensitive" and not (set(state.facts.get("difficulties") or ()) & SENSITIVE_DIFFICULTIES):
            step = "budget_offer"
        h["step"] = step
        turn.replies.append(self._handoff_question(state, step))

    def _handoff_question(self, state: State, step: str, error: str | None = None) -> Reply:
        _ = translator(state.locale)
        cancel = Button(_("Annuler"), payload("cancel_handoff"))
        if step == "name":
            text, buttons = _("Quel nom le conseiller doit-il demander au téléphone ?"), (cancel,)
        elif step == "phone":
            text, buttons = _("À quel numéro de téléphone vous joindre ? (France ou DROM)"), (cancel,)
        elif step == "email":
            text, buttons = _("Votre adresse e-mail ? (facultatif)"), (Button(_("Passer"), payload("skip")), cancel)
        elif step == "postcode":
            text, buttons = _("Le code postal de votre logement ? Il sert à choisir l'équipe de votre région. Sans logement, indiquez celui de la commune où vous êtes."), (cancel,)
        elif step == "means":
            text = _("Comment préférez-vous être contacté(e) ?")
            options = [("phone", _("Téléphone")), ("sms", _("SMS"))]
            if state.handoff.get("email"):
                options.append(("email", _("E-mail")))
            buttons = tuple(Button(label, payload("hset", field="means", value=v)) for v, label in options)
        elif step == "slot":
            text = _("Quand êtes-vous disponible ? (les prochains jours ouvrés)")
            slots = []
            for day in working_days(self.today(), 3):
                for part, label in (("am", _("matin")), ("pm", _("après-midi"))):
                    slots.append(Button(f"{format_date(day, state.locale)}, {label}",
                                        payload("hset", field="slot", value=f"{day.isoformat()}|{part}")))
            buttons = tuple(slots) + (Button(_("Peu importe"), payload("hset", field="slot", value="any")),)
        elif step == "sensitive":
            text = _("Votre situation comporte des informations sensibles (santé, violences). Acceptez-vous de les transmettre au conseiller ? Sinon, seul le reste sera transmis.")
            buttons = (Button(_("Oui, je les transmets"), payload("hset", field="sensitive", value="yes")),
                       Button(_("Non, pas ces informations"), payload("hset", field="sensitive", value="no")))
        elif step == "budget_offer":
            text = _("Voulez-vous indiquer votre budget mensuel (ressources, loyer ou prêt, aides) ? C'est facultatif ; cela aide le conseiller à préparer l'échange.")
            buttons = (Button(_("Oui"), payload("hset", field="budget_offer", value="yes")),
                       Button(_("Passer"), payload("hset", field="budget_offer", value="no")))
        elif step == "income":
            text, buttons = _("Vos ressources mensuelles, en euros (salaire, indemnités, prestations) ?"), (Button(_("Passer"), payload("skip")),)
        elif step == "housing":
            text, buttons = _("Votre loyer ou vos mensualités de prêt immobilier par mois, charges comprises, en euros ?"), (Button(_("Passer"), payload("skip")),)
        elif step == "aids":
            text, buttons = _("Vos aides au logement par mois (APL…), en euros ? 0 si vous n'en avez pas."), (Button(_("Passer"), payload("skip")),)
        else:
            return self._preview(state)
        return Reply(f"{error}\n{text}" if error else text, buttons)

    # --- answers -----------------------------------------------------------------------------

    def _handoff_text(self, text: str, state: State, turn) -> None:
        _ = translator(state.locale)
        h = state.handoff
        step = h.get("step")
        try:
            if step == "name":
                h["name"] = handoff.normalize_name(text)
                return self._handoff_next(state, turn, "phone")
            if step == "phone":
                h["phone"] = handoff.normalize_phone(text)
                return self._handoff_next(state, turn, "email")
            if step == "email":
                h["email"] = handoff.normalize_email(text)
                return self._handoff_next(state, turn, "postcode")
            if step == "postcode":
                h["postcode"] = handoff.normalize_postcode(text)
                return self._handoff_next(state, turn, "means")
        except handoff.InvalidContact as invalid:
            hints = {
                "name": _("Ce nom ne semble pas valide : indiquez un prénom et un nom, sans chiffres."),
                "phone": _("Ce numéro ne semble pas valide : indiquez un numéro français à 10 chiffres, par exemple 06 12 34 56 78 (DROM compris)."),
                "email": _("Cette adresse e-mail ne semble pas valide, par exemple prenom.nom@exemple.fr ; vous pouvez aussi passer."),
                "postcode": _("Ce code postal ne semble pas valide : 5 chiffres, en France métropolitaine ou dans les DROM, par exemple 75011."),
            }
            turn.replies.append(self._handoff_question(state, step, hints[str(invalid)]))
            return
        if step in ("income", "housing", "aids"):
            amount = parse_amount(text)
            if amount is None or amount < 0 or amount > 1_000_000:
                turn.replies.append(self._handoff_question(state, step, _("Indiquez un montant en euros, par exemple 1 450.")))
                return
            h[step] = amount
            return self._after_amount(state, turn, step)
        # A button's title typed instead of pressed ("téléphone", "peu importe", "oui").
        folded = nlu.normalize(text)
        for button in self._handoff_question(state, step).buttons:
            command = parse_payload(button.payload)
            title = nlu.normalize(button.title)
            if command and command[0] == "hset" and folded and (folded == title or (len(folded) >= 3 and folded in title)):
                return self._handoff_set(str(command[1].get("field")), str(command[1].get("value")), state, turn)
        turn.replies.append(self._handoff_question(state, step, _("Choisissez un bouton.")))

    def _after_amount(self, state: State, turn, step: str) -> None:
        h = state.handoff
        if step == "income":
            return self._handoff_next(state, turn, "housing")
        if step == "housing":
            return self._handoff_next(state, turn, "aids")
        if h.get("income"):
            try:
                result = rules_adapter.budget({"ressources": h["income"]}, {"logement": h.get("housing") or 0}, {"aides": h.get("aids") or 0})
                h["budget"] = {"income": h["income"], "housing": h.get("housing") or 0, "aids": h.get("aids") or 0,
                               **result.to_dict()}
            except rules_adapter.BudgetError:
                h.pop("budget", None)
        self._handoff_next(state, turn, "preview")

    def _handoff_reask(self, state: State, turn) -> None:
        """A button that does not fit the step (stale, or forged): the current question again."""
        step = state.handoff.get("step")
        turn.replies.append(self._handoff_question(state, step) if step in STEPS else self._menu(state))

    def _handoff_set(self, field: str, value: str, state: State, turn) -> None:
        h = state.handoff
        if field != h.get("step"):  # only the question being asked can be answered
            return self._handoff_reask(state, turn)
        if field == "means" and value in ("phone", "sms", "email"):
            h["means"] = value
            return self._handoff_next(state, turn, "slot")
        if field == "slot" and valid_slot(value):
            h["slot"] = value
            return self._handoff_next(state, turn, "sensitive")
        if field == "sensitive" and value in ("yes", "no"):
            h["sensitive"] = value == "yes"
            return self._handoff_next(state, turn, "budget_offer")
        if field == "budget_offer" and value in ("yes", "no"):
            return self._handoff_next(state, turn, "income" if value == "yes" else "preview")
        self._handoff_reask(state, turn)

    def _handoff_skip(self, state: State, turn) -> None:
        h = state.handoff
        step = h.get("step")
        if step == "email":
            h["email"] = None
            return self._handoff_next(state, turn, "postcode")
        if step in ("income", "housing", "aids"):
            h.pop("budget", None)
            return self._handoff_next(state, turn, "preview")
        self._handoff_reask(state, turn)

    def _handoff_edit(self, field: str, state: State, turn) -> None:
        if state.handoff.get("step") != "preview":  # the edit buttons are the preview's
            return self._handoff_reask(state, turn)
        if field == "budget":  # the three amounts again, from the first
            for key in ("income", "housing", "aids", "budget"):
                state.handoff.pop(key, None)
            state.handoff["step"] = "income"
            turn.replies.append(self._handoff_question(state, "income"))
            return
        if field not in ("name", "phone", "email", "postcode", "means", "slot"):
            return self._handoff_next(state, turn, "preview")
        state.handoff["editing"] = True
        state.handoff.pop(field, None)
        state.handoff["step"] = field
        turn.replies.append(self._handoff_question(state, field))

    # --- preview and submission -------------------------------------------------------------------

    def _slot_label(self, value: str | None, state: State) -> str:
        _ = translator(state.locale)
        if not value or value == "any":
            return _("peu importe")
        day, part = value.split("|")
        part_label = _("matin") if part == "am" else _("après-midi")
        return f"{format_date(dt.date.fromisoformat(day), state.locale)}, {part_label}"

    def _preview(self, state: State) -> Reply:
        _ = translator(state.locale)
        h = state.handoff
        h["step"] = "preview"
        h.pop("editing", None)
        h.setdefault("reference", handoff.new_reference())  # see Draft.reference
        means = {"phone": _("Téléphone"), "sms": _("SMS"), "email": _("E-mail")}
        fields = [
            (_("Nom"), h.get("name")),
            (_("Téléphone"), handoff.format_phone(h["phone"])),
            (_("E-mail"), h.get("email") or _("non communiqué")),
            (_("Code postal"), "{} ({})".format(h.get("postcode"), handoff.region_of(h.get("postcode") or "") or "?")),
            (_("Contact par"), means.get(h.get("means"), "?")),
            (_("Disponibilité"), self._slot_label(h.get("slot"), state)),
        ]
        lines = [_("Voici exactement ce que le conseiller recevra :")] + ["• " + _("{name} : {value}", name=k, value=v) for k, v in fields]
        facts = self._shared_facts(state)
        for fact in [f for f in state.answered if f in facts or (f == "housing_location" and "postcode" in facts)]:
            shown = State(locale=state.locale, facts=facts, labels=state.labels)
            lines.append("• " + _("{name} : {value}", name=self._fact_name(fact, state), value=self._value_label(fact, shown)))
        outcome = {
            "eligible": _("le service peut vous aider"), "to_confirm": _("à confirmer par un conseiller"),
            "not_eligible": _("hors critères de la vérification — à examiner par un conseiller"),
            "redirect": _("relève plutôt du service locatif — à examiner par un conseiller"),
        }.get(state.last_outcome or "", _("à examiner par un conseiller"))
        result_label = _("Résultat de la vérification")
        lines.append("• " + _("{name} : {value}", name=result_label, value=outcome))
        if h.get("budget"):
            b = h["budget"]
            lines.append("• " + _("Budget : ressources {income}, logement {housing}, aides {aids} ; taux d'endettement {ratio} %, reste à vivre {remaining} par mois",
                                  income=money(b["income"], state.locale), housing=money(b["housing"], state.locale),
                                  aids=money(b["aids"], state.locale), ratio=b["debt_ratio_percent"],
                                  remaining=money(b["remaining_income"], state.locale)))
        lines.append(_("Votre employeur ne reçoit rien et n'est jamais contacté."))
        buttons = (Button(_("Confirmer l'envoi"), payload("confirm_handoff")),
                   Button(_("Modifier le nom"), payload("hedit", field="name")),
                   Button(_("Modifier le téléphone"), payload("hedit", field="phone")),
                   Button(_("Modifier l'e-mail"), payload("hedit", field="email")),
                   Button(_("Modifier le code postal"), payload("hedit", field="postcode")),
                   Button(_("Modifier le budget"), payload("hedit", field="budget")),
                   Button(_("Annuler"), payload("cancel_handoff")))
        return Reply("\n".join(lines), buttons)

    def _shared_facts(self, state: State) -> dict[str, Any]:
        from handoff.service import shareable_facts

        return shareable_facts(state.facts, state.handoff.get("sensitive"))

    def _confirm_handoff(self, state: State, turn, address: str) -> None:
        _ = translator(state.locale)
        h = state.handoff
        if not h or h.get("step") != "preview" or not all(h.get(k) for k in ("name", "phone", "postcode", "consent_at")):
            turn.replies.append(self._menu(state))
            return
        assessment = rules_adapter.assess(state.facts, on=self.today(), locale=state.locale) if state.facts else None
        sensitive = h.get("sensitive") if set(state.facts.get("difficulties") or ()) & SENSITIVE_DIFFICULTIES else None
        reasons = [] if assessment is None else [
            {"criterion": r.criterion, "status": r.status.value, "text": r.text,
             "source": f"{r.sources[0].document}, {r.sources[0].section}" if r.sources else ""}
            for r in assessment.reasons if sensitive or r.criterion != "difficulty"
        ]
        draft = Draft(
            facts=state.facts, reasons=reasons, outcome=state.last_outcome or "to_confirm",
            rules_version=assessment.rules_version if assessment else rules_adapter.rules_for(self.today()).version,
            urgent=bool(h.get("urgent") or state.urgent), name=h["name"], phone=h["phone"], email=h.get("email"),
            postcode=h["postcode"], preferred_means=h.get("means") or "phone",
            slots=[h.get("slot") or "any"], consent_at=dt.datetime.fromisoformat(h["consent_at"]),
            sensitive_consent=sensitive, channel=address.split(":", 1)[0], address=address, budget=h.get("budget"),
            reference=h.get("reference"),
        )
        case = self.handoff.submit(draft)
        from . import metrics

        metrics.handoffs.labels("urgent" if draft.urgent else "normal").inc()
        state.case_reference = case.reference
        state.handoff = {}
        state.mode = RESULT
        if draft.outcome in ("not_eligible", "redirect"):
            when = _("Un conseiller social de votre région examinera votre situation et vous recontactera pour vous aider ou vous orienter.")
        elif self.callback_days:
            when = _("Un conseiller social de votre région vous contactera au créneau choisi, sous {days} jours ouvrés en général (en priorité si votre situation est urgente).",
                     days=self.callback_days)
        else:
            when = _("Un conseiller social de votre région vous contactera, au créneau choisi si possible (en priorité si votre situation est urgente).")
        turn.replies.append(Reply(
            _("C'est transmis. Votre référence : {reference}.", reference=case.reference) + " " + when + " "
            + _("Votre employeur n'en saura rien. Pour suivre votre demande, écrivez « où en est ma demande ? »."),
            (Button(_("Où en est ma demande ?"), payload("status")), Button(_("Poser une question"), payload("ask_question")))))

    def _cancel_handoff(self, state: State, turn) -> None:
        _ = translator(state.locale)
        state.handoff = {}
        turn.replies.append(Reply(_("C'est annulé : rien n'a été transmis et vos coordonnées sont effacées de cette conversation."),
                                  self._menu(state).buttons))
