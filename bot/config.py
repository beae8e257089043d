"""Configuration, read once from the environment then a `.env` file, with embedded defaults; and
the checks of it that need nothing slow (a busy port is said at once, not after minutes of
training a model)."""
from __future__ import annotations

import errno
import secrets
import socket
from dataclasses import asdict, dataclass
from pathlib import Path

from starlette.config import Config
from starlette.datastructures import Secret

from handoff.mail import Mailer, security_for
from handoff.retention import Retention

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    var_dir: Path
    models_dir: Path
    faq_file: Path  # the FAQ's answers (content staff publish to it from the console)
    nlu_data_dir: Path  # the training phrasings (content staff publish to them too)
    content_accuracy_margin: float  # accuracy points a publish may cost a language before it is refused
    database_url: str
    database_pool_size: int  # connections each worker keeps open to PostgreSQL
    database_max_overflow: int  # extra connections a worker may open at a peak
    conversation_connections: int  # PostgreSQL: connections for messages being answered, per worker
    rasa_url: str | None
    telegram_token: Secret | None
    telegram_webhook_url: str | None
    telegram_webhook_secret: Secret | None
    telegram_api_url: str | None  # another Bot API server (a local one, or the tests' fake)
    log_level: str
    log_format: str | None  # json | text; unset: json for `serve`, text for the other commands
    handoff_keys: Secret | None  # Fernet keys, comma-separated, newest first
    public_url: str  # how advisers reach this server (links in notifications)
    smtp_host: str | None
    smtp_port: int
    smtp_from: str
    smtp_security: str  # none | starttls | tls (handoff.mail.security_for)
    smtp_user: str | None
    smtp_password: Secret | None
    smtp_ca_file: str | None  # authorities to verify the SMTP server with, instead of the system's
    team_email: str  # the national / default team address
    team_emails: dict[str, str]  # region -> regional team address
    case_webhook_url: str | None
    case_webhook_secret: Secret | None
    sms_gateway_url: str | None  # sends a lost follow-up code by SMS (POST JSON {"to", "text"})
    sms_gateway_token: Secret | None
    session_secret: Secret | None
    outbox_lease: float  # seconds a notification being delivered stays taken by its worker
    console_idle_minutes: int  # a console session unused this long stops working
    cases_per_hour: int  # requests to an adviser from one web client address or Telegram chat, per hour
    totp_for_advisers: bool  # a second factor for advisers too (always for supervisors)
    console_max_hours: int  # and any after this long
    retention: Retention  # how long each kind of data is kept (handoff/retention.py)
    first_contact_hours: int  # the team's target: a first contact attempt within this many hours
    urgent_first_contact_hours: int  # and for an urgent request
    # The call-back delay the service commits to, in working days; unset, the assistant
    # promises none (no seed sets one).
    callback_working_days: int | None = None


def _pairs(text: str) -> dict[str, str]:
    """`Île-de-France=idf@x.fr;Bretagne=bzh@x.fr` -> {region: address}."""
    pairs = {}
    for item in text.split(";"):
        if "=" in item:
            key, value = item.split("=", 1)
            pairs[key.strip()] = value.strip()
    return pairs


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError("CONVERSATION_CONNECTIONS must be a whole number, at least 1")
    return value


def _positive_or_none(text: str | None) -> int | None:
    if text in (None, ""):
        return None
    value = int(str(text))
    if value < 1:
        raise ValueError("CALLBACK_WORKING_DAYS must be a whole number of days, at least 1")
    return value


