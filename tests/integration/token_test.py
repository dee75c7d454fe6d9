#!/usr/bin/env python3
"""The token API (API.md, "Token API") end to end: two real tern processes
sharing the PostgreSQL and Redis of scripts/test. Tokens, the attack list on
the wire, refresh and its reuse, revocation seen by the other process, CORS,
the rate limit shared by both processes, /v1 → 410, and Redis stopped.

Usage: token_test.py TERN
"""
import base64
import hashlib
import hmac
import json
import os
import subprocess
import tempfile
import time

from harness import check, run_tests, Server, User

SECRET = "j" * 40  # harness.Server's TERN_JWT_SECRET: kid k1
SVC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "lib", "svc")


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header, payload, key=SECRET):
    h = header if isinstance(header, str) else json.dumps(header, separators=(",", ":"))
    p = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
    signing = b64(h) + "." + b64(p)
    mac = hmac.new(key.encode(), signing.encode(), hashlib.sha256).digest()
    return signing + "." + b64(mac)


def claims(sub, **over):
    now = int(time.time())
    c = {"sub": str(sub), "nick": "x", "iss": "tern", "iat": now, "exp": now + 60, "jti": f"t{now}{sub}",
         "tier": "premium"}
    c.update(over)
    return {k: v for k, v in c.items() if v is not None}


HS256 = {"alg": "HS256", "typ": "JWT", "kid": "k1"}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def code_of(body):
    return body.get("code") if isinstance(body, dict) else None


def redis_command(*args):
    """One command to the test's Redis; its reply's first line."""
    import socket
    port = int(os.environ.get("TERN_TEST_REDIS_PORT", "63809"))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"*{len(args)}\r\n".encode() + b"".join(
            f"${len(x.encode())}\r\n{x}\r\n".encode() for x in args))
        return sock.makefile("rb").readline().decode().strip()


class Refused:
    """Truthy once ten requests in a row with `token` are 401, if that happens
    within `within` seconds of `since`; shows the statuses it saw."""

    def __init__(self, server, token, since, within=1.0):
        self.seen, run = [], 0
        while time.time() < since + within and run < 10:
            st, _, _ = server.request("GET", "/v2/test", headers=bearer(token))
            self.seen.append((round(time.time() - since, 3), st))
            run = run + 1 if st == 401 else 0
        self.ok = run == 10

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return repr(self.seen[-30:])


def refused_everywhere(server, token, since, within=1.0):
    return Refused(server, token, since, within)


