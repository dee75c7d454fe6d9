#!/usr/bin/env python3
"""TLS (TERN_TLS_CERT/TERN_TLS_KEY): TLS 1.2 and 1.3 only, ALPN http/1.1,
HSTS and Secure cookies, plain HTTP on the TLS port told so, a ClientHello
dribbled a byte at a time, pipelining, a large response, the handshake under
the head deadline, certificate reload on SIGHUP (a bad file keeps the old
one), the handshake counters, and the start-up errors.

Usage: tls_test.py TERN
"""
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import warnings

import harness
from harness import check, Server, Tally

WORK = tempfile.mkdtemp()
WEB = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../web"))
warnings.filterwarnings("ignore", category=DeprecationWarning)  # TLS 1.1, to prove it refused


def make_cert(name):
    cert, key = os.path.join(WORK, name + ".crt"), os.path.join(WORK, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=" + name,
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    return cert, key


def client_context(minimum=ssl.TLSVersion.TLSv1_2, maximum=ssl.TLSVersion.MAXIMUM_SUPPORTED,
                   alpn=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version, ctx.maximum_version = minimum, maximum
    if alpn:
        ctx.set_alpn_protocols(alpn)
    return ctx


def tls_socket(s, ctx=None):
    raw = socket.create_connection(("127.0.0.1", s.port), timeout=5)
    return (ctx or client_context()).wrap_socket(raw)


def read_responses(sock, count):
    """Reads until `count` whole responses (framed by Content-Length) arrived."""
    data = b""

    def complete():
        pos = 0
        for _ in range(count):
            end = data.find(b"\r\n\r\n", pos)
            if end < 0:
                return False
            m = re.search(rb"\r\nContent-Length: (\d+)", data[pos:end])
            pos = end + 4 + (int(m.group(1)) if m else 0)
            if pos > len(data):
                return False
        return True

    while not complete():
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def der_of(pem_file):
    return ssl.PEM_cert_to_DER_cert(open(pem_file).read())


def start_fails(env_extra, expect):
    env = dict(os.environ, TERN_SESSION_SECRET="s" * 40, TERN_JWT_SECRET="j" * 40,
               TERN_LISTEN=f"127.0.0.1:{harness.free_port()}", TERN_SESSION_STORE="memory")
    env.update(env_extra)
    p = subprocess.run([harness.TERN], env=env, capture_output=True, text=True, timeout=20)
    return p.returncode == 2 and expect in p.stderr, (p.returncode, p.stderr[-300:])


def run(s, cert_a, cert_b):
    live_cert, live_key = os.path.join(WORK, "live.crt"), os.path.join(WORK, "live.key")

    # Versions, ALPN, headers.
    with tls_socket(s) as t:
        check("TLS 1.3 by default", t.version() == "TLSv1.3", t.version())
        t.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        r = read_responses(t, 1)
        check("a request over TLS is answered", r.startswith(b"HTTP/1.1 200"), r[:80])
        check("HSTS is sent over TLS", b"\r\nStrict-Transport-Security: max-age=31536000\r\n" in r)
    with tls_socket(s, client_context(maximum=ssl.TLSVersion.TLSv1_2)) as t:
        check("TLS 1.2 is accepted", t.version() == "TLSv1.2", t.version())
    try:
        ctx = client_context(minimum=ssl.TLSVersion.TLSv1, maximum=ssl.TLSVersion.TLSv1_1)
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        with tls_socket(s, ctx) as t:
            check("TLS 1.1 is refused", False, t.version())
    except (ssl.SSLError, OSError) as e:
        check("TLS 1.1 is refused", True, e)
    with tls_socket(s, client_context(alpn=["h2", "http/1.1"])) as t:
        check("ALPN picks http/1.1 over h2", t.selected_alpn_protocol() == "http/1.1",
              t.selected_alpn_protocol())
    try:
        with tls_socket(s, client_context(alpn=["h2"])) as t:
            check("ALPN without http/1.1 is refused", False, t.selected_alpn_protocol())
    except ssl.SSLError as e:
        check("ALPN without http/1.1 is refused (no_application_protocol)",
              "NO APPLICATION PROTOCOL" in str(e).upper().replace("_", " "), e)

    # Plain HTTP sent to the TLS port.
    with socket.create_connection(("127.0.0.1", s.port), timeout=5) as p:
        p.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        r = b""
        while chunk := p.recv(4096):
            r += chunk
        check("plain HTTP on the TLS port gets a plain 400 tls_required",
              r.startswith(b"HTTP/1.1 400") and b"tls_required" in r, r[:200])
        check("... without HSTS", b"Strict-Transport-Security" not in r)

    # Cookies are Secure.
    st, _, r = s.request("POST", "/auth/join",
                         {"email": "tls@tls.test", "nick": "tls", "password": "password1"})
    st, _, r = s.request("POST", "/auth/login", {"email": "tls@tls.test", "password": "password1"})
    cookie = r.getheader("Set-Cookie") or ""
    check("login over TLS sets a Secure cookie", st == 200 and "; Secure" in cookie, (st, cookie))
    st, me, _ = s.request("GET", "/api/me", cookie=cookie.split(";")[0])
    check("the cookie signs in over TLS", st == 200 and "tls" in str(me), (st, me))

    # Three pipelined requests in one record.
    with tls_socket(s) as t:
        t.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" * 3)
        r = read_responses(t, 3)
        check("three pipelined requests over TLS, three answers", r.count(b"HTTP/1.1 200") == 3,
              r.count(b"HTTP/1.1 200"))

    # A large response, read slowly.
    css = open(os.path.join(WEB, "style.css"), "rb").read()
    with tls_socket(s) as t:
        t.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        t.sendall(b"GET /style.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        r = b""
        while chunk := t.recv(1024):
            r += chunk
        check("a static file over TLS arrives whole", r.endswith(css) and len(css) > 1000,
              (len(r), len(css)))

    # A ClientHello and request sent one byte per write.
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = client_context().wrap_bio(incoming, outgoing)
    raw = socket.create_connection(("127.0.0.1", s.port), timeout=5)
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    done = False
    while not done:
        try:
            tls.do_handshake()
            done = True
        except ssl.SSLWantReadError:
            pass
        for b in outgoing.read():
            raw.send(bytes([b]))
        if not done:
            incoming.write(raw.recv(65536))
    tls.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    for b in outgoing.read():
        raw.send(bytes([b]))
    answer = b""
    while True:
        chunk = raw.recv(65536)
        if not chunk:
            break
        incoming.write(chunk)
        try:
            while piece := tls.read(65536):
                answer += piece
        except (ssl.SSLWantReadError, ssl.SSLZeroReturnError):
            pass
    raw.close()
    check("a handshake and request sent byte by byte are answered",
          answer.startswith(b"HTTP/1.1 200"), answer[:80])

    # The handshake is under the head deadline (TERN_HEADER_TIMEOUT_MS=1000).
    for name, first in (("a silent connection", b""), ("half a ClientHello", b"\x16\x03\x01\x02")):
        with socket.create_connection(("127.0.0.1", s.port), timeout=5) as p:
            started = time.time()
            p.sendall(first) if first else None
            try:
                gone = p.recv(100) == b""
            except ConnectionResetError:
                gone = True
            took = time.time() - started
            check(f"{name} is cut at the head deadline", gone and 0.8 < took < 2.5, (gone, took))

    # SIGHUP: a new certificate for new connections; open ones go on.
    keep = tls_socket(s)
    keep.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    read_responses(keep, 1)
    check("the first certificate is served", keep.getpeercert(True) == der_of(cert_a[0]))
    for src, dst in ((cert_b[0], live_cert), (cert_b[1], live_key)):
        open(dst + ".new", "wb").write(open(src, "rb").read())
        os.replace(dst + ".new", dst)
    s.proc.send_signal(signal.SIGHUP)
    s.log_once_it_has("TLS certificate reloaded")
    with tls_socket(s) as t:
        check("after SIGHUP new connections get the new certificate",
              t.getpeercert(True) == der_of(cert_b[0]))
    keep.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    check("a connection open across the reload still answers",
          read_responses(keep, 1).startswith(b"HTTP/1.1 200"))
    keep.close()
    open(live_cert, "w").write("-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n")
    s.proc.send_signal(signal.SIGHUP)
    log = s.log_once_it_has("still serving the previous certificate")
    check("a broken certificate on SIGHUP is logged", "still serving the previous" in log)
    with tls_socket(s) as t:
        check("... and the previous certificate keeps serving",
              t.getpeercert(True) == der_of(cert_b[0]))
    check("tern is still running", s.proc.poll() is None)

    st, text, _ = s.request("GET", "/metrics")
    text = text.decode() if isinstance(text, bytes) else str(text)
    ok = re.search(r'tern_tls_handshakes_total\{outcome="ok"\} (\d+)', text)
    failed = re.search(r'tern_tls_handshakes_total\{outcome="failed"\} (\d+)', text)
    check("handshakes counted, ok and failed",
          ok and int(ok.group(1)) >= 10 and failed and int(failed.group(1)) >= 4,
          (ok and ok.group(0), failed and failed.group(0)))

    # Start-up refusals.
    check("TERN_TLS_CERT without TERN_TLS_KEY is refused",
          *start_fails({"TERN_TLS_CERT": cert_a[0]}, "TERN_TLS_KEY"))
    check("a certificate that cannot be read is refused",
          *start_fails({"TERN_TLS_CERT": "/nonexistent.crt", "TERN_TLS_KEY": cert_a[1]},
                       "TERN_TLS_CERT: cannot load"))
    check("a key that does not match is refused",
          *start_fails({"TERN_TLS_CERT": cert_a[0], "TERN_TLS_KEY": cert_b[1]}, "TERN_TLS_KEY"))
    check("an http:// public origin with TLS is refused",
          *start_fails({"TERN_TLS_CERT": cert_a[0], "TERN_TLS_KEY": cert_a[1],
                        "TERN_PUBLIC_ORIGIN": "http://tern.test"}, "must be https://"))


def main():
    cert_a, cert_b = make_cert("tern-a"), make_cert("tern-b")
    live_cert, live_key = os.path.join(WORK, "live.crt"), os.path.join(WORK, "live.key")
    open(live_cert, "wb").write(open(cert_a[0], "rb").read())
    open(live_key, "wb").write(open(cert_a[1], "rb").read())
    Server.ssl_context = client_context()
    server = Server(WORK, TERN_TLS_CERT=live_cert, TERN_TLS_KEY=live_key,
                    TERN_PUBLIC_ORIGIN="https://tern.test", TERN_HEADER_TIMEOUT_MS="1000",
                    TERN_WEB_ROOT=WEB)
    try:
        run(server, cert_a, cert_b)
    finally:
        server.stop()
        if Tally.failures:
            sys.stdout.write(server.log_text()[-4000:])
    print(f"{Tally.passed} passed, {Tally.failures} failed")
    sys.exit(1 if Tally.failures else 0)


if __name__ == "__main__":
    main()
