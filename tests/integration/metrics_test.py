#!/usr/bin/env python3
"""GET /metrics (API.md, "Operations"): exact counts merged over the loops,
the text format checked by `promtool check metrics`, and a real Prometheus
(Debian's) scraping a running tern on loopback. Who may scrape
(TERN_METRICS) is checked too.

Usage: metrics_test.py TERN
"""
import concurrent.futures
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
import json

from harness import Server, User, check, free_port, run_tests

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')


def scrape(s):
    st, body, r = s.request("GET", "/metrics")
    return st, body.decode() if isinstance(body, bytes) else str(body), r


def parse(text):
    """{(name, frozenset of label pairs): value} of every sample line."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, line
        labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


def raw_request(port, data):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
        c.sendall(data)
        reply = b""
        while chunk := c.recv(4096):
            reply += chunk
    return reply


def check_counts(s):
    alice = User(s, "alice")  # a join and a login: two hashes on the CPU pool
    st, _, _ = alice("GET", "/api/me")
    check("a signed-in request", st == 200)
    s.request("GET", "/api/me", cookie="sid=forged.value")
    s.request("GET", "/v2/test", headers={"Authorization": "Bearer not.a.token"})
    st, d, _ = alice("POST", "/api/domains", {"host": "metrics.example"})
    st, t, _ = s.request("POST", "/v2/token", {"clientSecret": d["clientSecret"]})
    token = t["token"]
    st, _, _ = s.request("GET", "/v2/test", headers={"Authorization": f"Bearer {token}"})
    check("a valid token", st == 200, st)
    s.request("GET", "/no/such/page")
    reply = raw_request(s.port, b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
    check("a malformed request → 400", reply.startswith(b"HTTP/1.1 400"), reply[:40])

    # 300 requests on their own connections, which the kernel spreads over
    # both loops: the scrape must sum the loops exactly.
    def healthz(_):
        return s.request("GET", "/healthz")[0]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(healthz, range(300)))
    check("300 /healthz answered", statuses == [200] * 300)

    time.sleep(1.2)  # the pools' figures are copied once a second
    st, text, r = scrape(s)
    check("GET /metrics → 200 in the text format",
          st == 200 and r.getheader("Content-Type").startswith("text/plain; version=0.0.4"),
          (st, r.getheader("Content-Type")))
    m = parse(text)
    healthz_count = value(m, "tern_http_requests_total", method="GET", route="/healthz", status="200")
    check("requests counted exactly, summed over the loops", healthz_count == 300, healthz_count)
    check("a 404 counted as (unmatched)",
          value(m, "tern_http_requests_total", route="(unmatched)", status="404") == 1)
    check("the malformed request counted as (unrouted) 400",
          value(m, "tern_http_requests_total", route="(unrouted)", status="400") == 1)
    check("the join counted under its route",
          value(m, "tern_http_requests_total", method="POST", route="/auth/join", status="201") == 1)
    n = value(m, "tern_http_request_duration_seconds_count", method="GET", route="/healthz")
    inf = value(m, "tern_http_request_duration_seconds_bucket", method="GET", route="/healthz",
                le="+Inf")
    buckets = sorted((float(dict(k[1])["le"]), v) for k, v in m.items()
                     if k[0] == "tern_http_request_duration_seconds_bucket" and
                     dict(k[1]).get("route") == "/healthz" and dict(k[1])["le"] != "+Inf")
    check("the latency histogram: count = +Inf bucket = requests, buckets never decrease",
          n == inf == 300 and all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])), (n, inf))
    check("sessions checked: valid and invalid",
          value(m, "tern_sessions_checked_total", outcome="valid") >= 2 and
          value(m, "tern_sessions_checked_total", outcome="invalid") == 1)
    check("tokens checked: one valid, one invalid",
          value(m, "tern_tokens_checked_total", outcome="valid") == 1 and
          value(m, "tern_tokens_checked_total", outcome="invalid") == 1)
    check("the CPU pool ran the password hashes",
          value(m, "tern_pool_jobs_total", pool="cpu") >= 2)
    check("each loop's lag is measured",
          value(m, "tern_event_loop_lag_seconds_count", loop="0") > 0 and
          value(m, "tern_event_loop_lag_seconds_count", loop="1") > 0)
    check("PostgreSQL pools: 2 loops × 2 connections, all ready",
          value(m, "tern_pg_connections", state="size") == 4 and
          value(m, "tern_pg_connections", state="ready") == 4, text[-300:])
    check("Redis connected on both loops", value(m, "tern_redis_connected") == 2)
    check("open connections is a gauge ≥ 1 (this scrape)",
          value(m, "tern_http_connections_open") >= 1)
    check("resident memory reported", value(m, "process_resident_memory_bytes") > 1e6)

    leaked = [name for name, secret in (("the session cookie", alice.cookie.split("=", 1)[1]),
                                        ("the client secret", d["clientSecret"]),
                                        ("the access token", token),
                                        ("the password", "password1")) if secret in text]
    check("no secret of the run in the scrape", not leaked, leaked)
    promtool = subprocess.run(["promtool", "check", "metrics"], input=text.encode(),
                              capture_output=True)
    check("promtool check metrics: clean", promtool.returncode == 0 and not promtool.stdout and
          not promtool.stderr, (promtool.stdout + promtool.stderr)[:500])
    check("the only labels are method, route, status, loop, pool, state, outcome, service, "
          "reason, le", {k for key in m for k, _ in key[1]} <=
          {"method", "route", "status", "loop", "pool", "state", "outcome", "service",
           "reason", "le"}, {k for key in m for k, _ in key[1]})

    # Scrapes while requests run: counters never go down.
    def load(_):
        return s.request("GET", "/healthz")[0]
    before = value(parse(scrape(s)[1]), "tern_http_requests_total", method="GET",
                   route="/healthz", status="200")
    seen = [before]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(load, i) for i in range(400)]
        for _ in range(10):
            seen.append(value(parse(scrape(s)[1]), "tern_http_requests_total", method="GET",
                              route="/healthz", status="200"))
        concurrent.futures.wait(futures)
    after = value(parse(scrape(s)[1]), "tern_http_requests_total", method="GET",
                  route="/healthz", status="200")
    check("counters only grow while scraped under load, and end exact",
          all(a <= b for a, b in zip(seen, seen[1:])) and after == before + 400, (seen, after))
    return token


def check_prometheus(s):
    """Debian's Prometheus scrapes this tern every second; its API then has the series."""
    work = tempfile.mkdtemp()
    port = free_port()
    config = os.path.join(work, "prometheus.yml")
    with open(config, "w") as f:
        f.write(f"""global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: tern
    static_configs:
      - targets: ["127.0.0.1:{s.port}"]
""")
    log = open(os.path.join(work, "log"), "wb")
    proc = subprocess.Popen(["prometheus", f"--config.file={config}",
                             f"--storage.tsdb.path={work}/data",
                             f"--web.listen-address=127.0.0.1:{port}"],
                            stdout=log, stderr=log)

    def api(query):
        url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": query})
        with urllib.request.urlopen(url, timeout=2) as r:
            return json.load(r)["data"]["result"]
    up, healthz = None, None
    deadline = time.time() + 30
    try:
        while time.time() < deadline:
            try:
                up = api('up{job="tern"}')
                healthz = api('tern_http_requests_total{route="/healthz",status="200"}')
                if up and up[0]["value"][1] == "1" and healthz:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        check("Prometheus scrapes tern: up == 1", bool(up) and up[0]["value"][1] == "1", up)
        check("…and stores tern's request counter",
              bool(healthz) and float(healthz[0]["value"][1]) >= 700, healthz)
        targets = json.load(urllib.request.urlopen(
            f"http://127.0.0.1:{port}/api/v1/targets", timeout=2))["data"]["activeTargets"]
        check("…with no scrape error", targets and targets[0]["health"] == "up" and
              targets[0]["lastError"] == "", targets)
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(work, ignore_errors=True)


def run(s):
    check_counts(s)
    check_prometheus(s)

    # Who may scrape. Behind a trusted proxy the client is who it says.
    work = tempfile.mkdtemp()
    try:
        proxied = Server(work, TERN_TRUSTED_PROXIES="127.0.0.1")
        st, _, _ = proxied.request("GET", "/metrics")
        check("TERN_METRICS=local: a loopback client may scrape", st == 200)
        st, body, _ = proxied.request("GET", "/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
        st_file, body_file, _ = proxied.request("GET", "/no-such-file",
                                                headers={"X-Forwarded-For": "203.0.113.9"})
        check("…a remote client gets the 404 of a missing file",
              st == 404 and body == body_file and st_file == 404, (st, body))
        proxied.stop()
        closed = Server(work, TERN_METRICS="off")
        st, _, _ = closed.request("GET", "/metrics")
        check("TERN_METRICS=off: 404 even on loopback", st == 404)
        closed.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)


run_tests(run)
