"""Email to a mailing list through a real SMTP server on loopback (aiosmtpd), read back with
the standard `email` package: plain-text and HTML parts, subject, threading, unsubscribe."""

from __future__ import annotations

import datetime
import email
import email.policy
import ipaddress
import ssl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from bs4 import BeautifulSoup
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.notify.conftest import channel
from tests.notify.test_webhook import INCIDENT
from tests.publish.conftest import free_port

SLUG = "2026-11-20-api-errors"
PASSWORD = "smtp-pw-NeverPrintMe"


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              email.message_from_bytes(envelope.content, policy=email.policy.default)))
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"status" and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp():
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


def mail_channel(port: int, **extra) -> str:
    return channel("list", "email", smtp_host="127.0.0.1", smtp_port=port, starttls=False,
                   **{"from": "status@example.com"}, to=["status-announce@lists.example.com"], **extra)


def run_incident(nrepo):
    nrepo.incident(SLUG, INCIDENT)
    assert nrepo.notify("--since", "2026-11-20T00:00:00Z").exit_code == 0
    result = nrepo.run("update", SLUG, "--root", str(nrepo.root), "--status", "resolved",
                       "--message", "Error rates are **back to normal**.", "--at", "2026-11-20T15:10:00Z")
    assert result.exit_code == 0, result.output
    notified = nrepo.notify(now="2026-11-20T15:20:00Z")
    assert notified.exit_code == 0, notified.output
    assert nrepo.notify(now="2026-11-20T15:30:00Z").exit_code == 0


def test_mail_to_the_list_with_text_html_and_one_thread(nrepo, smtp):
    mailbox, port = smtp
    nrepo.configure(mail_channel(port))
    run_incident(nrepo)
    assert len(mailbox.messages) == 2
    (sender, rcpts, first), (_, _, second) = mailbox.messages
    assert sender == "status@example.com" and rcpts == ["status-announce@lists.example.com"]
    assert first["Subject"] == "[Test Status] Elevated API errors: Investigating"
    assert second["Subject"] == "[Test Status] Elevated API errors: Resolved"
    assert first["Message-ID"] == f"<{SLUG}@status.test.example>"
    assert second["In-Reply-To"] == first["Message-ID"] and second["References"] == first["Message-ID"]
    assert second["Message-ID"] == f"<{SLUG}-20261120T151000Z@status.test.example>"
    assert second["List-Unsubscribe"].strip() == "<mailto:status-announce@lists.example.com?subject=unsubscribe>"
    assert second["X-Statusgen-Delivery"] == f"{SLUG}-20261120T151000Z"
    text = second.get_body(preferencelist=("plain",)).get_content()
    html = second.get_body(preferencelist=("html",)).get_content()
    assert "Error rates are **back to normal**." in text
    assert f"https://status.test.example/incidents/{SLUG}/#update-20261120T151000Z" in text
    soup = BeautifulSoup(html, "html5lib")
    assert soup.find("strong").get_text() == "back to normal"
    assert soup.find("h1").get_text() == "Resolved: Elevated API errors"
    assert soup.find("a", href="mailto:status-announce@lists.example.com?subject=unsubscribe")


def self_signed(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def test_starttls_and_login(nrepo, tmp_path, monkeypatch):
    cert_file, key_file = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))  # the client trusts only this certificate
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                            authenticator=authenticator, auth_require_tls=True)
    controller.start()
    try:
        nrepo.env.update(SMTP_USER="status", SMTP_PASSWORD=PASSWORD)
        nrepo.configure(channel("list", "email", smtp_host="127.0.0.1", smtp_port=port, starttls=True,
                                **{"from": "status@example.com"}, to=["announce@lists.example.com"],
                                username_env="SMTP_USER", password_env="SMTP_PASSWORD"))
        run_incident(nrepo)
        assert [m["Subject"] for _, _, m in mailbox.messages] == [
            "[Test Status] Elevated API errors: Investigating", "[Test Status] Elevated API errors: Resolved"]

        nrepo.env["SMTP_PASSWORD"] = "wrong"
        nrepo.run("update", SLUG, "--root", str(nrepo.root), "--status", "postmortem",
                  "--message", "Write-up.", "--at", "2026-11-20T16:00:00Z")
        refused = nrepo.notify(now="2026-11-20T16:10:00Z")
        assert refused.exit_code == 1
        assert "list (SMTP 535: login refused" in refused.output
        assert "wrong" not in refused.output and PASSWORD not in refused.output
    finally:
        controller.stop()


def test_unreachable_server_is_retried_then_reported(nrepo, no_waiting):
    port = free_port()  # nothing listens there
    nrepo.configure(mail_channel(port))
    nrepo.incident(SLUG, INCIDENT)
    result = nrepo.notify("--since", "2026-11-20T00:00:00Z")
    assert result.exit_code == 1
    assert "list (SMTP connection failed (Connection refused) after 4 attempts)" in result.output
    assert len(no_waiting) == 3
