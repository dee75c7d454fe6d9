#!/usr/bin/env python3
"""Logs (TERN_LOG_FORMAT=json): every line one JSON object, one access line
per response carrying the id sent as X-Request-Id, a trusted proxy's id
kept, and not one secret of the run in the log — passwords (right and
wrong), session cookies, client secrets, access and refresh tokens, each
sent every way the API takes them.

Usage: logs_test.py TERN
"""
import json
import random
import socket
import time

from harness import check, run_tests, User

WRONG_PASSWORD = "wrong-password-7f3a9c"


def run(s):
    secrets = {"password1", WRONG_PASSWORD}
    ids = []

    def req(method, path, body=None, **kw):
        st, b, r = s.request(method, path, body, **kw)
        ids.append(r.getheader("X-Request-Id"))
        return st, b, r

    alice = User(s, "alice")
    secrets.add(alice.cookie.split("=", 1)[1])
    # A fresh address each run: failures are throttled per account for
    # TERN_LOGIN_WINDOW_S (per address too: hence 10 s below), and the
    # throttle lives in the Redis every run shares.
    nobody = f"nobody{random.randrange(1 << 30)}@logs.test"
    st, _, _ = req("POST", "/auth/login", {"email": nobody, "password": WRONG_PASSWORD})
    check("a failed login", st == 401, st)
    st, _, _ = req("GET", "/api/me", cookie=alice.cookie)
    check("a signed-in request", st == 200)
    st, d, _ = req("POST", "/api/domains", {"host": "logs.example"}, cookie=alice.cookie)
    secrets.add(d["clientSecret"])
    st, t, _ = req("POST", "/v2/token", {"clientSecret": d["clientSecret"]})
    secrets.update([t["token"], t["refreshToken"]])
    st, _, _ = req("GET", "/v2/test", headers={"Authorization": "Bearer " + t["token"]})
    st2, _, _ = req("GET", "/v2/test", headers={"Authorization": t["token"]})
    check("the token, as a Bearer and bare", st == 200 and st2 == 200, (st, st2))
    st, t2, _ = req("POST", "/v2/token/refresh", {"refreshToken": t["refreshToken"]})
    secrets.update([t2["token"], t2["refreshToken"]])
    st, _, _ = req("POST", "/v2/token/refresh", {"refreshToken": t["refreshToken"]})
    check("a refresh token used twice → 401", st == 401)
    st, _, _ = req("POST", "/v2/token/revoke", headers={"Authorization": "Bearer " + t2["token"]})
    # Only the revoking loop knows at once; the other hears it from Redis
    # (API.md: on every loop within 1 s), and a new connection may land there.
    deadline = time.time() + 1.0
    while True:
        st, _, _ = req("GET", "/v2/test", headers={"Authorization": "Bearer " + t2["token"]})
        if st == 401 or time.time() > deadline:
            break
        time.sleep(0.02)
    check("a revoked token → 401 (within 1 s on every loop)", st == 401, st)
    st, _, _ = req("GET", "/api/me", cookie=alice.cookie + "tampered")
    st, _, _ = req("POST", "/auth/logout", cookie=alice.cookie,
                   headers={"Origin": "http://tern.test"})
    check("log out", st == 204, st)
    # A malformed request: answered by the connection, before any route.
    with socket.create_connection(("127.0.0.1", s.port), timeout=5) as c:
        c.sendall(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
        head = c.recv(4096).decode(errors="replace")
    malformed_id = next((line.split(":", 1)[1].strip() for line in head.split("\r\n")
                         if line.lower().startswith("x-request-id:")), None)
    check("a 400 from the parser has an X-Request-Id too", head.startswith("HTTP/1.1 400") and
          malformed_id, head[:200])
    # From a trusted proxy (loopback is one here), its id is kept.
    st, _, r = s.request("GET", "/healthz", headers={"X-Request-Id": "edge-42.a_b"})
    check("a trusted proxy's X-Request-Id is kept", r.getheader("X-Request-Id") == "edge-42.a_b")
    st, _, r = s.request("GET", "/healthz", headers={"X-Request-Id": "bad id\x7f"})
    check("…an implausible one is replaced", r.getheader("X-Request-Id") not in (None, "bad id\x7f"))

    # Each loop hands its lines over on its own tick: wait for every id.
    for i in ids + [malformed_id, "edge-42.a_b"]:
        log = s.log_once_it_has(f'"{i}"')
    lines = [line for line in log.splitlines() if line.strip()]
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except ValueError:
            parsed.append(None)
    check("every log line is one JSON object with time, level and msg",
          lines and all(isinstance(p, dict) and {"time", "level", "msg"} <= p.keys()
                        for p in parsed),
          [line for line, p in zip(lines, parsed) if not isinstance(p, dict)][:3])
    access = [p for p in parsed if isinstance(p, dict) and p.get("msg") == "access"]
    by_id = {}
    for a in access:
        by_id.setdefault(a.get("id"), []).append(a)
    check("each response's X-Request-Id is on exactly one access line",
          all(i and len(by_id.get(i, [])) == 1 for i in ids + [malformed_id]),
          [i for i in ids if len(by_id.get(i, [])) != 1][:3])
    check("request ids are unique", len(set(ids)) == len(ids))
    login = next((a for a in access if a.get("route") == "/auth/login" and a["status"] == 401), {})
    check("an access line has method, target, route, status, bytes and time",
          login.get("method") == "POST" and login.get("target") == "/auth/login" and
          login.get("bytes", 0) > 0 and isinstance(login.get("us"), int), login)
    bad = next((a for a in access if a.get("id") == malformed_id), {})
    check("the parser's 400 is logged with no route", bad.get("status") == 400 and
          bad.get("route") == "", bad)
    check("the trusted proxy's id is in the log", "edge-42.a_b" in by_id)
    leaked = [x[:12] + "…" for x in secrets if x in log]
    check(f"none of the run's {len(secrets)} secrets is in its log", not leaked, leaked)


run_tests(run, TERN_LOG_FORMAT="json", TERN_ACCESS_LOG="on", TERN_LOG_LEVEL="debug",
          TERN_TRUSTED_PROXIES="127.0.0.1", TERN_LOGIN_WINDOW_S="10")
