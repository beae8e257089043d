"""The composition root: the one place that builds the running assistant from its settings --
storage, NLU, dialogue, handoff services, outbox, console, channels -- for the web app (and
through it the CLI's `serve`) and the tests. Nothing else constructs these parts."""
from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import logging
from typing import TYPE_CHECKING, Any

import nlu
import rules_adapter
from handoff import CaseRepository, access_codes
from handoff.console import Console
from handoff.migrate import upgrade as migrate
from handoff.outbox import Dispatcher, EmailTransport, Transport, WebhookTransport
from handoff.repository import CaseDesk
from handoff.service import HandoffService
from handoff.sessions import SessionStore

from .bound import RequestBound
from .channels import Channel
from .config import Settings, mailer, session_secret
from .dialogue import Dialogue
from .editor import Editor
from .feedback import SampleStore, UnderstandingLog
from .handover import Handovers
from .i18n import translator
from .publish import Gate
from .ratelimit import RateLimiter
from .replies import Button, Reply
from .replies import payload as button_payload
from .rules_editor import RulesPages
from .service import Assistant
from .store import ConversationStore, make_cipher, make_engine

if TYPE_CHECKING:
    from .telegram_channel import TelegramChannel

log = logging.getLogger(__name__)
# Console sign-in attempts per client address: ten at once, then one every six seconds.
LOGIN_BURST, LOGIN_PER_SECOND = 10, 1 / 6


