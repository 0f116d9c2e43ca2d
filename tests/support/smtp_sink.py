#!/usr/bin/env python3
"""An SMTP server for the notify tests (aiosmtpd): writes each message to
DIR/<n>.eml and its decoded parts to DIR/<n>.json.

    python3 smtp_sink.py DIR [USER PASSWORD]

Prints `PORT <n>` once listening on 127.0.0.1. With USER and PASSWORD it
offers AUTH (over plain text: a loopback test server) and accepts only them.
"""
import email
import email.policy
import json
import logging
import os
import socket
import sys
import threading
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

# aiosmtpd warns about AUTH without TLS: on 127.0.0.1 in a test that is the point.
warnings.simplefilter("ignore")
logging.disable(logging.CRITICAL)

DIR = sys.argv[1]
CREDS = (sys.argv[2], sys.argv[3]) if len(sys.argv) > 3 else None
LOCK = threading.Lock()
COUNT = [0]


class Sink:
    async def handle_DATA(self, server, session, envelope):
        with LOCK:
            COUNT[0] += 1
            n = COUNT[0]
        raw = envelope.content
        with open(os.path.join(DIR, f"{n}.eml"), "wb") as f:
            f.write(raw)
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        parts = {}
        for part in msg.walk():
            if part.get_content_maintype() == "text":
                parts[part.get_content_type()] = part.get_content()
        info = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "subject": str(msg["Subject"]),
            "from": str(msg["From"]),
            "to": str(msg["To"]),
            "message_id": str(msg["Message-ID"]),
            "in_reply_to": str(msg["In-Reply-To"]) if msg["In-Reply-To"] else None,
            "references": str(msg["References"]) if msg["References"] else None,
            "content_type": msg.get_content_type(),
            "text": parts.get("text/plain"),
            "html": parts.get("text/html"),
            "authenticated": session.authenticated,
        }
        with open(os.path.join(DIR, f"{n}.json.tmp"), "w") as f:
            json.dump(info, f)
        os.rename(os.path.join(DIR, f"{n}.json.tmp"), os.path.join(DIR, f"{n}.json"))
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and CREDS is not None
        and (auth_data.login.decode(), auth_data.password.decode()) == CREDS
    )
    return AuthResult(success=ok)


s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
kwargs = {}
if CREDS:
    kwargs = {"authenticator": authenticator, "auth_require_tls": False, "auth_required": True}
controller = Controller(Sink(), hostname="127.0.0.1", port=port, **kwargs)
controller.start()
print("PORT", port, flush=True)
threading.Event().wait()
