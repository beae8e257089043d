"""The request sent: what the person is told (reference, when an adviser calls, the follow-up
code once); and the bound on requests per client and hour, checked before anything is sent."""
from __future__ import annotations

from typing import Any

from .. import metrics
from ..i18n import translator
from ..replies import Button, Reply, payload
from ..state import State
from .base import Services, Turn


def within_bound(services: Services, state: State, turn: Turn) -> bool:
    """False (and the person told, the draft kept) past CASES_PER_HOUR requests from one web client
    address or Telegram chat: a forged or scripted flood of requests must not bury the queue."""
    if services.case_limiter is None or services.case_limiter.allow(turn.client):
        return True
    _ = translator(state.locale)
    metrics.case_bursts.labels(state.address.split(":", 1)[0]).inc()
    turn.say(Reply(_("Beaucoup de demandes sont parties de cette connexion dans l'heure : la vôtre n'est pas encore "
                     "envoyée, et rien n'est perdu. Réessayez plus tard avec « Confirmer l'envoi », ou appelez un "
                     "conseiller au {phone} ({hours})."),
                   (Button(_("Confirmer l'envoi"), payload("confirm_handoff")),)))
    return False


def replies(services: Services, state: State, case: Any, outcome: str) -> list[Reply]:
    _ = translator(state.locale)
    out = []
    if outcome in ("not_eligible", "redirect"):
        when = _(
            "Un conseiller social de votre région examinera votre situation et vous recontactera pour vous aider "
            "ou vous orienter."
        )
    elif services.callback_days:
        when = _(
            "Un conseiller social de votre région vous contactera au créneau choisi, sous {days} jours ouvrés en "
            "général (en priorité si votre situation est urgente).",
            days=services.callback_days,
        )
    else:
        when = _(
            "Un conseiller social de votre région vous contactera, au créneau choisi si possible (en priorité si "
            "votre situation est urgente)."
        )
    follow = (
        _("Code de suivi : {code} (notez-le avec la référence : il ne sera plus affiché). Avec les deux, suivez votre "
          "demande et écrivez à votre conseiller depuis n'importe quel appareil : {url}",
          code=case.access_code, url=services.follow_url)
        if case.access_code
        else ""
    )
    out.append(
        Reply(
            _("C'est transmis. Votre référence : {reference}.", reference=case.reference)
            + " "
            + when
            + " "
            + _("Votre employeur n'en saura rien. Pour suivre votre demande, écrivez « où en est ma demande ? »."),
            (
                Button(_("Où en est ma demande ?"), payload("status")),
                Button(_("Poser une question"), payload("ask_question")),
            ),
        )
    )
    if follow:
        out.append(Reply(follow))
    return out
