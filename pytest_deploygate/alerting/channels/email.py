"""E-mail channel: SMTP with STARTTLS (or implicit TLS) and optional authentication."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from pytest_deploygate.alerting.channels.base import Channel, DeliveryError, Option
from pytest_deploygate.alerting.notice import Notice


class EmailChannel(Channel):
    type = "email"
    OPTIONS = {
        "host": Option(str, required=True, help="the SMTP server's host name"),
        "port": Option(int, default=587, help="a port number"),
        "from": Option(str, required=True, help="the sender address"),
        "to": Option(list, default=[], help="a list of addresses always mailed"),
        "starttls": Option(bool, default=True, help="true or false (upgrade with STARTTLS)"),
        "ssl": Option(bool, default=False, help="true or false (implicit TLS, port 465)"),
        "username": Option(str, help="the SMTP login name"),
        "password": Option(str, secret=True, help="the SMTP password"),
        "ca_file": Option(str, help="a PEM file of CAs to trust (for a private relay)"),
    }

    def recipients(self, notice: Notice) -> list[str]:
        addresses = [r for r in notice.rule.recipients if "@" in r]
        return list(dict.fromkeys([*map(str, self.options["to"]), *addresses]))

    def message(self, notice: Notice, recipients: list[str]) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = notice.subject
        message["From"] = self.options["from"]
        message["To"] = ", ".join(recipients)
        message["Date"] = formatdate(notice.at, usegmt=True)
        message["Message-ID"] = make_msgid("deploygate")
        message["X-Deploygate-Status"] = notice.status
        message.set_content(notice.text)
        return message

    def send(self, notice: Notice, timeout: float) -> str:
        recipients = self.recipients(notice)
        if not recipients:
            raise DeliveryError(
                f"no e-mail addresses for rule {notice.rule.name!r}: add them to the rule's "
                "recipients or the channel's to",
                retryable=False,
            )
        context = ssl.create_default_context(cafile=self.options["ca_file"])
        host, port = self.options["host"], self.options["port"]
        smtp: smtplib.SMTP = (
            smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
            if self.options["ssl"]
            else smtplib.SMTP(host, port, timeout=timeout)
        )
        with smtp:
            smtp.ehlo()
            if self.options["starttls"] and not self.options["ssl"]:
                if not smtp.has_extn("starttls"):
                    raise DeliveryError(
                        f"{host}:{port} does not offer STARTTLS; fix the relay, or set "
                        "starttls = false only for a relay on a trusted network",
                        retryable=False,
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.options["username"]:
                try:
                    _login(smtp, self.options["username"], self.options["password"] or "")
                except smtplib.SMTPAuthenticationError as exc:
                    raise DeliveryError(
                        f"SMTP login as {self.options['username']!r} refused ({exc.smtp_code}); "
                        "check username and password",
                        retryable=False,
                    ) from None
            refused = smtp.send_message(self.message(notice, recipients))
        if refused:
            raise DeliveryError(f"recipients refused: {', '.join(sorted(refused))}", False)
        return f"mailed {len(recipients)} recipient(s) via {host}:{port}"


def _login(smtp: smtplib.SMTP, username: str, password: str) -> None:
    """Log in with one mechanism. smtplib's ``login`` tries the next mechanism after a refusal,
    which only repeats a wrong password (and can count towards a lock-out)."""
    offered = smtp.esmtp_features.get("auth", "").upper().split()
    smtp.user, smtp.password = username, password
    if "PLAIN" in offered:
        smtp.auth("PLAIN", smtp.auth_plain)
    elif "LOGIN" in offered:
        smtp.auth("LOGIN", smtp.auth_login)
    else:
        smtp.login(username, password)
