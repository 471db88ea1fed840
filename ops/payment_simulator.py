#!/usr/bin/python3
"""A payment provider on loopback, for development and tests of Orderly.

It speaks the provider protocol of docs/design/payments.md, the one a real
adapter (Stripe, Adyen) would sit behind:

  Engine -> provider (Orderly's dispatcher):
    POST /v1/payment_intents {payment_id, attempt, amount_cents, currency,
                              payment_method, return_url}      -> 200 {id, ...}
    POST /v1/refunds         {payment_id, refund_id, amount_cents} -> 200 {id, ...}
  Both need an Idempotency-Key header (the same key answers the first answer
  again, marked `Idempotent-Replayed: true`, and schedules nothing new; the
  same key with other parameters is 422 idempotency_key_reused) and, when
  --api-key-file is given, `Authorization: Bearer <key>`.

  Provider -> engine, after a delay (--delay-ms MIN:MAX), on one background
  thread: POST <--webhook-url> with the body
    {"id": "evt_...", "type": ..., "created": <unix s>, "data": {...}}
  signed `Orderly-Signature: t=<unix s>,v1=<hex HMAC-SHA256 of "<t>.<body>">`,
  one v1 per secret in --secret-file (one secret a line: rotation).
    pm_card_ok       -> payment.succeeded {payment_id, amount_cents}
    pm_card_declined -> payment.failed {payment_id, amount_cents, reason: card_declined}
    pm_card_3ds      -> payment.requires_action {payment_id, amount_cents, next_action_url}
                        where next_action_url is this server's GET /3ds/<intent id>: a
                        page whose Approve and Fail buttons send payment.succeeded or
                        payment.failed (reason authentication_failed) and redirect
                        (303) to the intent's return_url
    a refund         -> refund.succeeded {payment_id, refund_id, amount_cents}
    --decline-all: every intent fails (card_declined), every refund fails
                   (refund.failed, reason refund_declined)
  A non-2xx answer other than 404, or no answer, is tried again with
  doubling delays (--retry-base-ms, --max-attempts), as real providers do.

  Chaos: --duplicate-rate R sends an event a second time (same id, same
  body, signed afresh) with probability R; --reorder-rate R, when an event
  is scheduled while another one for the same payment still waits, swaps
  their times with probability R (the later event arrives first). Delays and
  these choices come from --seed; event and intent ids never do (two runs
  with one seed must not make the same provider event ids).

  Control API for tests (loopback, no key):
    POST /_control/webhook {type, data, [id], [created], [timestamp], [secret],
                            [raw_body], [signature]}
        sends one webhook now, once, and answers {event_id, status, body,
        signature} with the engine's status and body. `secret` signs with that
        secret instead of the real ones, `timestamp` is the signature's t,
        `raw_body` is sent as it is instead of the JSON made of the fields,
        `signature` is sent as the header as it is (null: no header at all).
    POST /_control/webhook-url {url}  where webhooks go from now on (an engine
        started after the simulator, or restarted on another port)
    GET /_control/deliveries  every webhook sent: {items: [{seq, id, type,
        payment_id, refund_id, status, response, attempt, duplicate, control,
        sent_at}]}, status 0 when the engine did not answer
    GET /_control/intents, GET /_control/refunds  what it was sent: {items}

Usage:
  payment_simulator.py serve --port 0 --webhook-url URL --secret-file F
      [--api-key-file F] [--delay-ms MIN:MAX] [--duplicate-rate R]
      [--reorder-rate R] [--seed S] [--decline-all]
  payment_simulator.py sign --secret-file F --timestamp T --body-file B

`serve` prints `listening on http://127.0.0.1:<port>` as its first line
(port 0 picks a free one), logs to stderr and stops cleanly on SIGTERM or
SIGINT (webhooks still waiting are dropped). `sign` prints the header value
for a body, to cross-check another signer. Python's standard library only:
run it with /usr/bin/python3.
"""
import argparse
import hashlib
import heapq
import hmac
import html
import json
import random
import re
import secrets as secrets_module
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 1 << 20
PAYMENT_METHODS = ("pm_card_ok", "pm_card_declined", "pm_card_3ds")
WEBHOOK_TIMEOUT_S = 10


