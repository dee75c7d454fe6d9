"""What the Python integration tests share: a real tern on a loopback port
(with the PostgreSQL and Redis of scripts/test), users who join and log in,
requests, and TAP-like checks.
"""
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import time

TERN = sys.argv[1] if len(sys.argv) > 1 else "tern"
ORIGIN = "http://tern.test"


class Tally:
    passed = 0
    failures = 0


def check(name, ok, detail=""):
    if ok:
        Tally.passed += 1
        print("ok -", name)
    else:
        Tally.failures += 1
        print("FAIL -", name, detail)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    # An ssl.SSLContext: speak HTTPS to a tern serving TLS.
    ssl_context = None

    def __init__(self, work, **extra):
        self.port = free_port()
        self.uploads = os.path.join(work, "uploads")
        env = dict(os.environ)
        env.update({
            "TERN_SESSION_SECRET": "s" * 40, "TERN_JWT_SECRET": "j" * 40,
            "TERN_LISTEN": f"127.0.0.1:{self.port}", "TERN_THREADS": "2",
            "TERN_SESSION_STORE": "memory", "TERN_PUBLIC_ORIGIN": ORIGIN,
            "TERN_JOIN_MAX_PER_ADDRESS": "100000", "TERN_ACCESS_LOG": "off",
            "TERN_UPLOAD_DIR": self.uploads,
        })
        env.update(extra)
        self.env = env
        self.log = open(os.path.join(work, "log"), "ab")
        self.start()

    def start(self):
        self.proc = subprocess.Popen([TERN], env=self.env, stdout=self.log, stderr=self.log)
        for _ in range(200):
            try:
                if self.request("GET", "/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise SystemExit("tern did not become ready")

    def request(self, method, path, body=None, cookie=None, headers=None, raw=None):
        if self.ssl_context:
            conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=10,
                                               context=self.ssl_context)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        h = dict(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if cookie:
            h["Cookie"] = cookie
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        payload = r.read()
        conn.close()
        try:
            parsed = json.loads(payload) if payload else None
        except ValueError:
            parsed = payload
        return r.status, parsed, r

    def stop(self):
        """SIGTERM; the exit must be clean and the log free of sanitizer reports."""
        self.proc.terminate()
        rc = self.proc.wait(30)
        self.log.flush()
        log = open(self.log.name, errors="replace").read()
        check("tern drains and exits 0 on SIGTERM", rc == 0, rc)
        check("no sanitizer report in tern's log",
              "Sanitizer" not in log and "runtime error:" not in log)

    def restart(self):
        self.stop()
        self.start()

    def log_text(self):
        self.log.flush()
        return open(self.log.name, errors="replace").read()

    def log_once_it_has(self, text, timeout=3.0):
        """The log once `text` is in it (or the timeout passed). A loop's lines
        reach the file in batches, up to a tick (100 ms) and an I/O job later."""
        deadline = time.time() + timeout
        while text not in (log := self.log_text()) and time.time() < deadline:
            time.sleep(0.05)
        return log


class User:
    def __init__(self, server, nick):
        self.s = server
        email = f"{nick}{random.randrange(1 << 30)}@sns.test"
        st, body, _ = server.request("POST", "/auth/join",
                                     {"email": email, "nick": nick, "password": "password1"})
        assert st == 201, (st, body)
        self.id = body["user"]["id"]
        self.nick = nick
        st, body, r = server.request("POST", "/auth/login", {"email": email, "password": "password1"})
        assert st == 200, (st, body)
        self.cookie = r.getheader("Set-Cookie").split(";")[0]

    def __call__(self, method, path, body=None, **kw):
        return self.s.request(method, path, body, cookie=self.cookie, **kw)


def error_code(body):
    return body.get("error", {}).get("code") if isinstance(body, dict) else None


def run_tests(run, **server_env):
    """Starts a server in a fresh directory, runs run(server), reports, exits."""
    import shutil
    import tempfile
    work = tempfile.mkdtemp()
    server = Server(work, **server_env)
    try:
        run(server)
    finally:
        server.stop()
        if Tally.failures:
            sys.stdout.write(open(os.path.join(work, "log"), errors="replace").read()[-4000:])
        shutil.rmtree(work, ignore_errors=True)
    print(f"{Tally.passed} passed, {Tally.failures} failed")
    sys.exit(1 if Tally.failures else 0)