class Deployment:
    """What the running assistant holds, wired once from the settings: storage, the FAQ, the
    handoff service and its outbox, the console, then (`ready`) the dialogue, the assistant and
    the channels. The CLI's `serve` and the tests build it through `create_app`."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.content = nlu.FaqContent(settings.faq_file)
        engine = make_engine(settings.database_url, pool_size=settings.database_pool_size,
                             max_overflow=settings.database_max_overflow)
        migrate(engine)
        self.cipher = make_cipher(settings)
        # Signs console sessions, keys conversations' pseudonyms and the Telegram webhook secret.
        self.secret = session_secret(settings)
        self.store = ConversationStore(engine, self.cipher, self.secret, turns=settings.conversation_connections)
        self.understanding = UnderstandingLog(engine)
        self.samples = SampleStore(engine, self.cipher)
        self.cases = CaseRepository(engine, self.cipher, console_url=f"{settings.public_url.rstrip('/')}/console")
        self.handoff = HandoffService(
            self.cases, webhook=bool(settings.case_webhook_url and settings.case_webhook_secret)
        )
        transports: dict[str, Transport] = {}
        smtp = mailer(settings)
        if smtp is not None:
            transports["email"] = EmailTransport(smtp, settings.team_emails, settings.team_email)
        else:
            log.warning("SMTP_HOST is not set: case notifications wait in the outbox")
        if settings.case_webhook_url and settings.case_webhook_secret:
            transports["webhook"] = WebhookTransport(settings.case_webhook_url, str(settings.case_webhook_secret))
        transports["person_message"] = PersonMessageTransport(self)
        transports[access_codes.KIND] = access_codes.AccessCodeTransport(
            self.cases, self.cipher, smtp, settings.sms_gateway_url,
            str(settings.sms_gateway_token) if settings.sms_gateway_token else None,
        )
        self.dispatcher = Dispatcher(engine, transports, lease=settings.outbox_lease)
        self.console = Console(engine, self.cases, self.secret, https_only=settings.public_url.startswith("https://"),
                               login_throttle=RateLimiter(burst=LOGIN_BURST, per_second=LOGIN_PER_SECOND),
                               sessions=SessionStore(engine, idle=dt.timedelta(minutes=settings.console_idle_minutes),
                                                     absolute=dt.timedelta(hours=settings.console_max_hours)),
                               second_factor_for_advisers=settings.totp_for_advisers,
                               first_contact=(dt.timedelta(hours=settings.urgent_first_contact_hours),
                                              dt.timedelta(hours=settings.first_contact_hours)),
                               misunderstood=lambda weeks: self.understanding.by_topic(
                                   weeks, lambda key: self.content.label(key, "fr")))
        self.console.work.index_postcodes()  # cases made before postcodes were indexed, once
        # Content staff's editor of the FAQ, in the console (the parser comes with prepare_nlu).
        self.editor = Editor(self.console, engine, self.content, Gate(
            engine, settings.faq_file, settings.nlu_data_dir, settings.models_dir, settings.var_dir / "publishing",
            settings.content_accuracy_margin))
        self.console.app.router.routes.extend([*RulesPages(self.editor).routes(), *self.editor.routes()])
        self.loop: asyncio.AbstractEventLoop | None = None
        self.parser: nlu.Parser | None = None
        self.assistant: Assistant | None = None
        self.telegram: TelegramChannel | None = None
        self.channels: list[Channel] = []

    def telegram_bot(self) -> str | None:
        """The Telegram bot's username while the channel runs (for "continuer sur Telegram")."""
        return self.telegram.username if self.telegram is not None else None

    def prepare_nlu(self) -> nlu.Parser:
        """Train on first start when there is no model, then load it (or use RASA_URL)."""
        if not self.settings.rasa_url and nlu.latest_model(self.settings.models_dir) is None:
            log.warning("no NLU model in %s: training one now (a few minutes, once)", self.settings.models_dir)
            nlu.train(self.settings.models_dir)
        parser = nlu.load_parser(self.settings.models_dir, self.settings.rasa_url)
        # The progress counter's walk through the check (rules_adapter.asking.questions_ahead),
        # done once here rather than on the first person's first question.
        first = rules_adapter.next_question({})
        if first is not None:
            _ = first.total
        return parser

    def reload_content(self) -> None:
        """`assistant content reload` (SIGHUP): the FAQ answers, and the rules with their
        questions and texts; a broken file is refused and what is in use stays."""
        self.content.reload()
        rules_adapter.rules.reload()

    def ready(self, parser: nlu.Parser) -> None:
        self.parser = parser
        self.editor.parser = parser
        dialogue = Dialogue(
            parser,
            self.content,
            handoff=self.handoff,
            callback_days=self.settings.callback_working_days,
            # Absolute: on Telegram a bare "/confidentialite" would read as a command.
            privacy_url=f"{self.settings.public_url.rstrip('/')}/confidentialite",
            follow_url=f"{self.settings.public_url.rstrip('/')}/suivi",
            web_url=self.settings.public_url,
            handovers=Handovers(self.store.engine, self.cipher, self.store, self.cases),
            telegram_bot=self.telegram_bot,
            on_parse=self.understanding.record,
            on_share=self.samples.add,
        )
        # Counted in the database: every worker shares it.
        dialogue.services.case_limiter = RequestBound(self.store.engine, self.secret, self.settings.cases_per_hour)
        self.assistant = Assistant(dialogue, self.store)
        if self.settings.telegram_token:
            # python-telegram-bot's import is a second: only where a Telegram token is configured.
            from .telegram_channel import TelegramChannel

            # Every worker must answer Telegram's pushes with the secret the last one registered:
            # when none is configured, it is derived from the secret they already share.
            secret = (
                self.settings.telegram_webhook_secret
                or hmac.new(self.secret.encode(), b"telegram-webhook", hashlib.sha256).hexdigest()
            )
            self.telegram = TelegramChannel(
                self.assistant,
                self.store.engine,
                str(self.settings.telegram_token),
                base_url=self.settings.telegram_api_url,
                webhook_url=self.settings.telegram_webhook_url,
                webhook_secret=str(secret),
            )
            self.channels.append(self.telegram)


class PersonMessageTransport:
    """An adviser's message: pushed on Telegram; on the web it waits until the person comes back
    (the chat shows it then)."""

    timeout = 30.0  # seconds to wait for Telegram

    def __init__(self, deployment: Deployment):
        self.deployment = deployment

    def send(self, payload: dict[str, Any], delivery_id: str) -> None:
        s = self.deployment
        desk = CaseDesk(s.cases)
        found = desk.message_to_push(payload["message_id"])
        if found is None:
            return
        if s.telegram is None or s.loop is None:
            raise RuntimeError("telegram is not running")
        message_id, address, body, locale = found
        _ = translator(locale)
        reply = Reply(_("Message de votre conseiller : {message}", message=body),
                      (Button(_("Répondre à mon conseiller"), button_payload("write_adviser")),))
        chat_id = int(address.split(":", 1)[1])
        future = asyncio.run_coroutine_threadsafe(s.telegram.send(chat_id, reply), s.loop)
        future.result(timeout=self.timeout)
        desk.mark_delivered([message_id])