def read_secrets(path):
    """One secret a line, blank lines and surrounding spaces ignored (like
    api/payments/secret_file.h)."""
    with open(path, "rb") as f:
        found = [line.strip(b" \t\r\n") for line in f]
    found = [s for s in found if s]
    if not found:
        sys.exit(f"{path} holds no secret")
    return found


def sign(secret, t, body):
    return hmac.new(secret, str(t).encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_header(secrets, t, body):
    return f"t={t}," + ",".join("v1=" + sign(s, t, body) for s in secrets)


def compact(value):
    return json.dumps(value, separators=(",", ":")).encode()


def new_id(prefix):
    return prefix + secrets_module.token_hex(12)


class ValidationError(Exception):
    def __init__(self, param, message, code="validation_failed", status=400):
        super().__init__(message)
        self.param, self.message, self.code, self.status = param, message, code, status


def require_string(body, name):
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise ValidationError(name, f"{name} must be a non-empty string")
    return value


def require_int(body, name, minimum):
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValidationError(name, f"{name} must be an integer of at least {minimum}")
    return value


def parse_intent(body):
    intent = {
        "payment_id": require_string(body, "payment_id"),
        "attempt": require_int(body, "attempt", 1),
        "amount_cents": require_int(body, "amount_cents", 1),
        "currency": require_string(body, "currency"),
        "payment_method": require_string(body, "payment_method"),
        "return_url": require_string(body, "return_url"),
    }
    if not re.fullmatch(r"[A-Z]{3}", intent["currency"]):
        raise ValidationError("currency", "currency must be three capital letters")
    if intent["payment_method"] not in PAYMENT_METHODS:
        raise ValidationError("payment_method",
                              "payment_method must be one of " + ", ".join(PAYMENT_METHODS))
    if not re.match(r"https?://", intent["return_url"]):
        raise ValidationError("return_url", "return_url must be an http(s) URL")
    return intent


def parse_refund(body):
    return {
        "payment_id": require_string(body, "payment_id"),
        "refund_id": require_string(body, "refund_id"),
        "amount_cents": require_int(body, "amount_cents", 1),
    }


class Simulator:
    """The provider's state and its webhook sender.

    Thread safety: every field below `lock` is read and written with it held;
    the HTTP handler threads, the sender thread and the control calls share
    them. No network call is made with the lock held.
    """

    def __init__(self, args, secrets, api_key):
        self.webhook_url = args.webhook_url
        self.secrets = secrets
        self.api_key = api_key
        self.delay_ms = args.delay_ms
        self.duplicate_rate = args.duplicate_rate
        self.reorder_rate = args.reorder_rate
        self.decline_all = args.decline_all
        self.retry_base_s = args.retry_base_ms / 1000.0
        self.max_attempts = args.max_attempts
        self.base_url = ""  # set once the server is bound
        self.lock = threading.Condition()
        self.random = random.Random(args.seed)
        self.intents = {}      # intent id -> intent
        self.refunds = {}      # provider refund id -> refund
        self.answers = {}      # (path, idempotency key) -> (fingerprint, status, body)
        self.queue = []        # heap of (due monotonic s, seq, job)
        self.deliveries = []   # every webhook sent, in order
        self.seq = 0
        self.stopping = False

    # --- scheduling (REQUIRES: lock held) ---

    def _delay_s(self):
        low, high = self.delay_ms
        return self.random.uniform(low, high) / 1000.0

    def _push(self, due, job):
        self.seq += 1
        heapq.heappush(self.queue, [due, self.seq, job])

    def _schedule(self, event_type, data, not_before=0.0):
        """Queues one new event (and maybe its duplicate); may swap it with a
        waiting event of the same payment."""
        event = {"id": new_id("evt_"), "type": event_type, "created": int(time.time()),
                 "data": data}
        due = max(time.monotonic() + self._delay_s(), not_before)
        job = {"event": event, "attempt": 1, "duplicate": False}
        waiting = [e for e in self.queue
                   if e[2]["event"]["data"].get("payment_id") == data.get("payment_id")
                   and e[2]["attempt"] == 1]
        if waiting and self.random.random() < self.reorder_rate:
            # The last waiting event of this payment now goes after this one.
            other = max(waiting, key=lambda e: e[0])
            due, other[0] = min(due, other[0]), max(due, other[0]) + 0.001
            heapq.heapify(self.queue)
        self._push(due, job)
        if self.random.random() < self.duplicate_rate:
            self._push(due + self._delay_s() + 0.001,
                       {"event": event, "attempt": 1, "duplicate": True})
        self.lock.notify_all()
        return event

    def _schedule_outcome(self, intent):
        data = {"payment_id": intent["payment_id"], "amount_cents": intent["amount_cents"]}
        if self.decline_all or intent["payment_method"] == "pm_card_declined":
            intent["status"] = "failed"
            self._schedule("payment.failed", dict(data, reason="card_declined"))
        elif intent["payment_method"] == "pm_card_3ds":
            intent["status"] = "requires_action"
            self._schedule("payment.requires_action",
                           dict(data, next_action_url=f"{self.base_url}/3ds/{intent['id']}"))
        else:
            intent["status"] = "succeeded"
            self._schedule("payment.succeeded", data)

    # --- the provider API ---

    def _idempotent(self, path, key, fingerprint, make):
        """The first answer for (path, key), or make() once. REQUIRES: lock held."""
        known = self.answers.get((path, key))
        if known is not None:
            if known[0] != fingerprint:
                raise ValidationError(None, "this Idempotency-Key was used with other parameters",
                                      "idempotency_key_reused", 422)
            return known[1], known[2], True
        status, answer = make()
        self.answers[(path, key)] = (fingerprint, status, answer)
        return status, answer, False

    def create_intent(self, body, key):
        intent = parse_intent(body)
        # The engine's address may differ after a restart: a resent intent
        # with another return_url is the same intent (the first URL is kept).
        fingerprint = compact({k: v for k, v in intent.items() if k != "return_url"})

        def make():
            intent.update(id=new_id("pi_"), status="processing", idempotency_key=key,
                          requests=1, received_at=time.time())
            self.intents[intent["id"]] = intent
            self._schedule_outcome(intent)
            return 200, {"id": intent["id"], "object": "payment_intent",
                         "status": "processing", "payment_id": intent["payment_id"],
                         "amount_cents": intent["amount_cents"]}

        with self.lock:
            status, answer, replayed = self._idempotent("/v1/payment_intents", key, fingerprint,
                                                        make)
            if replayed and answer.get("id") in self.intents:
                self.intents[answer["id"]]["requests"] += 1
            return status, answer, replayed

    def create_refund(self, body, key):
        refund = parse_refund(body)

        def make():
            captured = [i for i in self.intents.values()
                        if i["payment_id"] == refund["payment_id"] and i["status"] == "succeeded"]
            if captured:
                # Known here: never more than was captured. (An intent from
                # before a restart of the simulator is unknown: accepted.)
                done = sum(r["amount_cents"] for r in self.refunds.values()
                           if r["payment_id"] == refund["payment_id"] and r["status"] != "failed")
                if done + refund["amount_cents"] > captured[0]["amount_cents"]:
                    return 400, {"error": {"code": "amount_too_large", "param": "amount_cents",
                                           "message": "more than what is left to refund"}}
            refund.update(id=new_id("re_"), idempotency_key=key, requests=1,
                          received_at=time.time())
            refund["status"] = "failed" if self.decline_all else "succeeded"
            self.refunds[refund["id"]] = refund
            data = {"payment_id": refund["payment_id"], "refund_id": refund["refund_id"],
                    "amount_cents": refund["amount_cents"]}
            if self.decline_all:
                self._schedule("refund.failed", dict(data, reason="refund_declined"))
            else:
                self._schedule("refund.succeeded", data)
            return 200, {"id": refund["id"], "object": "refund", "status": "pending",
                         "payment_id": refund["payment_id"], "refund_id": refund["refund_id"],
                         "amount_cents": refund["amount_cents"]}

        with self.lock:
            status, answer, replayed = self._idempotent("/v1/refunds", key, compact(refund), make)
            if replayed and answer.get("id") in self.refunds:
                self.refunds[answer["id"]]["requests"] += 1
            return status, answer, replayed

    def authenticate(self, intent_id, approved):
        """The 3-D Secure page's answer: the return_url, or None for an unknown
        intent. Only the first answer sends a webhook."""
        with self.lock:
            intent = self.intents.get(intent_id)
            if intent is None:
                return None
            if intent["status"] == "requires_action":
                data = {"payment_id": intent["payment_id"], "amount_cents": intent["amount_cents"]}
                if approved:
                    intent["status"] = "succeeded"
                    self._schedule("payment.succeeded", data)
                else:
                    intent["status"] = "failed"
                    self._schedule("payment.failed", dict(data, reason="authentication_failed"))
            return intent["return_url"]

    # --- sending ---

    def _post(self, body, header):
        """One POST to the webhook URL: (status, response text); 0 when no answer."""
        headers = {"Content-Type": "application/json", "User-Agent": "orderly-payment-simulator"}
        if header is not None:
            headers["Orderly-Signature"] = header
        with self.lock:
            url = self.webhook_url
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as answer:
                return answer.status, answer.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace")
        except (OSError, urllib.error.URLError) as e:
            return 0, str(e)

    def _record(self, event, status, response, attempt, duplicate, control):
        data = event.get("data") if isinstance(event.get("data"), dict) else {}
        with self.lock:
            self.deliveries.append({
                "seq": len(self.deliveries) + 1, "id": event.get("id"), "type": event.get("type"),
                "payment_id": data.get("payment_id"), "refund_id": data.get("refund_id"),
                "status": status, "response": response, "attempt": attempt,
                "duplicate": duplicate, "control": control, "sent_at": time.time()})

    def send_now(self, request):
        """POST /_control/webhook: one webhook, once, signed as asked."""
        if not isinstance(request, dict) or not isinstance(request.get("type", ""), str):
            raise ValidationError(None, "the body must be an object with a string type")
        if "raw_body" in request:
            if not isinstance(request["raw_body"], str):
                raise ValidationError("raw_body", "raw_body must be a string")
            body = request["raw_body"].encode()
            try:
                event = json.loads(body)
                event = event if isinstance(event, dict) else {}
            except ValueError:
                event = {}
        else:
            if not isinstance(request.get("data"), dict):
                raise ValidationError("data", "data must be an object")
            event = {"id": request.get("id") or new_id("evt_"), "type": request.get("type"),
                     "created": request.get("created", int(time.time())),
                     "data": request["data"]}
            body = compact(event)
        if "signature" in request:
            header = request["signature"]
        else:
            t = request.get("timestamp", int(time.time()))
            own = [request["secret"].encode()] if "secret" in request else self.secrets
            header = signature_header(own, t, body)
        status, response = self._post(body, header)
        self._record(event, status, response, 1, False, True)
        return {"event_id": event.get("id"), "status": status, "body": response,
                "signature": header}

    def run_sender(self):
        """The background thread: sends each due webhook, retrying as providers do."""
        while True:
            with self.lock:
                while not self.stopping and (
                        not self.queue or self.queue[0][0] > time.monotonic()):
                    timeout = self.queue[0][0] - time.monotonic() if self.queue else None
                    self.lock.wait(timeout)
                if self.stopping:
                    return
                _, _, job = heapq.heappop(self.queue)
            event = job["event"]
            body = compact(event)
            status, response = self._post(body, signature_header(self.secrets,
                                                                 int(time.time()), body))
            self._record(event, status, response, job["attempt"], job["duplicate"], False)
            print(f"webhook {event['type']} {event['id']} attempt {job['attempt']}: {status}",
                  file=sys.stderr, flush=True)
            if 200 <= status < 300 or status == 404 or job["attempt"] >= self.max_attempts:
                continue
            with self.lock:
                self._push(time.monotonic() + self.retry_base_s * 2 ** (job["attempt"] - 1),
                           dict(job, attempt=job["attempt"] + 1))
                self.lock.notify_all()

    def stop(self):
        with self.lock:
            self.stopping = True
            self.lock.notify_all()

    def listing(self, name):
        with self.lock:
            if name == "deliveries":
                return {"items": list(self.deliveries)}
            if name == "intents":
                items = self.intents.values()
            else:
                items = self.refunds.values()
            return {"items": sorted((dict(i) for i in items), key=lambda i: i["received_at"])}


THREE_DS_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>3-D Secure</title></head>
<body style="font-family: sans-serif; max-width: 30em; margin: 3em auto">
<h1>Confirm this payment</h1>
<p>Payment simulator, 3-D Secure check for {amount} ({currency}), payment {payment_id}.</p>
<form method="post" action="/3ds/{intent_id}/approve" style="display:inline">
<button type="submit">Approve</button></form>
<form method="post" action="/3ds/{intent_id}/fail" style="display:inline">
<button type="submit">Fail</button></form>
</body></html>
"""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle keep-alive connection is closed after this
    server_version = "orderly-payment-simulator"
    sim = None  # the Simulator, set by serve()

    def log_message(self, format, *args):  # noqa: A002 (BaseHTTPRequestHandler's name)
        sys.stderr.write("%s %s\n" % (self.address_string(), format % args))

    def _send(self, status, body, content_type="application/json", headers=()):
        raw = body if isinstance(body, bytes) else compact(body)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    def _error(self, status, code, message, param=None):
        self._send(status, {"error": {"code": code, "message": message, "param": param}})

    def _read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValidationError(None, "body too large", "payload_too_large", 413)
        return self.rfile.read(length)

    def _json_body(self):
        try:
            body = json.loads(self._read_body() or b"null")
        except ValueError:
            raise ValidationError(None, "the body is not JSON", "malformed_json")
        if not isinstance(body, dict):
            raise ValidationError(None, "the body must be a JSON object", "malformed_json")
        return body

    def _authorized(self):
        if self.sim.api_key is None:
            return True
        given = self.headers.get("Authorization", "")
        expected = b"Bearer " + self.sim.api_key
        return hmac.compare_digest(given.encode(), expected)

    def do_GET(self):
        sim = self.sim
        if self.path in ("/_control/deliveries", "/_control/intents", "/_control/refunds"):
            return self._send(200, sim.listing(self.path.rsplit("/", 1)[1]))
        match = re.fullmatch(r"/3ds/([A-Za-z0-9_]+)", self.path)
        if match:
            with sim.lock:
                intent = dict(sim.intents.get(match.group(1)) or {})
            if not intent:
                return self._send(404, b"unknown payment intent\n", "text/plain")
            page = THREE_DS_PAGE.format(
                amount=intent["amount_cents"], currency=html.escape(intent["currency"]),
                payment_id=html.escape(intent["payment_id"]), intent_id=intent["id"])
            return self._send(200, page.encode(), "text/html; charset=utf-8")
        self._error(404, "not_found", "no such route")

    def do_POST(self):
        try:
            self._route_post()
        except ValidationError as e:
            self._error(e.status, e.code, e.message, e.param)

    def _route_post(self):
        sim = self.sim
        match = re.fullmatch(r"/3ds/([A-Za-z0-9_]+)/(approve|fail)", self.path)
        if match:
            self._read_body()
            return_url = sim.authenticate(match.group(1), match.group(2) == "approve")
            if return_url is None:
                return self._send(404, b"unknown payment intent\n", "text/plain")
            return self._send(303, b"", "text/plain", [("Location", return_url)])
        if self.path == "/_control/webhook":
            return self._send(200, sim.send_now(self._json_body()))
        if self.path == "/_control/webhook-url":
            url = self._json_body().get("url")
            if not isinstance(url, str) or not re.match(r"https?://", url):
                raise ValidationError("url", "url must be an http(s) URL")
            with sim.lock:
                sim.webhook_url = url
            return self._send(200, {"webhook_url": url})
        if self.path not in ("/v1/payment_intents", "/v1/refunds"):
            self._read_body()
            return self._error(404, "not_found", "no such route")
        if not self._authorized():
            self._read_body()
            return self._error(401, "unauthorized", "a valid bearer API key is needed")
        key = self.headers.get("Idempotency-Key", "")
        if not key:
            self._read_body()
            return self._error(400, "idempotency_key_missing", "Idempotency-Key is needed",
                               "Idempotency-Key")
        body = self._json_body()
        create = sim.create_intent if self.path == "/v1/payment_intents" else sim.create_refund
        status, answer, replayed = create(body, key)
        self._send(status, answer, headers=[("Idempotent-Replayed", "true")] if replayed else [])


def delay_range(text):
    match = re.fullmatch(r"(\d+):(\d+)", text)
    if not match or int(match.group(1)) > int(match.group(2)):
        raise argparse.ArgumentTypeError("MIN:MAX in milliseconds, MIN <= MAX")
    return int(match.group(1)), int(match.group(2))


def rate(text):
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("a rate is between 0 and 1")
    return value


def serve(args):
    secrets = read_secrets(args.secret_file)
    api_key = read_secrets(args.api_key_file)[0] if args.api_key_file else None
    sim = Simulator(args, secrets, api_key)
    Handler.sim = sim
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    sim.base_url = f"http://127.0.0.1:{port}"
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threads = [threading.Thread(target=server.serve_forever, name="http"),
               threading.Thread(target=sim.run_sender, name="webhooks")]
    for t in threads:
        t.start()
    print(f"listening on {sim.base_url}", flush=True)
    while not stop.wait(1.0):
        pass
    server.shutdown()
    sim.stop()
    for t in threads:
        t.join()
    server.server_close()
    print("payment simulator stopped", file=sys.stderr, flush=True)
    return 0


def sign_command(args):
    with open(args.body_file, "rb") as f:
        body = f.read()
    print(signature_header(read_secrets(args.secret_file), args.timestamp, body))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    s = commands.add_parser("serve", help="run the provider")
    s.add_argument("--port", type=int, default=0, help="0: a free one (printed)")
    s.add_argument("--webhook-url", required=True, help="the engine's POST /api/payments/webhook")
    s.add_argument("--secret-file", required=True, help="webhook secrets, one a line")
    s.add_argument("--api-key-file", help="the bearer key the engine must send")
    s.add_argument("--delay-ms", type=delay_range, default=(200, 1000), metavar="MIN:MAX")
    s.add_argument("--duplicate-rate", type=rate, default=0.0, metavar="R")
    s.add_argument("--reorder-rate", type=rate, default=0.0, metavar="R")
    s.add_argument("--seed", type=int, default=None)
    s.add_argument("--decline-all", action="store_true")
    s.add_argument("--retry-base-ms", type=int, default=500,
                   help="first retry delay of a refused webhook, doubled each time")
    s.add_argument("--max-attempts", type=int, default=6, help="tries of one webhook")
    g = commands.add_parser("sign", help="print the Orderly-Signature value of a body")
    g.add_argument("--secret-file", required=True)
    g.add_argument("--timestamp", type=int, required=True)
    g.add_argument("--body-file", required=True)
    args = parser.parse_args()
    return serve(args) if args.command == "serve" else sign_command(args)


if __name__ == "__main__":
    sys.exit(main())