def scenario(a, b):
    owner = User(a, "owner")
    st, dom, _ = owner("POST", "/api/domains", {"host": "localhost:4000", "type": "free"})
    assert st == 201, dom
    st, prem, _ = owner("POST", "/api/domains", {"host": "premium.example", "type": "premium"})
    assert st == 201, prem

    # --- issuing -----------------------------------------------------------
    st, body, r = a.request("POST", "/v2/token", {"clientSecret": "nope"})
    check("unknown secret → 401 {code, message}", st == 401 and code_of(body) == 401 and
          body.get("message"), body)
    st, body, _ = a.request("POST", "/v2/token", {})
    check("no secret → 401", st == 401)
    st, body, r = a.request("POST", "/v2/token", {"clientSecret": prem["clientSecret"]})
    check("secret → 200 {code 200, message, token, refreshToken}",
          st == 200 and body["code"] == 200 and body["token"].count(".") == 2 and
          len(body["refreshToken"]) == 43, body)
    check("/v2 answers are not cached", r.getheader("Cache-Control") == "no-store")
    token, refresh = body["token"], body["refreshToken"]
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    check("header: HS256, JWT, kid", header == {"alg": "HS256", "typ": "JWT", "kid": "k1"}, header)

    # --- using -------------------------------------------------------------
    st, body, r = a.request("GET", "/v2/test", headers=bearer(token))
    p = body.get("payload", {}) if isinstance(body, dict) else {}
    check("/v2/test with Bearer → 200 and the claims",
          st == 200 and p.get("sub") == str(owner.id) and p.get("nick") == "owner" and
          p.get("iss") == "tern" and p.get("exp", 0) - p.get("iat", 0) == 900 and p.get("jti"),
          body)
    st, _, _ = a.request("GET", "/v2/test", headers={"Authorization": token})
    check("the bare JWT (NodeBird's clients) → 200", st == 200)
    st, _, _ = b.request("GET", "/v2/test", headers=bearer(token))
    check("the other process accepts it too", st == 200)
    st, body, _ = a.request("GET", "/v2/test")
    check("no token → 401", st == 401 and code_of(body) == 401)
    owner("POST", "/api/posts", {"content": "from the API #tokenapi"})
    st, body, _ = a.request("GET", "/v2/posts/my", headers=bearer(token))
    check("/v2/posts/my → the owner's posts", st == 200 and body["payload"] and all(
        x["user"]["id"] == owner.id for x in body["payload"]), body)
    st, body, _ = a.request("GET", "/v2/posts/hashtag/TokenAPI", headers=bearer(token))
    check("/v2/posts/hashtag/:title → the tag's posts (case-insensitive)",
          st == 200 and any("#tokenapi" in x["content"] for x in body["payload"]), body)

    # --- the attack list, on the wire --------------------------------------
    uid = owner.id
    attacks = {
        "alg none": forge({"alg": "none", "typ": "JWT"}, claims(uid)).rsplit(".", 1)[0] + ".",
        "alg None, signed": forge({"alg": "None"}, claims(uid)),
        "alg NONE": forge({"alg": "NONE", "kid": "k1"}, claims(uid)),
        "HS256 with the wrong key": forge(HS256, claims(uid), key="k" * 40),
        "HS512 header": forge({"alg": "HS512", "kid": "k1"}, claims(uid)),
        "RS256 header": forge({"alg": "RS256", "kid": "k1"}, claims(uid)),
        "kid pointing nowhere": forge({"alg": "HS256", "kid": "k7"}, claims(uid)),
        "jku header": forge({"alg": "HS256", "kid": "k1", "jku": "http://evil/k"}, claims(uid)),
        "crit header": forge({"alg": "HS256", "kid": "k1", "crit": ["exp"]}, claims(uid)),
        "duplicate alg in header": forge('{"alg":"HS256","alg":"none","kid":"k1"}', claims(uid)),
        "wrong iss": forge(HS256, claims(uid, iss="nodebird")),
        "missing exp": forge(HS256, claims(uid, exp=None)),
        "future nbf": forge(HS256, claims(uid, nbf=int(time.time()) + 3600)),
        "truncated": token[:-10],
        "tampered payload": token.split(".")[0] + "." + b64(json.dumps(claims(uid))) + "." +
                            token.split(".")[2],
        "padded base64": token.split(".")[0] + "==." + ".".join(token.split(".")[1:]),
        "10 KB": forge(HS256, claims(uid, pad="x" * 10000)),
        "garbage": "not.a.token",
    }
    for name, bad in attacks.items():
        st, body, _ = a.request("GET", "/v2/test", headers=bearer(bad))
        check(f"{name} → 401", st == 401 and code_of(body) == 401, (st, body))
    st, body, _ = a.request("GET", "/v2/test", headers=bearer(
        forge(HS256, claims(uid, iat=int(time.time()) - 3600, exp=int(time.time()) - 60))))
    check("expired → 419 (NodeBird's code)", st == 419 and code_of(body) == 419, (st, body))
    big = "a" * (1 << 20)
    st, _, _ = a.request("GET", "/v2/test", headers=bearer(big[:12000]))
    check("a 12 KB header of a token → 4xx, not 500", 400 <= st < 500, st)
    st, _, _ = a.request("GET", "/v2/test", headers=bearer(forge(HS256, claims(uid))))
    check("a token forged with the right key (control) → 200", st == 200, st)

    # --- refresh -----------------------------------------------------------
    st, body, _ = a.request("POST", "/v2/token/refresh", {"refreshToken": refresh})
    check("refresh → a new pair", st == 200 and body["token"] != token and
          body["refreshToken"] != refresh, body)
    refresh2 = body["refreshToken"]
    st, body, _ = b.request("POST", "/v2/token/refresh", {"refreshToken": refresh})
    check("the used refresh token again → 401", st == 401, (st, body))
    st, body, _ = a.request("POST", "/v2/token/refresh", {"refreshToken": refresh2})
    check("…and its whole family died with it", st == 401, (st, body))
    for bad in ["", "x", "A" * 43, "A" * 44, "+" * 43]:
        st, _, _ = a.request("POST", "/v2/token/refresh", {"refreshToken": bad})
        check(f"refresh {bad[:6]!r}… → 401", st == 401, st)

    # --- revocation, seen by the other process within a second --------------
    st, body, _ = a.request("POST", "/v2/token", {"clientSecret": prem["clientSecret"]})
    t2 = body["token"]
    st, _, _ = b.request("GET", "/v2/test", headers=bearer(t2))
    check("a fresh token works on B", st == 200)
    st, _, _ = a.request("POST", "/v2/token/revoke", headers=bearer(t2))
    check("revoke on A → 204", st == 204, st)
    revoked_at = time.time()
    # The revoking loop denies it at once; the process's other loop and B's
    # two learn it through Redis pub/sub. Within 1 s every loop must refuse it:
    # ten requests in a row (each a new connection, landing on either loop).
    r = refused_everywhere(a, t2, revoked_at)
    check("revoked → 401 on every loop of A within 1 s", r, r)
    r = refused_everywhere(b, t2, revoked_at)
    check("revoked → 401 on every loop of B within 1 s", r, r)

    # A revocation a node missed while cut off from pub/sub (here: written to
    # the sorted set with no message) is honoured once its subscriber is back.
    # (B's loops make their first rebuild within a second of subscribing.)
    time.sleep(max(0.0, b.started + 1.5 - time.time()))
    st, body, _ = a.request("POST", "/v2/token", {"clientSecret": prem["clientSecret"]})
    t3 = body["token"]
    c3 = json.loads(base64.urlsafe_b64decode(t3.split(".")[1] + "=="))
    redis_command("ZADD", "tern:revoked", str(c3["exp"]), c3["jti"])
    time.sleep(0.3)
    st, _, _ = b.request("GET", "/v2/test", headers=bearer(t3))
    check("a revocation that was never published is not seen yet", st == 200, st)
    killed = redis_command("CLIENT", "KILL", "TYPE", "pubsub")
    cut_at = time.time()
    check("the subscribers are cut off", killed.startswith(":") and int(killed[1:]) >= 4, killed)
    r = refused_everywhere(b, t3, cut_at, within=5.0)
    check("…and once they are back, every loop of B refuses it (rebuilt from the set)", r, r)
    r = refused_everywhere(a, t3, cut_at, within=5.0)
    check("…and every loop of A", r, r)

    # A token past exp but inside the leeway still works; revoked, it must not.
    late = forge(HS256, claims(uid, exp=int(time.time()) - 1, jti=f"late{time.time()}"))
    st, _, _ = a.request("GET", "/v2/test", headers=bearer(late))
    check("a token 1 s past exp is accepted (5 s leeway)", st == 200, st)
    st, _, _ = a.request("POST", "/v2/token/revoke", headers=bearer(late))
    check("…revoked → 204", st == 204, st)
    r = refused_everywhere(a, late, time.time())
    check("…and refused from then on, inside the leeway too", r, r)

    # --- CORS ----------------------------------------------------------------
    st, _, r = a.request("GET", "/v2/test", headers={**bearer(token), "Origin": "http://localhost:4000"})
    check("registered origin → ACAO, credentials, Vary",
          r.getheader("Access-Control-Allow-Origin") == "http://localhost:4000" and
          r.getheader("Access-Control-Allow-Credentials") == "true" and
          "Origin" in (r.getheader("Vary") or ""), r.getheaders())
    st, _, r = a.request("GET", "/v2/test", headers={"Origin": "http://localhost:4000"})
    check("…also on its 401", st == 401 and
          r.getheader("Access-Control-Allow-Origin") == "http://localhost:4000")
    st, _, r = a.request("GET", "/v2/test", headers={**bearer(token), "Origin": "http://evil.example"})
    check("unregistered origin → no CORS headers", r.getheader("Access-Control-Allow-Origin") is None)
    st, _, r = a.request("GET", "/v2/test", headers={**bearer(token), "Origin": "http://localhost:4001"})
    check("another port of a registered host is another origin", r.getheader(
        "Access-Control-Allow-Origin") is None)
    pre = {"Origin": "http://localhost:4000", "Access-Control-Request-Method": "GET",
           "Access-Control-Request-Headers": "authorization"}
    st, _, r = a.request("OPTIONS", "/v2/posts/my", headers=pre)
    check("preflight from a registered origin → 204 with methods and headers",
          st == 204 and "GET" in r.getheader("Access-Control-Allow-Methods", "") and
          "Authorization" in r.getheader("Access-Control-Allow-Headers", ""), (st, r.getheaders()))
    st, body, r = a.request("OPTIONS", "/v2/posts/my", headers={**pre, "Origin": "http://evil.example"})
    check("preflight from an unregistered origin → 403, no CORS headers",
          st == 403 and r.getheader("Access-Control-Allow-Origin") is None, st)
    st, d3, _ = owner("POST", "/api/domains", {"host": "late.example"})
    st, _, r = b.request("GET", "/v2/test", headers={**bearer(token), "Origin": "https://late.example"})
    check("a domain registered on A is allowed on B at once",
          r.getheader("Access-Control-Allow-Origin") == "https://late.example")
    owner("DELETE", f"/api/domains/{d3['id']}")
    deadline, gone = time.time() + 1.0, False
    while time.time() < deadline and not gone:
        st, _, r = b.request("GET", "/v2/test", headers={**bearer(token), "Origin": "https://late.example"})
        gone = r.getheader("Access-Control-Allow-Origin") is None
        time.sleep(0.02)
    # Every loop of B (new connections land on either) refuses it now.
    later = [b.request("GET", "/v2/test", headers={**bearer(token), "Origin": "https://late.example"})
             [2].getheader("Access-Control-Allow-Origin") for _ in range(10)]
    check("…and refused on B within 1 s of its deletion, on every loop",
          gone and later == [None] * 10, later)

    owner("POST", "/api/domains", {"host": "dflt.example:443"})
    st, _, r = a.request("GET", "/v2/test", headers={**bearer(token), "Origin": "https://dflt.example"})
    check("a domain registered with :443 matches the https origin a browser sends without it",
          r.getheader("Access-Control-Allow-Origin") == "https://dflt.example")
    st, _, r = a.request("GET", "/v2/test", headers={**bearer(token), "Origin": "http://dflt.example"})
    check("…but not the http one", r.getheader("Access-Control-Allow-Origin") is None)

    # --- /v1 ---------------------------------------------------------------
    for path in ["/v1/token", "/v1/test", "/v1/posts/my", "/v1"]:
        st, body, _ = a.request("GET", path)
        check(f"{path} → 410 {{code, message}}", st == 410 and code_of(body) == 410, (st, body))


