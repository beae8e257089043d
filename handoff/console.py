"""The adviser console: login (argon2, lockout), a queue by priority and age, claim, the case
file, notes, status changes, a message to the person. Sessions in signed cookies, a CSRF token
on every form, every view and change in the audit log, HTML escaped everywhere."""
from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Callable
from typing import Protocol

import anyio
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from . import twofactor
from .advisers import (
    Adviser,
    authenticate,
    get_adviser,
)
from .casework import ATTEMPTS, CLOSURE_REASONS, Casework, referral_mail
from .console_accounts import AccountPages
from .console_dashboard import DashboardPage
from .console_outbox import OutboxPage
from .console_queue import QueuePage
from .console_unlock import UnlockPage
from .domain import Status, TransitionError
from .follow import FollowDesk
from .repository import CaseDesk, CaseRepository, utcnow
from .service import HandoffService, export_case
from .sessions import SessionStore
from .templates_render import render as _render
from .validation import format_phone
from .words import facts_in_words, local_time

MAX_TEXT = 4000
PENDING_SECONDS = 300  # between a right password and its second factor


class Throttle(Protocol):
    def allow(self, key: str) -> bool: ...


class Console:
    def __init__(self, engine: Engine, repository: CaseRepository, secret_key: str, https_only: bool = False,
                 login_throttle: Throttle | None = None, hashing_threads: int = 2,
                 sessions: SessionStore | None = None, second_factor_for_advisers: bool = False,
                 first_contact: tuple[dt.timedelta, dt.timedelta] = (dt.timedelta(hours=4), dt.timedelta(hours=48)),
                 misunderstood: Callable[[list[str]], list[tuple[str, int, int]]] | None = None):
        self.engine = engine
        # A second factor (TOTP) after the password: always for supervisors, for advisers if set.
        self.second_factor_for_advisers = second_factor_for_advisers
        self.cipher = repository.cipher
        # The cookie only names a session kept here: logout, a password change or a supervisor
        # ends it on its next request; idle and absolute limits too.
        self.sessions = sessions or SessionStore(engine)
        # Sign-in attempts per client address, before any account is looked at (a lockout per
        # account alone lets anyone lock an adviser out, and guess on every account at once).
        self.login_throttle = login_throttle
        # argon2 takes half a second of CPU: it runs in worker threads, at most this many at once,
        # never on the event loop (forty sign-ins would stall every chat for seconds).
        self.hashing = anyio.CapacityLimiter(hashing_threads)
        self.repo = repository
        self.desk = CaseDesk(repository)
        self.follow = FollowDesk(repository)
        self.work = Casework(repository)
        self.targets = first_contact  # (urgent, normal): how soon a case should have a contact attempt
        self.misunderstood = misunderstood  # the NLU's misses per topic over weeks (bot/feedback.py), for the dashboard
        accounts, failures, dashboard = AccountPages(self), OutboxPage(self), DashboardPage(self)
        self.app = Starlette(
            routes=[
                Route("/", QueuePage(self).page),
                Route("/login", self.login, methods=["GET", "POST"]),
                Route("/logout", self.logout, methods=["POST"]),
                Route("/second-factor", self.second_factor, methods=["GET", "POST"]),
                Route("/unlock", UnlockPage(self).page, methods=["GET", "POST"]),
                Route("/enrol", self.enrol, methods=["GET", "POST"]),
                Route("/stats", self.stats),
                Route("/dashboard", dashboard.page),
                Route("/dashboard.csv", dashboard.export),
                Route("/advisers", accounts.page),
                Route("/advisers/{login}/revoke", accounts.revoke, methods=["POST"]),
                Route("/advisers/{login}/unlock", accounts.unlock, methods=["POST"]),
                Route("/advisers/{login}/disable", accounts.disable, methods=["POST"]),
                Route("/advisers/{login}/enable", accounts.enable, methods=["POST"]),
                Route("/outbox", failures.page),
                Route("/outbox/retry", failures.retry, methods=["POST"]),
                Route("/cases/{reference}", self.case),
                Route("/cases/{reference}/export.json", self.export),
                Route("/cases/{reference}/{action}", self.act, methods=["POST"]),
            ],
            middleware=[
                Middleware(
                    SessionMiddleware,
                    secret_key=secret_key,
                    session_cookie="console_session",
                    same_site="strict",
                    https_only=https_only,
                    max_age=int(self.sessions.absolute.total_seconds()),
                )
            ],
        )

    # --- session and protection ----------------------------------------------------------------

    def signed_in_adviser(self, request: Request) -> Adviser | None:
        session_id = request.session.get("sid")
        adviser_id = self.sessions.adviser_of(session_id) if isinstance(session_id, str) else None
        return get_adviser(self.engine, adviser_id) if adviser_id is not None else None

    async def checked_form(self, request: Request) -> dict[str, str] | None:
        """The form, if its CSRF token matches the session's; None otherwise."""
        form = await request.form()
        token = str(form.get("csrf", ""))
        expected = request.session.get("csrf", "")
        if not expected or not secrets.compare_digest(token, expected):
            return None
        return {k: str(v) for k, v in form.items()}

    def forbidden(self, request: Request, reason: str) -> HTMLResponse:
        return _render("console_error.html", request, status_code=403, message=reason)

    def throttled(self, request: Request, template: str) -> Response | None:
        """The per-address throttle of sign-ins (and unlocks), before any account is looked at:
        the page again with a 429 past it, else None."""
        client = request.client.host if request.client else "unknown"
        if self.login_throttle is None or self.login_throttle.allow(client):
            return None
        self.desk.record(f"address:{client}", "login_throttled", None)
        return _render(template, request, status_code=429,
                       error="Trop de tentatives de connexion depuis cette adresse : réessayez dans une minute.")

    # --- pages -------------------------------------------------------------------------------

    async def login(self, request: Request) -> Response:
        request.session.setdefault("csrf", secrets.token_urlsafe(32))
        if request.method == "GET":
            return _render("console_login.html", request, error=None)
        form = await self.checked_form(request)
        if form is None:
            return self.forbidden(request, "Formulaire expiré : rechargez la page.")
        refused = self.throttled(request, "console_login.html")
        if refused is not None:
            return refused
        adviser = await anyio.to_thread.run_sync(
            authenticate, self.engine, form.get("login", "")[:64], form.get("password", "")[:256], limiter=self.hashing)
        if adviser is None:
            return _render(
                "console_login.html",
                request,
                status_code=401,
                error="Identifiant ou mot de passe incorrect (ou compte verrouillé quelques minutes).",
            )
        request.session.clear()
        if twofactor.required(adviser, self.second_factor_for_advisers):
            request.session.update({"pending": adviser.id, "pending_at": int(time.time()),
                                    "csrf": secrets.token_urlsafe(32)})
            step = "second-factor" if twofactor.enrolled(self.engine, adviser.id) else "enrol"
            return RedirectResponse(f"/console/{step}", status_code=303)
        return self.sign_in(request, adviser.id)

    def sign_in(self, request: Request, adviser_id: int) -> Response:
        request.session.clear()
        request.session.update({"sid": self.sessions.create(adviser_id), "csrf": secrets.token_urlsafe(32)})
        return RedirectResponse("/console/", status_code=303)

    def _pending(self, request: Request) -> Adviser | None:
        """The adviser whose password was right a moment ago (5 minutes), awaiting the second factor."""
        adviser_id, at = request.session.get("pending"), request.session.get("pending_at")
        if not isinstance(adviser_id, int) or not isinstance(at, int) or time.time() - at > PENDING_SECONDS:
            return None
        return get_adviser(self.engine, adviser_id)

    async def second_factor(self, request: Request) -> Response:
        adviser = self._pending(request)
        if adviser is None or not twofactor.enrolled(self.engine, adviser.id):
            return RedirectResponse("/console/login", status_code=303)
        if request.method == "GET":
            return _render("console_second_factor.html", request, error=None)
        form = await self.checked_form(request)
        if form is None:
            return self.forbidden(request, "Formulaire expiré : rechargez la page.")
        if await anyio.to_thread.run_sync(twofactor.verify, self.engine, self.cipher, adviser.id,
                                          form.get("code", "")[:32]):
            return self.sign_in(request, adviser.id)
        return _render("console_second_factor.html", request, status_code=401,
                       error="Code incorrect (ou compte verrouillé quelques minutes).")

    async def enrol(self, request: Request) -> Response:
        adviser = self._pending(request)
        if adviser is None or twofactor.enrolled(self.engine, adviser.id):
            return RedirectResponse("/console/login", status_code=303)
        error = None
        if request.method == "POST":
            form = await self.checked_form(request)
            if form is None:
                return self.forbidden(request, "Formulaire expiré : rechargez la page.")
            codes = twofactor.finish_enrolment(self.engine, self.cipher, adviser.id, form.get("code", "")[:32])
            if codes is not None:
                self.sign_in(request, adviser.id)
                return _render("console_recovery.html", request, codes=codes)
            error = "Ce code ne correspond pas : vérifiez l'heure du téléphone et tapez le code affiché maintenant."
        secret, uri = twofactor.start_enrolment(self.engine, self.cipher, adviser)
        return _render("console_enrol.html", request, status_code=400 if error else 200, error=error,
                       secret=secret, qr=twofactor.qr_code(uri))

    async def logout(self, request: Request) -> Response:
        if await self.checked_form(request) is not None:
            adviser = self.signed_in_adviser(request)
            if adviser:
                self.desk.record(f"adviser:{adviser.id}", "logout", None)
            session_id = request.session.get("sid")
            if isinstance(session_id, str):
                self.sessions.revoke(session_id)  # a copy of the cookie no longer works either
            request.session.clear()
        return RedirectResponse("/console/login", status_code=303)

    def _case_for(self, adviser: Adviser, reference: str):
        case = self.repo.get(reference)
        if case is None or not adviser.may_see(case.region):
            return None  # another region's case is not there, for this adviser
        return case

    async def case(self, request: Request) -> Response:
        adviser = self.signed_in_adviser(request)
        if adviser is None:
            return RedirectResponse("/console/login", status_code=303)
        reference = request.path_params["reference"]
        case = self._case_for(adviser, reference)
        if case is None:
            self.desk.record(f"adviser:{adviser.id}", "case_refused", reference[:16])
            return _render("console_error.html", request, status_code=404, message="Dossier introuvable.")
        self.desk.audit_view(reference, adviser.id)
        messages = self.desk.messages(reference)
        self.follow.mark_read(reference)  # the person's messages shown here count as read
        return _render(
            "console_case.html",
            request,
            adviser=adviser,
            case=case,
            facts=facts_in_words(case.answers.get("facts") or {}),
            phone=format_phone(case.contact.phone),
            their_time=local_time(utcnow(), case.region),
            attempts=self.work.attempts(reference),
            attempt_outcomes=ATTEMPTS,
            closure_reasons=CLOSURE_REASONS,
            case_closure=self.work.closure(reference),
            referral=referral_mail(case),
            colleagues=self.work.colleagues(case.region, but=case.claimed_by),
            notes=self.desk.notes(reference),
            messages=messages,
        )

    async def export(self, request: Request) -> Response:
        """A supervisor's export of one person's case (right of access), as JSON."""

        adviser = self.signed_in_adviser(request)
        if adviser is None or adviser.role != "supervisor":
            return self.forbidden(request, "Réservé aux superviseurs.")
        case = self._case_for(adviser, request.path_params["reference"])
        if case is None:
            return _render("console_error.html", request, status_code=404, message="Dossier introuvable.")
        self.desk.record(f"adviser:{adviser.id}", "case_exported", case.reference)
        return JSONResponse(
            export_case(self.repo, case),
            headers={
                "Content-Disposition": f'attachment; filename="{case.reference}.json"',
                "Cache-Control": "no-store",
            },
        )

    async def stats(self, request: Request) -> Response:

        adviser = self.signed_in_adviser(request)
        if adviser is None or adviser.role != "supervisor":
            return self.forbidden(request, "Réservé aux superviseurs.")
        return _render("console_stats.html", request, adviser=adviser, rows=self.desk.counts())

    async def act(self, request: Request) -> Response:
        adviser = self.signed_in_adviser(request)
        if adviser is None:
            return RedirectResponse("/console/login", status_code=303)
        form = await self.checked_form(request)
        if form is None:
            return self.forbidden(request, "Formulaire expiré : rechargez la page.")
        reference, action = request.path_params["reference"], request.path_params["action"]
        case = self._case_for(adviser, reference)
        if case is None:
            return _render("console_error.html", request, status_code=404, message="Dossier introuvable.")
        mine = case.claimed_by == adviser.id or adviser.role == "supervisor"
        try:
            if action == "claim":
                if not self.repo.claim(reference, adviser.id):
                    return _render(
                        "console_error.html",
                        request,
                        status_code=409,
                        message="Ce dossier vient d'être pris en charge par quelqu'un d'autre.",
                    )
            elif action in ("release", "contacted", "closed", "withdrawn") and mine:
                wanted = Status.NEW if action == "release" else Status(action)
                if not self.desk.transition(reference, wanted, f"adviser:{adviser.id}"):
                    return _render(
                        "console_error.html", request, status_code=409, message="Le dossier a changé entre-temps."
                    )
            elif action == "erase" and adviser.role == "supervisor":

                HandoffService(self.repo).erase(reference, None, actor=f"adviser:{adviser.id}")
                return RedirectResponse("/console/?status=all", status_code=303)
            elif action == "attempt" and mine:
                if not self.work.log_attempt(reference, adviser.id, form.get("outcome", ""),
                                             form.get("next_step", "").strip()[:MAX_TEXT]):
                    return self.forbidden(request, "Choisissez le résultat de l'appel.")
            elif action == "close" and mine:
                if not self.work.close(reference, adviser.id, form.get("reason", "")):
                    return _render("console_error.html", request, status_code=409,
                                   message="Choisissez la raison de la clôture (ou le dossier a changé entre-temps).")
            elif action == "reassign" and (mine or case.claimed_by is None):
                refused = self.work.reassign(reference, form.get("to", "")[:64], adviser.id)
                if refused:
                    return _render("console_error.html", request, status_code=409, message=refused)
            elif action == "note" and mine and form.get("body", "").strip():
                self.desk.add_note(reference, adviser.id, form["body"].strip()[:MAX_TEXT])
            elif action == "message" and mine and form.get("body", "").strip():
                self.desk.send_message(reference, adviser.id, form["body"].strip()[:MAX_TEXT])
            else:
                return self.forbidden(request, "Action impossible : prenez d'abord le dossier en charge.")
        except TransitionError as exc:
            return _render("console_error.html", request, status_code=409, message=str(exc))
        return RedirectResponse(f"/console/cases/{reference}", status_code=303)
