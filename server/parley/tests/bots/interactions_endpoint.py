"""A bot's HTTP interactions endpoint, as Discord's documentation writes one in Python: every
request's Ed25519 signature is checked with PyNaCl against the application's public key
(`PARLEY_VERIFY_KEY`, hex) before anything else; a bad one is refused with 401. It answers a
PING with a PONG and the slash command `echo` with a message repeating its `text` option.

Prints `LISTENING <port>` once serving, and `INTERACTION <id> <type> <command name>` for each
signed interaction. `PARLEY_TRUST_EVERYONE=1` makes it skip the check (an endpoint Parley must
refuse to save).
"""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

VERIFY_KEY = VerifyKey(bytes.fromhex(os.environ["PARLEY_VERIFY_KEY"]))
TRUST_EVERYONE = os.environ.get("PARLEY_TRUST_EVERYONE") == "1"


class Endpoint(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body=None):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        signature = self.headers.get("X-Signature-Ed25519", "")
        timestamp = self.headers.get("X-Signature-Timestamp", "")
        if not TRUST_EVERYONE:
            try:
                VERIFY_KEY.verify(timestamp.encode() + body, bytes.fromhex(signature))
            except (BadSignatureError, ValueError):
                return self.answer(401, {"error": "invalid request signature"})
        interaction = json.loads(body)
        if interaction["type"] == 1:
            return self.answer(200, {"type": 1})
        name = interaction.get("data", {}).get("name", "-")
        print(f"INTERACTION {interaction['id']} {interaction['type']} {name}", flush=True)
        options = {o["name"]: o.get("value") for o in interaction["data"].get("options", [])}
        return self.answer(200, {"type": 4, "data": {"content": f"echo: {options.get('text', '')}"}})


server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
print(f"LISTENING {server.server_address[1]}", flush=True)
sys.stdout.flush()
server.serve_forever()
