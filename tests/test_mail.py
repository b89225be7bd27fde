from __future__ import annotations

import pytest

from tests.support.smtp import SmtpServer
from vpspanel.config import Settings
from vpspanel.mail import Mailer, MailNotSent, SmtpRelay
from vpspanel.state import mailer_for


class TestRelayUrl:
    def test_submission_port_requires_starttls(self) -> None:
        relay = SmtpRelay.from_url("smtp://mailer%40example.com:p%2Fss@mail.example.com")
        assert (relay.host, relay.port, relay.start_tls, relay.use_tls) == (
            "mail.example.com",
            587,
            True,
            False,
        )
        assert (relay.username, relay.password) == ("mailer@example.com", "p/ss")

    def test_smtps_is_tls_from_the_start(self) -> None:
        relay = SmtpRelay.from_url("smtps://u:p@mail.example.com")
        assert (relay.port, relay.use_tls, relay.start_tls) == (465, True, False)

    def test_plain_text_only_when_asked(self) -> None:
        relay = SmtpRelay.from_url("smtp://localhost:25?starttls=off")
        assert (relay.port, relay.start_tls) == (25, False)

    @pytest.mark.parametrize(
        ("url", "problem"),
        [
            ("http://mail.example.com", "smtp:// or smtps://"),
            ("smtp://", "no host"),
            ("smtp://h?starttls=maybe", "on or off"),
        ],
    )
    def test_bad_urls_say_what_is_wrong(self, url: str, problem: str) -> None:
        with pytest.raises(ValueError, match=problem):
            SmtpRelay.from_url(url)

    def test_settings_refuse_a_bad_url_without_echoing_it(self) -> None:
        with pytest.raises(ValueError, match="smtp:// or smtps://") as caught:
            Settings(smtp_url="http://user:hunter2-secret@mail.example.com")
        assert "hunter2-secret" not in str(caught.value)


class TestMailer:
    async def test_delivers_to_a_real_smtp_server(self, smtp_server: SmtpServer) -> None:
        mailer = mailer_for(Settings(smtp_url=smtp_server.url, mail_from="Panel <p@example.com>"))
        assert mailer.configured
        await mailer.send(to="ada@example.com", subject="Hello", text="Line one\nLine two\n")
        (received,) = smtp_server.messages
        assert received.recipients == ["ada@example.com"]
        assert received.message["Subject"] == "Hello"
        assert received.message["From"] == "Panel <p@example.com>"
        assert "Line two" in received.text

    async def test_refuses_to_fall_back_to_plain_text(self, smtp_server: SmtpServer) -> None:
        # The test server offers no STARTTLS: a relay URL that requires it must not send.
        relay = SmtpRelay.from_url(f"smtp://{smtp_server.host}:{smtp_server.port}")
        with pytest.raises(MailNotSent, match=f"{smtp_server.port}"):
            await Mailer(relay, sender="p@example.com").send(
                to="a@example.com", subject="s", text="t"
            )
        assert smtp_server.messages == []

    async def test_unconfigured_mailer_refuses(self) -> None:
        mailer = mailer_for(Settings())
        assert not mailer.configured
        with pytest.raises(MailNotSent, match="VPSPANEL_SMTP_URL"):
            await mailer.send(to="a@example.com", subject="s", text="t")
