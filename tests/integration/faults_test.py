#!/usr/bin/env python3
"""Faults, each bounded and on loopback, with the figures docs/OPERATIONS.md
quotes (lines starting "figure:"):

- Redis stopped under wrk load: session routes 503 (never 401 or 500), /v2
  keeps serving, both recover by themselves soon after Redis is back.
- PostgreSQL stopped and started under load: 503 during the gap only.
- SIGTERM with 500 requests in flight: every one answered, exit 0.
- kill -9 of a cluster worker under load: replaced within 1 s, the other
  worker keeps answering.
- The upload directory full, then read-only: 503 and no partial file; it
  works again once there is room.
- A post whose transaction fails: no post, hashtag or link left behind.

Usage: faults_test.py TERN   (needs scripts/test's services: it stops and
starts them through scripts/lib/svc)
"""
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time

from harness import Server, User, check, error_code, free_port, run_tests, TERN

HERE = os.path.dirname(os.path.abspath(__file__))
SVC = os.path.join(HERE, "..", "..", "scripts", "lib", "svc")
DATABASE_URL = os.environ.get("DATABASE_URL", "")


def svc(action):
    subprocess.run([SVC, action], check=True, capture_output=True)


def psql(sql):
    return subprocess.run(["psql", DATABASE_URL, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql],
                          check=True, capture_output=True, text=True).stdout.strip()