def load_settings(env_file: Path | None = None) -> Settings:
    env_file = env_file if env_file is not None else ROOT / ".env"
    config = Config(env_file if env_file.exists() else None)
    var_dir = Path(config("ASSISTANT_VAR_DIR", default=str(ROOT / "var")))
    token = config("TELEGRAM_TOKEN", cast=Secret, default=None)
    smtp_port = config("SMTP_PORT", cast=int, default=25)
    smtp_user = config("SMTP_USER", default=None) or None
    return Settings(
        host=config("HOST", default="127.0.0.1"),
        port=config("PORT", cast=int, default=8000),
        var_dir=var_dir,
        models_dir=Path(config("ASSISTANT_MODELS_DIR", default=str(ROOT / "models"))),
        faq_file=Path(config("FAQ_CONTENT_FILE", default=str(ROOT / "nlu" / "content" / "faq.yml"))),
        nlu_data_dir=Path(config("NLU_DATA_DIR", default=str(ROOT / "nlu" / "data"))),
        content_accuracy_margin=config("CONTENT_ACCURACY_MARGIN", cast=float, default=1.0),
        database_url=config("DATABASE_URL", default=f"sqlite:///{var_dir / 'assistant.db'}"),
        database_pool_size=config("DATABASE_POOL_SIZE", cast=int, default=5),
        database_max_overflow=config("DATABASE_MAX_OVERFLOW", cast=int, default=10),
        conversation_connections=config("CONVERSATION_CONNECTIONS", cast=_at_least_one, default=12),
        rasa_url=config("RASA_URL", default=None),
        telegram_token=token if token and str(token) else None,
        telegram_webhook_url=config("TELEGRAM_WEBHOOK_URL", default=None) or None,
        telegram_webhook_secret=config("TELEGRAM_WEBHOOK_SECRET", cast=Secret, default=None),
        telegram_api_url=config("TELEGRAM_API_URL", default=None) or None,
        log_level=config("LOG_LEVEL", default="info"),
        log_format=config("LOG_FORMAT", default=None) or None,
        handoff_keys=config("HANDOFF_KEYS", cast=Secret, default=None),
        public_url=config("PUBLIC_URL", default="http://127.0.0.1:8000"),
        smtp_host=config("SMTP_HOST", default=None) or None,
        smtp_port=smtp_port,
        smtp_from=config("SMTP_FROM", default="assistant-logement@localhost"),
        smtp_security=security_for(config("SMTP_SECURITY", default=None), smtp_port, smtp_user),
        smtp_user=smtp_user,
        smtp_password=config("SMTP_PASSWORD", cast=Secret, default=None),
        smtp_ca_file=config("SMTP_CA_FILE", default=None) or None,
        team_email=config("TEAM_EMAIL", default="accompagnement@localhost"),
        team_emails=_pairs(config("TEAM_EMAILS", default="")),
        case_webhook_url=config("CASE_WEBHOOK_URL", default=None) or None,
        case_webhook_secret=config("CASE_WEBHOOK_SECRET", cast=Secret, default=None),
        sms_gateway_url=config("SMS_GATEWAY_URL", default=None) or None,
        sms_gateway_token=config("SMS_GATEWAY_TOKEN", cast=Secret, default=None),
        session_secret=config("SESSION_SECRET", cast=Secret, default=None),
        outbox_lease=config("OUTBOX_LEASE_SECONDS", cast=float, default=120.0),
        console_idle_minutes=config("CONSOLE_IDLE_MINUTES", cast=int, default=30),
        cases_per_hour=config("CASES_PER_HOUR", cast=int, default=5),
        totp_for_advisers=config("TOTP_FOR_ADVISERS", cast=bool, default=False),
        console_max_hours=config("CONSOLE_MAX_HOURS", cast=int, default=8),
        callback_working_days=config("CALLBACK_WORKING_DAYS", cast=_positive_or_none, default=None),
        first_contact_hours=config("SLA_FIRST_CONTACT_HOURS", cast=int, default=48),
        urgent_first_contact_hours=config("SLA_URGENT_FIRST_CONTACT_HOURS", cast=int, default=4),
        retention=Retention(**{
            name: config(f"RETENTION_{name.upper()}", cast=int, default=default)
            for name, default in asdict(Retention()).items()
        }),
    )


def mailer(settings: Settings) -> Mailer | None:
    """The deployment's SMTP server, or None without SMTP_HOST."""
    if not settings.smtp_host:
        return None
    return Mailer(settings.smtp_host, settings.smtp_port, settings.smtp_from, settings.smtp_security,
                  settings.smtp_user, str(settings.smtp_password) if settings.smtp_password else None,
                  settings.smtp_ca_file)


def session_secret(settings: Settings) -> str:
    """SESSION_SECRET, or one generated once into var/session.key: it signs the console's
    sessions and keys the pseudonyms of conversations (`bot.store.pseudonym`). Every worker
    must have the same."""
    if settings.session_secret:
        return str(settings.session_secret)

    path = settings.var_dir / "session.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


class PortBusy(Exception):
    """The address `serve` was asked to listen on is taken."""


def check_port(host: str, port: int) -> None:
    """Raise PortBusy if nothing could listen on host:port now (before any slow work)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: TIME_WAIT is no obstacle
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                reason = exc.strerror.lower() if exc.strerror else str(exc)
                raise PortBusy(f"cannot listen on {host}:{port}: {reason}") from None
            raise
