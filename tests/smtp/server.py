"""A local SMTP server for Earshot's tests (aiosmtpd), with the options the plain
`python3 -m aiosmtpd` command line lacks.

    python3 tests/smtp/server.py PORT MAILDIR [--auth USER:PASSWORD] [--reject-domain DOMAIN]
        [--stall greeting|ehlo|mail|rcpt|data|after-dot|quit]

Stores every accepted message in MAILDIR (which must not exist yet). With --auth, AUTH
PLAIN/LOGIN is required (over plain TCP: this is 127.0.0.1 only) and only USER:PASSWORD is
accepted. With --reject-domain, recipients in DOMAIN get a 550. With --stall, the server
stops answering at that point of every conversation (and keeps the connection open):
  greeting   accepts the connection and never says a word
  ehlo       greets, then never answers EHLO
  mail       never answers MAIL FROM
  rcpt       never answers RCPT TO
  data       never answers the DATA command
  after-dot  takes the whole message, stores it in MAILDIR, never answers the final "."
  quit       answers 250 to the message (stored), then never answers QUIT
Prints "ready" once it accepts connections and runs until killed.
"""

import argparse
import asyncio
import socket
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

STALL_POINTS = ["greeting", "ehlo", "mail", "rcpt", "data", "after-dot", "quit"]
FOREVER = 3600


def silent_server(port):
    """Accept connections and never say a word (the greeting never comes)."""
    listener = socket.create_server(("127.0.0.1", port))
    held = []
    print("ready", flush=True)
    while True:
        connection, _ = listener.accept()
        held.append(connection)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("maildir")
    parser.add_argument("--auth")
    parser.add_argument("--reject-domain")
    parser.add_argument("--stall", choices=STALL_POINTS)
    args = parser.parse_args()

    if args.stall == "greeting":
        return silent_server(args.port)

    class Handler(Mailbox):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if args.stall == "rcpt":
                await asyncio.sleep(FOREVER)
            if args.reject_domain and address.lower().endswith("@" + args.reject_domain):
                return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            status = await super().handle_DATA(server, session, envelope)
            if args.stall == "after-dot":
                await asyncio.sleep(FOREVER)
            return status

    # Hooks that change the server's behaviour merely by existing: defined only when used.
    if args.stall == "ehlo":

        async def handle_EHLO(self, server, session, envelope, hostname, responses):
            await asyncio.sleep(FOREVER)

        Handler.handle_EHLO = handle_EHLO
    if args.stall == "mail":

        async def handle_MAIL(self, server, session, envelope, address, mail_options):
            await asyncio.sleep(FOREVER)

        Handler.handle_MAIL = handle_MAIL
    if args.stall == "quit":

        async def handle_QUIT(self, server, session, envelope):
            await asyncio.sleep(FOREVER)

        Handler.handle_QUIT = handle_QUIT

    class Server(SMTP):
        async def smtp_DATA(self, arg):
            if args.stall == "data":
                await asyncio.sleep(FOREVER)
            return await super().smtp_DATA(arg)

    class StallingController(Controller):
        def factory(self):
            return Server(self.handler, **self.SMTP_kwargs)

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

    controller = StallingController(
        Handler(args.maildir), hostname="127.0.0.1", port=args.port, **options
    )
    controller.start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    sys.exit(main())
