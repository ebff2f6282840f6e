"""A real SMTP server for the alert tests (aiosmtpd, Debian's python3-aiosmtpd): prints
`PORT <n>` once it listens on 127.0.0.1, then one JSON line per message it accepts."""
import json
import socket
import sys
import time

from aiosmtpd.controller import Controller


class Recorder:
    async def handle_DATA(self, server, session, envelope):
        print(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos, "data": envelope.content.decode("utf8", "replace")}), flush=True)
        return "250 OK"


s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
controller = Controller(Recorder(), hostname="127.0.0.1", port=port)
controller.start()
print(f"PORT {port}", flush=True)
try:
    while True:
        time.sleep(3600)
except KeyboardInterrupt:
    pass
finally:
    controller.stop()
