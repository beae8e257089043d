"""E-mail through a provider's SMTP server: STARTTLS or TLS from the start, authentication, the
server's certificate verified, and never a password in clear. A real SMTP server (aiosmtpd)
with a certificate made for the test."""
from __future__ import annotations

import datetime as dt
import ipaddress
import smtplib
import ssl
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from smtp_inbox import Inbox
from test_outbox import free_port

from bot.config import load_settings
from handoff.mail import Mailer, security_for

USER, PASSWORD = "relay-user", "relay-password-MARKER"


integration = pytest.mark.integration  # a real SMTP server


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (certificate file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "smtp.test")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("smtp-tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_file), str(key_file)


class Logins:
    """The server's authenticator: accepts USER / PASSWORD, remembers every attempt."""

    def __init__(self):
        self.tried: list[tuple[str, str]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.tried.append((login, password))
        # handled=False: the server itself answers a failure (535).
        return AuthResult(success=(login, password) == (USER, PASSWORD), handled=False)


def server_context(certificate) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


@pytest.fixture
def provider(certificate):
    """A submission server: STARTTLS required, then authentication required (never in clear)."""
    inbox, logins = Inbox(), Logins()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), tls_context=server_context(certificate),
                            require_starttls=True, authenticator=logins, auth_required=True,
                            auth_require_tls=True)
    controller.start()
    yield controller, inbox, logins
    controller.stop()


def a_message(subject: str = "Accompagnement social ABC") -> EmailMessage:
    message = EmailMessage()
    message["To"] = "equipe@exemple.fr"
    message["Subject"] = subject
    message.set_content("Ouvrir le dossier dans la console.\n")
    return message


@integration
def test_starttls_then_authentication_delivers_with_the_server_verified(provider, certificate):
    controller, inbox, logins = provider
    mailer = Mailer("127.0.0.1", controller.port, "assistant@exemple.fr", "starttls", USER, PASSWORD,
                    ca_file=certificate[0])
    mailer.send(a_message())
    [(recipients, received)] = inbox.messages
    assert recipients == ["equipe@exemple.fr"] and received["From"] == "assistant@exemple.fr"
    assert logins.tried == [(USER, PASSWORD)]


@integration
def test_a_wrong_password_raises_so_the_outbox_retries(provider, certificate):
    controller, inbox, _ = provider
    mailer = Mailer("127.0.0.1", controller.port, "a@exemple.fr", "starttls", USER, "wrong", ca_file=certificate[0])
    with pytest.raises(smtplib.SMTPAuthenticationError):
        mailer.send(a_message())
    assert inbox.messages == []


@integration
def test_an_unverified_certificate_stops_before_the_password_is_sent(provider):
    controller, inbox, logins = provider
    mailer = Mailer("127.0.0.1", controller.port, "a@exemple.fr", "starttls", USER, PASSWORD)  # system authorities
    with pytest.raises(ssl.SSLCertVerificationError):
        mailer.send(a_message())
    assert logins.tried == [] and inbox.messages == []


@integration
def test_a_server_without_starttls_is_never_spoken_to_in_clear():
    inbox, logins = Inbox(), Logins()
    plain = Controller(inbox, hostname="127.0.0.1", port=free_port(), authenticator=logins,
                       auth_require_tls=False)
    plain.start()
    try:
        mailer = Mailer("127.0.0.1", plain.port, "a@exemple.fr", "starttls", USER, PASSWORD)
        with pytest.raises(smtplib.SMTPNotSupportedError):
            mailer.send(a_message())
    finally:
        plain.stop()
    assert logins.tried == [] and inbox.messages == []


@integration
def test_tls_from_the_start_on_the_submissions_port(certificate):
    inbox, logins = Inbox(), Logins()
    # The whole connection is TLS (aiosmtpd's auth_require_tls only knows STARTTLS's).
    implicit = Controller(inbox, hostname="127.0.0.1", port=free_port(), ssl_context=server_context(certificate),
                          authenticator=logins, auth_required=True, auth_require_tls=False)
    implicit.start()
    try:
        Mailer("127.0.0.1", implicit.port, "a@exemple.fr", "tls", USER, PASSWORD, ca_file=certificate[0]).send(
            a_message())
    finally:
        implicit.stop()
    assert len(inbox.messages) == 1 and logins.tried == [(USER, PASSWORD)]


@pytest.mark.unit
def test_the_security_follows_the_port_and_a_user_name_is_never_sent_in_clear():
    assert security_for(None, 25, None) == "none"  # a local relay
    assert security_for(None, 587, None) == "starttls"
    assert security_for(None, 465, USER) == "tls"
    assert security_for(None, 25, USER) == "starttls"
    assert security_for("TLS", 2525, USER) == "tls"
    with pytest.raises(ValueError, match="in clear"):
        security_for("none", 587, USER)
    with pytest.raises(ValueError, match="SMTP_SECURITY must be one of"):
        security_for("ssl", 465, None)
    with pytest.raises(ValueError, match="in clear"):
        Mailer("smtp.exemple.fr", 25, "a@exemple.fr", "none", USER, PASSWORD)


@pytest.mark.unit
def test_the_settings_read_the_smtp_account_and_refuse_a_password_in_clear(tmp_path, monkeypatch):
    for name in ("SMTP_SECURITY", "SMTP_USER", "SMTP_PASSWORD", "SMTP_PORT", "SMTP_CA_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SMTP_PORT", "587")
    monkeypatch.setenv("SMTP_USER", USER)
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    settings = load_settings(tmp_path / "no.env")
    assert (settings.smtp_security, settings.smtp_user, str(settings.smtp_password)) == ("starttls", USER, PASSWORD)
    assert PASSWORD not in repr(settings)  # a Secret: never printed with the settings
    monkeypatch.setenv("SMTP_SECURITY", "none")
    with pytest.raises(ValueError, match="in clear"):
        load_settings(tmp_path / "no.env")
