#!/usr/bin/env python3
"""Hold many idle keep-alive connections open and report the server's memory.

    bench/idle_conns.py [127.0.0.1:]PORT --pid PID [--pid PID...] [--conns 10000]

Opens --conns connections to 127.0.0.1:PORT, sends one GET on each and reads
the complete response (proving the server really serves that connection),
then leaves them idle. After --hold seconds it reads VmRSS and VmHWM from
/proc/<pid>/status for every --pid (nginx has a master and a worker; their
values are summed), checks that no connection was closed by the server while
idle, prints the result and closes everything.

Output: human-readable lines on stderr, and one machine-readable line on
stdout that scripts/bench parses:

    RESULT conns=<n> ok=<n> failures=<n> closed_idle=<n> rss_before_kb=<n>
           rss_kb=<n> hwm_kb=<n> per_conn_bytes=<n>          (one line)

per_conn_bytes = (rss_kb - rss_before_kb) * 1024 / ok. rss_before_kb is read
just before the first connection, so it includes whatever the server kept
from earlier traffic (scripts/bench starts each server fresh).

Only the standard library is used; connections go to 127.0.0.1 only, so
this cannot be pointed at another machine by mistake.
"""

import argparse
import errno
import resource
import selectors
import socket
import sys
import time

HOST = "127.0.0.1"


def read_status_kb(pid, key):
    """Value of a "Key:  1234 kB" line of /proc/<pid>/status, in kB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{key} not in /proc/{pid}/status")


def memory_kb(pids):
    rss = sum(read_status_kb(p, "VmRSS") for p in pids)
    hwm = sum(read_status_kb(p, "VmHWM") for p in pids)
    return rss, hwm


def raise_nofile(needed):
    """Raise the soft fd limit to fit `needed` descriptors (up to the hard
    limit; root could raise the hard one too, but containers often forbid
    it, so fail with a clear message instead)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= needed:
        return
    if hard != resource.RLIM_INFINITY and hard < needed:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (needed, needed))
            return
        except (ValueError, OSError):
            sys.exit(f"idle_conns: need {needed} file descriptors but the hard "
                     f"limit is {hard}; lower --conns or raise `ulimit -Hn`")
    resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


class Conn:
    __slots__ = ("sock", "state", "buf", "need")

    def __init__(self, sock):
        self.sock = sock
        self.state = "connecting"
        self.buf = b""
        self.need = None  # total bytes of the response once headers are in


def response_complete(conn):
    """True once a full Content-Length-delimited response is buffered."""
    if conn.need is None:
        end = conn.buf.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = conn.buf[:end].decode("latin-1").split("\r\n")
        status = head[0].split(" ")
        if len(status) < 2 or not status[1].startswith("2"):
            raise ValueError(f"status line {head[0]!r}")
        length = 0
        for line in head[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
            if name.strip().lower() == "connection" and "close" in value.lower():
                raise ValueError("server answered Connection: close")
        conn.need = end + 4 + length
    return len(conn.buf) >= conn.need


def open_connections(port, count, path, parallel, timeout):
    """Open `count` connections, at most `parallel` handshakes in flight (a
    burst of thousands of SYNs would overflow listen backlogs and measure
    the accept queue, not memory per connection). Returns (open sockets,
    failure messages)."""
    request = (f"GET {path} HTTP/1.1\r\nHost: localhost\r\n"
               f"Connection: keep-alive\r\n\r\n").encode()
    sel = selectors.DefaultSelector()
    established, failures = [], []
    started = 0
    in_flight = 0
    deadline = time.monotonic() + timeout

    def fail(conn, why):
        nonlocal in_flight
        sel.unregister(conn.sock)
        conn.sock.close()
        in_flight -= 1
        failures.append(why)

    while len(established) + len(failures) < count:
        while started < count and in_flight < parallel:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            err = s.connect_ex((HOST, port))
            started += 1
            if err not in (0, errno.EINPROGRESS):
                s.close()
                failures.append(f"connect: {errno.errorcode.get(err, err)}")
                continue
            sel.register(s, selectors.EVENT_WRITE, Conn(s))
            in_flight += 1
        if time.monotonic() > deadline:
            for key in list(sel.get_map().values()):
                fail(key.data, "timeout")
            failures.extend(["timeout before connecting"] * (count - started))
            break
        for key, _ in sel.select(timeout=1.0):
            conn = key.data
            try:
                if conn.state == "connecting":
                    err = conn.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        fail(conn, f"connect: {errno.errorcode.get(err, err)}")
                        continue
                    # A ~60-byte request always fits the empty send buffer.
                    conn.sock.send(request)
                    conn.state = "reading"
                    sel.modify(conn.sock, selectors.EVENT_READ, conn)
                else:
                    chunk = conn.sock.recv(65536)
                    if not chunk:
                        fail(conn, "closed before responding")
                        continue
                    conn.buf += chunk
                    if response_complete(conn):
                        sel.unregister(conn.sock)
                        in_flight -= 1
                        conn.buf = b""
                        established.append(conn.sock)
            except (OSError, ValueError) as e:
                fail(conn, f"{conn.state}: {e}")
    sel.close()
    return established, failures


def count_closed(socks):
    """Sockets the server closed (or reset) while they sat idle: an idle
    keep-alive socket has nothing to read, so readable means EOF or error."""
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    closed = len(sel.select(timeout=0))
    sel.close()
    return closed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("target", metavar="[127.0.0.1:]PORT")
    ap.add_argument("--pid", type=int, action="append", required=True,
                    help="server process to measure (repeat for nginx master+worker)")
    ap.add_argument("--conns", type=int, default=10000)
    ap.add_argument("--path", default="/plaintext")
    ap.add_argument("--parallel", type=int, default=256,
                    help="handshakes in flight at once")
    ap.add_argument("--hold", type=float, default=2.0,
                    help="seconds to wait with all connections idle before measuring")
    ap.add_argument("--timeout", type=float, default=60.0)
    args = ap.parse_args()
    host, _, port = args.target.rpartition(":")
    if host not in ("", HOST, "localhost") or not port.isdigit():
        ap.error(f"target must be [127.0.0.1:]PORT, got {args.target!r}")
    port = int(port)

    raise_nofile(args.conns + 64)  # + stdio, selector, slack

    rss_before, _ = memory_kb(args.pid)
    t0 = time.monotonic()
    socks, failures = open_connections(port, args.conns, args.path,
                                       args.parallel, args.timeout)
    opened_s = time.monotonic() - t0
    time.sleep(args.hold)
    rss, hwm = memory_kb(args.pid)
    closed = count_closed(socks)

    ok = len(socks)
    per_conn = round((rss - rss_before) * 1024 / ok) if ok else 0
    print(f"idle_conns: {ok}/{args.conns} connections served and held "
          f"(opened in {opened_s:.1f}s), {len(failures)} failed, "
          f"{closed} closed by the server while idle", file=sys.stderr)
    for why in sorted(set(failures))[:5]:
        print(f"idle_conns: failure: {why} (x{failures.count(why)})", file=sys.stderr)
    print(f"idle_conns: RSS {rss_before} kB before, {rss} kB held, "
          f"VmHWM {hwm} kB, {per_conn} bytes per connection", file=sys.stderr)
    print(f"RESULT conns={args.conns} ok={ok} failures={len(failures)} "
          f"closed_idle={closed} rss_before_kb={rss_before} rss_kb={rss} "
          f"hwm_kb={hwm} per_conn_bytes={per_conn}", flush=True)

    for s in socks:
        s.close()
    return 0 if not failures and not closed else 1


if __name__ == "__main__":
    sys.exit(main())