def wrk(port, path, seconds, conns=16, headers=()):
    args = ["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--timeout", "2s"]
    for h in headers:
        args += ["-H", h]
    return subprocess.Popen(args + [f"http://127.0.0.1:{port}{path}"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def wrk_summary(proc):
    out = proc.communicate(timeout=60)[0]
    total = re.search(r"(\d+) requests in", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"requests": int(total.group(1)) if total else 0,
            "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": sum(map(int, errors.groups())) if errors else 0}


class Probe(threading.Thread):
    """Asks each of `targets` ((name, path, headers)) every `period` seconds
    on a fresh connection; records (time, name, status or 'error')."""

    def __init__(self, server, targets, period=0.025):
        super().__init__(daemon=True)
        self.server, self.targets, self.period = server, targets, period
        self.seen, self.stopping = [], False

    def run(self):
        while not self.stopping:
            for name, path, headers in self.targets:
                try:
                    st = self.server.request("GET", path, headers=headers)[0]
                except OSError:
                    st = "error"
                self.seen.append((time.monotonic(), name, st))
            time.sleep(self.period)

    def stop(self):
        self.stopping = True
        self.join(10)

    def between(self, name, start, end):
        return [st for t, n, st in self.seen if n == name and start <= t < end]

    def recovered_at(self, name, after, ok=(200,)):
        """When `name` answered one of `ok` after `after` and kept doing so."""
        at = None
        for t, n, st in self.seen:
            if n != name or t < after:
                continue
            if st in ok and at is None:
                at = t
            elif st not in ok:
                at = None
        return at


def redis_outage(s):
    alice = User(s, "alice")
    st, d, _ = alice("POST", "/api/domains", {"host": "faults.example", "type": "premium"})
    st, t, _ = s.request("POST", "/v2/token", {"clientSecret": d["clientSecret"]})
    bearer = {"Authorization": "Bearer " + t["token"]}
    probe = Probe(s, [("me", "/api/me", {"Cookie": alice.cookie}), ("v2", "/v2/test", bearer)])
    load = wrk(s.port, "/api/me", 7, headers=[f"Cookie: {alice.cookie}"])
    pid = s.proc.pid
    probe.start()
    time.sleep(1.5)
    stopped = time.monotonic()
    svc("redis-stop")
    time.sleep(2.0)
    svc("redis-start")
    back = time.monotonic()
    time.sleep(3.0)
    probe.stop()
    summary = wrk_summary(load)
    during_me = probe.between("me", stopped + 0.3, back)
    during_v2 = probe.between("v2", stopped + 0.3, back)
    check("Redis down: session routes answer 503 (not 401, not 500)",
          during_me and all(st == 503 for st in during_me), sorted(set(during_me)))
    check("Redis down: /v2 keeps serving (token checks need no Redis)",
          during_v2 and all(st == 200 for st in during_v2), sorted(set(during_v2)))
    # The test's Redis keeps nothing on disk, so the session itself is gone:
    # recovered means answered again (401, the session unknown) and a new
    # login working.
    me_at = probe.recovered_at("me", back, ok=(200, 401))
    me_s = me_at - back if me_at else -1
    check("session routes answer again within 2 s of Redis returning (no more 503)",
          me_at is not None and me_s <= 2.0, me_s)
    again = User(s, "again")
    st, _, _ = again("GET", "/api/me")
    check("…and a new login works", st == 200, st)
    every = [st for _, _, st in probe.seen]
    check("no 500 and no refused connection during the outage",
          500 not in every and "error" not in every, sorted(set(map(str, every))))
    check("the same process throughout (no restart)", s.proc.poll() is None and s.proc.pid == pid)
    print(f"figure: redis outage 2.0 s under wrk (16 conns on /api/me): sessions back "
          f"{me_s:.2f} s after Redis; /v2/test 200 throughout ({len(during_v2)} probes); "
          f"wrk {summary['requests']} requests, {summary['non2xx']} non-2xx (the 503s), "
          f"{summary['socket_errors']} socket errors")


def postgres_restart(s):
    probe = Probe(s, [("posts", "/api/posts?limit=5", {}), ("health", "/healthz", {})])
    load = wrk(s.port, "/api/posts?limit=5", 8)
    probe.start()
    time.sleep(1.0)
    stopped = time.monotonic()
    svc("pg-stop")
    time.sleep(1.0)
    svc("pg-start")
    back = time.monotonic()
    deadline = back + 8
    while time.monotonic() < deadline and probe.recovered_at("posts", back) is None:
        time.sleep(0.1)
    time.sleep(1.0)
    probe.stop()
    summary = wrk_summary(load)
    posts = [st for _, n, st in probe.seen if n == "posts"]
    check("PostgreSQL restarted: only 200 and 503, never a 500 or a dropped connection",
          set(posts) <= {200, 503} and 503 in posts, sorted(set(map(str, posts))))
    at = probe.recovered_at("posts", back)
    gap_ok = all(st == 200 for st in probe.between("posts", 0, stopped))
    check("…200 before the stop, and 200 again (for good) after it is back", gap_ok and at,
          (gap_ok, at))
    health = probe.between("health", stopped, back)
    check("…/healthz 200 throughout", health and all(st == 200 for st in health))
    rec = at - back if at else -1
    print(f"figure: postgres stopped 1.0 s (plus its start-up) under wrk (16 conns on "
          f"/api/posts): 200 again {rec:.2f} s after it accepted connections; wrk "
          f"{summary['requests']} requests, {summary['non2xx']} non-2xx (the 503s), "
          f"{summary['socket_errors']} socket errors")


def sigterm_in_flight(work):
    s = Server(work, TERN_MAX_CONNECTIONS_PER_ADDRESS="2000", TERN_DRAIN_TIMEOUT_MS="10000")
    alice = User(s, "drainer")
    before = int(psql(f"SELECT count(*) FROM posts WHERE user_id = {alice.id}"))
    body = b'{"content":"written while draining #drain"}'
    head = (f"POST /api/posts HTTP/1.1\r\nHost: t\r\nCookie: {alice.cookie}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    socks = []
    for _ in range(500):
        c = socket.create_connection(("127.0.0.1", s.port), timeout=15)
        c.sendall(head + body[:10])  # in flight: the head and part of the body
        socks.append(c)
    time.sleep(0.5)  # every head read
    s.proc.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    refused = False
    try:
        socket.create_connection(("127.0.0.1", s.port), timeout=2).close()
    except OSError:
        refused = True
    check("after SIGTERM no new connection is accepted", refused)
    for c in socks:
        c.sendall(body[10:])
    answers = []
    for c in socks:
        data = b""
        try:
            while chunk := c.recv(65536):
                data += chunk
        except OSError:
            pass
        c.close()
        answers.append(data)
    created = sum(a.startswith(b"HTTP/1.1 201") for a in answers)
    closing = sum(b"\r\nConnection: close\r\n" in a for a in answers)
    check("SIGTERM with 500 requests in flight: all 500 answered 201",
          created == 500, [a[:60] for a in answers if not a.startswith(b"HTTP/1.1 201")][:3])
    check("…each with Connection: close", closing == 500, closing)
    rc = s.proc.wait(30)
    check("…and tern exits 0", rc == 0, rc)
    after = int(psql(f"SELECT count(*) FROM posts WHERE user_id = {alice.id}"))
    check("…and the 500 posts are stored", after - before == 500, after - before)
    print(f"figure: SIGTERM with 500 requests in flight: {created} answered 201, exit {rc}")


def worker_killed(work):
    s = Server(work, TERN_WORKERS="2", TERN_THREADS="1")
    for _ in range(100):
        kids = subprocess.run(["pgrep", "-P", str(s.proc.pid)], capture_output=True,
                              text=True).stdout.split()
        if len(kids) == 2:
            break
        time.sleep(0.05)
    probe = Probe(s, [("health", "/healthz", {})], period=0.01)
    load = wrk(s.port, "/healthz", 4, conns=32)
    probe.start()
    time.sleep(1.0)
    victim = kids[0]
    killed = time.monotonic()
    os.kill(int(victim), signal.SIGKILL)
    replaced = None
    while time.monotonic() - killed < 5:
        now = subprocess.run(["pgrep", "-P", str(s.proc.pid)], capture_output=True,
                             text=True).stdout.split()
        if len(now) == 2 and victim not in now:
            replaced = time.monotonic() - killed
            break
        time.sleep(0.005)
    time.sleep(2.0)
    probe.stop()
    summary = wrk_summary(load)
    after = probe.between("health", killed, killed + 3)
    ok = sum(st == 200 for st in after)
    check("kill -9 of a worker: a new one within 1 s", replaced is not None and replaced <= 1.0,
          replaced)
    check("…the other keeps answering (≥ 95 % of fresh connections meanwhile)",
          after and ok >= 0.95 * len(after), (ok, len(after)))
    late = probe.between("health", killed + 1.5, killed + 3)
    check("…and every request is answered once the new worker is up",
          late and all(st == 200 for st in late), sorted(set(map(str, late))))
    s.stop()
    print(f"figure: kill -9 of 1 of 2 workers under wrk (32 conns on /healthz): replaced in "
          f"{replaced * 1000:.0f} ms; {ok}/{len(after)} fresh connections answered in the 3 s "
          f"after; wrk {summary['requests']} requests, {summary['socket_errors']} socket errors "
          f"(the killed worker's connections)")


def upload_dir_faults(work):
    if os.geteuid() != 0:
        check("the upload-directory faults need root (a tmpfs mount)", False, "not root")
        return
    mount = os.path.join(work, "small-uploads")
    os.makedirs(mount)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount], check=True)
    try:
        s = Server(work, TERN_UPLOAD_DIR=mount, TERN_MAX_UPLOAD_BYTES="600000")
        alice = User(s, "uploader")
        png = subprocess.run([TERN, "sample-image", "png", "300", "300", "7"], check=True,
                             capture_output=True).stdout
        boundary = "faultBoundary"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"img\"; "
                f"filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n").encode() + png + \
            f"\r\n--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}

        def files():
            return sorted(os.path.relpath(os.path.join(r, f), mount)
                          for r, _, fs in os.walk(mount) for f in fs)
        filler = os.path.join(mount, "filler")
        with open(filler, "wb", buffering=0) as f:  # leave less room than the image needs
            try:
                while True:
                    f.write(b"\0" * 4096)
            except OSError:
                pass
        os.truncate(filler, os.path.getsize(filler) - 8192)
        st, b, _ = alice("POST", "/api/images", raw=body, headers=headers)
        check("upload directory full → 503 storage_unavailable",
              st == 503 and error_code(b) == "storage_unavailable", (st, b))
        check("…and no partial file left", files() == ["filler"], files())
        os.remove(filler)
        subprocess.run(["mount", "-o", "remount,ro", mount], check=True)
        st, b, _ = alice("POST", "/api/images", raw=body, headers=headers)
        check("upload directory read-only → 503 storage_unavailable",
              st == 503 and error_code(b) == "storage_unavailable", (st, b))
        check("…and nothing written", files() == [], files())
        subprocess.run(["mount", "-o", "remount,rw", mount], check=True)
        st, b, _ = alice("POST", "/api/images", raw=body, headers=headers)
        check("room again → 201, no restart", st == 201 and s.proc.poll() is None, (st, b))
        s.stop()
    finally:
        subprocess.run(["umount", "-l", mount])


