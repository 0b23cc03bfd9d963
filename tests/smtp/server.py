"""A local SMTP server for Earshot's tests (aiosmtpd), with the options the plain
`python3 -m aiosmtpd` command line lacks.

    python3 tests/smtp/server.py PORT MAILDIR [--auth USER:PASSWORD] [--reject-domain DOMAIN]

Stores every accepted message in MAILDIR (which must not exist yet). With --auth, AUTH
PLAIN/LOGIN is required (over plain TCP: this is 127.0.0.1 only) and only USER:PASSWORD is
accepted. With --reject-domain, recipients in DOMAIN get a 550. Prints "ready" once it
accepts connections and runs until killed.
"""

import argparse
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("maildir")
    parser.add_argument("--auth")
    parser.add_argument("--reject-domain")
    args = parser.parse_args()

    class Handler(Mailbox):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if args.reject_domain and address.lower().endswith("@" + args.reject_domain):
                return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
            envelope.rcpt_tos.append(address)
            return "250 OK"

    options = {}
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login == user.encode()
                and auth_data.password == password.encode()
            )
            return AuthResult(success=ok, handled=False)

        options = dict(authenticator=authenticator, auth_required=True, auth_require_tls=False)

    controller = Controller(Handler(args.maildir), hostname="127.0.0.1", port=args.port, **options)
    controller.start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    sys.exit(main())