def rate_limits(a, b):
    """The free limit (TERN_RATE_FREE=5 on both) is one budget across both processes."""
    owner = User(a, "rated")
    st, dom, _ = owner("POST", "/api/domains", {"host": "rated.example", "type": "free"})
    st, body, _ = a.request("POST", "/v2/token", {"clientSecret": dom["clientSecret"]})
    token = body["token"]  # the token request itself counted one
    statuses, last = [], None
    for i in range(8):
        server = a if i % 2 == 0 else b
        st, body, r = server.request("GET", "/v2/test", headers=bearer(token))
        statuses.append(st)
        last = r
        if st == 200:
            check(f"request {i + 2}: RateLimit headers", r.getheader("RateLimit-Limit") == "5" and
                  int(r.getheader("RateLimit-Remaining")) == 3 - i)
    check("5 a minute across A and B: 4 more pass, then 429", statuses == [200] * 4 + [429] * 4,
          statuses)
    check("429 carries Retry-After and RateLimit-Remaining 0",
          int(last.getheader("Retry-After")) >= 1 and last.getheader("RateLimit-Remaining") == "0")

    # Redis stopped: token checks need no network; the limiter fails open.
    subprocess.run([SVC, "redis-stop"], check=True, capture_output=True)
    try:
        answers = [a.request("GET", "/v2/test", headers=bearer(token))[0] for _ in range(5)]
        check("Redis stopped → /v2/test still 200 (limiter open), 5 times", answers == [200] * 5,
              answers)
        st, body, _ = b.request("GET", "/v2/posts/my", headers=bearer(token))
        check("Redis stopped → /v2/posts/my still 200", st == 200, (st, body))
    finally:
        subprocess.run([SVC, "redis-start"], check=True, capture_output=True)
    log = a.log_once_it_has("rate limit: Redis unavailable")
    check("the outage is logged once", log.count("rate limit: Redis unavailable") == 1,
          log.count("rate limit: Redis unavailable"))


def run_all(a):
    work = tempfile.mkdtemp()
    b = Server(work, TERN_RATE_FREE="5", TERN_RATE_PREMIUM="100000")
    b.started = time.time()
    try:
        scenario(a, b)
        rate_limits(a, b)
    finally:
        b.stop()


run_tests(run_all, TERN_RATE_FREE="5", TERN_RATE_PREMIUM="100000")