def failed_transaction(s):
    alice = User(s, "atomic")
    png = subprocess.run([TERN, "sample-image", "png", "40", "40", "3"], check=True,
                         capture_output=True).stdout
    boundary = "txBoundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"img\"; filename=\"a.png\""
            f"\r\nContent-Type: image/png\r\n\r\n").encode() + png + f"\r\n--{boundary}--\r\n".encode()
    st, img, _ = alice("POST", "/api/images", raw=body,
                       headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    check("an image uploaded for the post", st == 201, (st, img))
    tag = f"fresh{os.getpid()}x{int(time.time() * 1000) % 100000}"
    # Fault injection: the link of the post to #faultinjected fails inside
    # the post's transaction, after the post, its new hashtag and its other
    # links were written.
    psql("""CREATE OR REPLACE FUNCTION tern_test_fail_link() RETURNS trigger AS $$
            BEGIN
              IF (SELECT title FROM hashtags WHERE id = NEW.hashtag_id) = 'faultinjected' THEN
                RAISE EXCEPTION 'injected fault';
              END IF;
              RETURN NEW;
            END $$ LANGUAGE plpgsql;
            DROP TRIGGER IF EXISTS tern_test_fail_link ON post_hashtags;
            CREATE TRIGGER tern_test_fail_link BEFORE INSERT ON post_hashtags
              FOR EACH ROW EXECUTE FUNCTION tern_test_fail_link();""")
    try:
        posts = int(psql(f"SELECT count(*) FROM posts WHERE user_id = {alice.id}"))
        st, b, _ = alice("POST", "/api/posts", {"content": f"#{tag} #faultinjected", "img": img["url"]})
        check("a post whose transaction fails → 500 internal_error", st == 500, (st, b))
    finally:
        psql("DROP TRIGGER IF EXISTS tern_test_fail_link ON post_hashtags;"
             "DROP FUNCTION IF EXISTS tern_test_fail_link();")
    check("…no post row", int(psql(f"SELECT count(*) FROM posts WHERE user_id = {alice.id}")) == posts)
    check("…no new hashtag row", psql(f"SELECT count(*) FROM hashtags WHERE title = '{tag}'") == "0")
    check("…no hashtag link", psql(
        f"SELECT count(*) FROM post_hashtags ph JOIN posts p ON p.id = ph.post_id "
        f"WHERE p.user_id = {alice.id}") == "0")
    check("…the image is not attached to any post", psql(
        f"SELECT count(*) FROM posts p JOIN images i ON i.id = p.image_id "
        f"WHERE i.user_id = {alice.id}") == "0")
    st, b, _ = alice("POST", "/api/posts", {"content": f"#{tag} again", "img": img["url"]})
    check("the same post once the fault is gone → 201 with its tag",
          st == 201 and b["post"]["hashtags"] == [tag], (st, b))


def run(s):
    redis_outage(s)
    postgres_restart(s)
    failed_transaction(s)
    for part in (sigterm_in_flight, worker_killed, upload_dir_faults):
        work = tempfile.mkdtemp()
        try:
            part(work)
        finally:
            subprocess.run(["rm", "-rf", work])


run_tests(run, TERN_SESSION_STORE="redis", TERN_RATE_PREMIUM="1000000")
