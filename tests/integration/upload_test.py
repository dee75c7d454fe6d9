#!/usr/bin/env python3
"""POST /api/images and GET /uploads/… end to end, as an attacker would try
them: every format with its thumbnail (right size, same format, never
enlarged), exactly the limit and one byte over, 413 before the rest of the
body is sent, a body cut off, bytes split across reads around the
boundaries, a PNG named .jpg, a zip named .png, a 30,000 x 30,000 PNG header,
missing and doubled parts, bad boundaries, no or forged cookies — and after
every refusal, nothing left on disk.

Usage: upload_test.py TERN   (DATABASE_URL and REDIS_URL from scripts/test)
"""
import os
import random
import socket
import struct
import subprocess
import time
import zlib

from harness import check, error_code, run_tests, TERN, User

LIMIT = 300_000
BOUNDARY = "----ternTestBoundary7MA4YWxk"


def sample(fmt, w, h, seed=1):
    return subprocess.run([TERN, "sample-image", fmt, str(w), str(h), str(seed)],
                          check=True, capture_output=True).stdout


def png_header(w, h):
    """A PNG signature and IHDR claiming w x h, and nothing else."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def dimensions(data):
    """(format, width, height) of a jpeg, png, webp or gif, read from its header."""
    if data.startswith(b"\x89PNG"):
        return ("png",) + struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return ("gif",) + struct.unpack("<HH", data[6:10])
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        kind = data[12:16]
        if kind == b"VP8 ":
            w, h = struct.unpack("<HH", data[26:30])
            return "webp", w & 0x3FFF, h & 0x3FFF
        if kind == b"VP8L":
            bits = int.from_bytes(data[21:25], "little")
            return "webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        if kind == b"VP8X":
            return "webp", int.from_bytes(data[24:27], "little") + 1, \
                int.from_bytes(data[27:30], "little") + 1
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            length = struct.unpack(">H", data[i + 2:i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                h, w = struct.unpack(">HH", data[i + 5:i + 9])
                return "jpeg", w, h
            i += 2 + length
    return None


def multipart(parts, boundary=BOUNDARY):
    """parts: (name, filename or None, content type, bytes)."""
    out = b""
    for name, filename, ctype, data in parts:
        out += f"--{boundary}\r\n".encode()
        disp = f'Content-Disposition: form-data; name="{name}"'
        if filename is not None:
            disp += f'; filename="{filename}"'
        out += disp.encode() + b"\r\n"
        if ctype:
            out += f"Content-Type: {ctype}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def upload(user, body, boundary=BOUNDARY, content_type=None):
    ctype = content_type or f"multipart/form-data; boundary={boundary}"
    return user("POST", "/api/images", raw=body, headers={"Content-Type": ctype})


def stored(server):
    """Every file under the upload directory, thumbnails and temporaries included."""
    found = set()
    for root, _, files in os.walk(server.uploads):
        found |= {os.path.join(root, f) for f in files}
    return found


def raw_exchange(server, head, pieces, pause=0.02, read_early=False):
    """Sends head + pieces on one socket (a pause between pieces, so each is its
    own read); returns (status, bytes of the response, pieces sent)."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(head)
    sent = 0
    reply = b""
    try:
        for piece in pieces:
            if read_early:
                sock.setblocking(False)
                try:
                    reply += sock.recv(65536)
                except BlockingIOError:
                    pass
                sock.setblocking(True)
                if reply:
                    break
            time.sleep(pause)
            sock.sendall(piece)
            sent += 1
    except (BrokenPipeError, ConnectionResetError):
        pass
    sock.settimeout(10)
    try:
        while b"\r\n\r\n" not in reply:
            data = sock.recv(65536)
            if not data:
                break
            reply += data
    except (ConnectionResetError, socket.timeout):
        pass
    sock.close()
    status = int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/1.1 ") else 0
    return status, reply, sent


def head_for(user, length, boundary=BOUNDARY):
    return (f"POST /api/images HTTP/1.1\r\nHost: t\r\nCookie: {user.cookie}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {length}\r\n\r\n").encode()


def settled(server, user):
    """The stored files once none of `user`'s thumbnails is still on its way:
    none pending in PostgreSQL (a slow build, TSan, can take seconds per
    thumbnail), then the files unchanged for 0.5 s."""
    deadline = time.time() + 120
    sql = f"SELECT count(*) FROM images WHERE user_id = {user.id} AND thumb_state = 'pending'"
    while time.time() < deadline:
        pending = subprocess.run(["psql", os.environ["DATABASE_URL"], "-XAtqc", sql], check=True,
                                 capture_output=True, text=True).stdout.strip()
        if pending == "0":
            break
        time.sleep(0.1)
    last, since = stored(server), time.time()
    while time.time() - since < 0.5:
        time.sleep(0.05)
        now = stored(server)
        if now != last:
            last, since = now, time.time()
    return last


def wait_thumbnail(server, url, timeout=20):
    thumb = url.replace("/uploads/", "/uploads/thumb/", 1)
    deadline = time.time() + timeout
    while time.time() < deadline:
        st, body, r = server.request("GET", thumb)
        if st == 200:
            return body, r
        time.sleep(0.1)
    return None, None


def run(s):
    alice = User(s, "uploader")

    # --- every format: stored at once, served, thumbnail of the right size --
    for fmt, w, h, want in [("jpeg", 640, 480, (200, 150)), ("png", 480, 640, (150, 200)),
                            ("webp", 800, 200, (200, 50)), ("gif", 300, 300, (200, 200)),
                            ("png", 120, 80, (120, 80))]:
        data = sample(fmt, w, h)
        st, body, _ = upload(alice, multipart([("img", f"photo.{fmt}", f"image/{fmt}", data)]))
        ok = st == 201 and body["thumbUrl"] is None and body["url"].startswith("/uploads/")
        check(f"{fmt} {w}x{h} → 201 {{url, thumbUrl: null}}", ok, (st, body))
        if not ok:
            continue
        st, original, r = s.request("GET", body["url"])
        check(f"{fmt}: the original is served byte for byte as image/{fmt}, immutable",
              st == 200 and original == data and r.getheader("Content-Type") == f"image/{fmt}" and
              "immutable" in r.getheader("Cache-Control", "") and
              r.getheader("X-Content-Type-Options") == "nosniff")
        thumb, r = wait_thumbnail(s, body["url"])
        check(f"{fmt} {w}x{h}: a thumbnail appears, {want[0]}x{want[1]} (fit inside 200, never enlarged)",
              thumb is not None and dimensions(thumb) == (fmt,) + want,
              dimensions(thumb) if thumb else "no thumbnail")
        st, post, _ = alice("POST", "/api/posts", {"content": f"a {fmt}", "img": body["url"]})
        check(f"{fmt}: a post with the image → 201 with img.url and, once made, thumbUrl",
              st == 201 and post["post"]["img"]["url"] == body["url"] and
              post["post"]["img"]["thumbUrl"] == body["url"].replace("/uploads/", "/uploads/thumb/"),
              post)

    st, body, _ = upload(alice, multipart([("img", "x.png", "image/png", sample("png", 10, 10))]))
    fresh = body["url"]
    st, post, _ = alice("POST", "/api/posts", {"content": "fresh", "img": fresh})
    pid = post["post"]["id"]
    wait_thumbnail(s, fresh)
    deadline = time.time() + 10
    while time.time() < deadline:
        st, got, _ = s.request("GET", f"/api/posts/{pid}")
        if got["post"]["img"]["thumbUrl"]:
            break
        time.sleep(0.1)
    check("a post made before its thumbnail shows thumbUrl once it exists",
          got["post"]["img"]["thumbUrl"] == fresh.replace("/uploads/", "/uploads/thumb/"))
    bob = User(s, "other")
    st, body, _ = bob("POST", "/api/posts", {"content": "stolen", "img": fresh})
    check("someone else's upload in a post → 400", st == 400 and error_code(body) == "invalid_img")

    # --- judged by content, not by name or Content-Type ----------------------
    before = stored(s)
    st, body, _ = upload(alice, multipart([("img", "photo.jpg", "image/jpeg", sample("png", 50, 40))]))
    check("a PNG named photo.jpg, sent as image/jpeg → 201 stored as .png",
          st == 201 and body["url"].endswith(".png"), body)
    wait_thumbnail(s, body["url"])
    before = stored(s)
    zip_bytes = b"PK\x03\x04" + b"\x00" * 200
    for name, data, code in [("zip named .png", zip_bytes, "unsupported_image"),
                             ("SVG", b'<svg xmlns="http://www.w3.org/2000/svg"/>' + b" " * 20,
                              "unsupported_image"),
                             ("PDF", b"%PDF-1.4\n" + b"%" * 100, "unsupported_image"),
                             ("PNG magic then garbage", b"\x89PNG\r\n\x1a\n" + os.urandom(500),
                              "unsupported_image"),
                             ("30000x30000 PNG header", png_header(30000, 30000), "image_too_big"),
                             ("PNG magic, 5 bytes", b"\x89PNG\r", "unsupported_image")]:
        st, body, _ = upload(alice, multipart([("img", "a.png", "image/png", data)]))
        check(f"{name} → 415 {code}", st == 415 and error_code(body) == code, (st, body))
    check("nothing left on disk after the 415s", stored(s) == before, stored(s) - before)

    # --- the size limit --------------------------------------------------------
    base = sample("png", 40, 40)
    exact = base + b"\x00" * (LIMIT - len(base))
    st, body, _ = upload(alice, multipart([("img", "a.png", "image/png", exact)]))
    check(f"exactly TERN_MAX_UPLOAD_BYTES ({LIMIT}) → 201", st == 201, (st, body))
    wait_thumbnail(s, body["url"]) if st == 201 else None
    before = stored(s)
    st, body, _ = upload(alice, multipart([("img", "a.png", "image/png", exact + b"\x00")]))
    check("one byte over → 413", st == 413 and error_code(body) == "image_too_large", (st, body))
    st, reply, _ = raw_exchange(s, head_for(alice, 50 << 20), [])
    check("a Content-Length far over the limit → 413 before any body byte", st == 413, reply[:100])
    # The file part's bytes trickle in: 413 arrives once the count passes the
    # limit, long before the rest of a 1 GiB promise is sent.
    body = multipart([("img", "a.png", "image/png", base + b"\x00" * (LIMIT * 3))])
    pieces = [body[i:i + 65536] for i in range(0, len(body), 65536)]
    st, reply, sent = raw_exchange(s, head_for(alice, len(body)), pieces, pause=0.005,
                                   read_early=True)
    check("a file growing past the limit → 413 at once, the rest never read",
          st == 413 and sent < len(pieces), (st, sent, len(pieces)))
    time.sleep(0.3)
    check("nothing left on disk after the 413s", stored(s) == before, stored(s) - before)

    # --- a body cut off --------------------------------------------------------
    body = multipart([("img", "a.png", "image/png", sample("png", 200, 200))])
    st, reply, _ = raw_exchange(s, head_for(alice, len(body) + 1000), [body])
    time.sleep(0.5)
    check("a body cut off (the client goes away) → nothing left on disk", stored(s) == before,
          stored(s) - before)

    # --- split across reads around every boundary --------------------------
    body = multipart([("note", None, None, b"hello"),
                      ("img", "s.gif", "image/gif", sample("gif", 30, 20))])
    cuts = [i for i in range(len(body)) if body[max(0, i - 48):i + 48].find(BOUNDARY.encode()) >= 0]
    results = set()
    for cut in cuts:
        st, reply, _ = raw_exchange(s, head_for(alice, len(body)), [body[:cut], body[cut:]], pause=0.01)
        results.add(st)
    check(f"the body split in two at each of {len(cuts)} positions around its boundaries → 201 every time",
          results == {201}, results)

    # --- malformed uploads -----------------------------------------------------
    before = settled(s, alice)  # the split uploads' thumbnails are still being made
    png = sample("png", 20, 20)
    cases = [
        ("no img part", multipart([("other", None, None, b"x")]), None, 400, "missing_image"),
        ("img as a plain field", multipart([("img", None, None, png)]), None, 400, "missing_image"),
        ("two files", multipart([("img", "a.png", "image/png", png), ("img", "b.png", "image/png", png)]),
         None, 400, "one_image"),
        ("boundary missing from the type", multipart([("img", "a.png", "image/png", png)]),
         "multipart/form-data", 400, "invalid_upload"),
        ("a boundary the body does not use", multipart([("img", "a.png", "image/png", png)], "other"),
         None, 400, "invalid_upload"),
        ("a body with no closing boundary", multipart([("img", "a.png", "image/png", png)])[:-8],
         None, 400, "invalid_upload"),
        ("not multipart", png, "image/png", 415, "unsupported_media_type"),
        ("an empty body", b"", None, 400, "invalid_upload"),
    ]
    for name, body, ctype, want, code in cases:
        st, got, _ = upload(alice, body, content_type=ctype)
        check(f"{name} → {want} {code}", st == want and error_code(got) == code, (st, got))
    st, got, _ = s.request("POST", "/api/images", raw=multipart([("img", "a.png", "image/png", png)]),
                           headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    check("no session → 401", st == 401)
    forged = alice.cookie.split(".")[0] + "." + "A" * 43
    st, got, _ = s.request("POST", "/api/images", raw=multipart([("img", "a.png", "image/png", png)]),
                           cookie=forged,
                           headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    check("a forged cookie → 401", st == 401)
    st, got, _ = alice("POST", "/api/images", raw=multipart([("img", "a.png", "image/png", png)]),
                       headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
                                "Origin": "http://evil.test"})
    check("a cross-site upload → 403", st == 403)
    time.sleep(0.2)
    check("nothing left on disk after the refusals", stored(s) == before, stored(s) - before)

    # --- a thumbnail that cannot be made; thumbnails left pending by a stop --
    st, body, _ = upload(alice, multipart([("img", "a.png", "image/png", png_header(50, 50))]))
    check("a PNG whose header reads but whose pixels do not → 201 (the original is kept)", st == 201)
    broken = body["url"] if st == 201 else ""
    st, post, _ = alice("POST", "/api/posts", {"content": "broken image", "img": broken})
    deadline = time.time() + 20
    while time.time() < deadline and "given up" not in s.log_text():
        time.sleep(0.2)
    st, got, _ = s.request("GET", f"/api/posts/{post['post']['id']}")
    check("its thumbnail is retried, then given up: logged, thumbUrl stays null, the post is fine",
          "given up after 4 attempts" in s.log_text() and st == 200 and
          got["post"]["img"]["thumbUrl"] is None and
          s.request("GET", broken.replace("/uploads/", "/uploads/thumb/"))[0] == 404)

    name = "resume%06x.png" % random.randrange(1 << 24)
    with open(os.path.join(s.uploads, name), "wb") as f:
        f.write(sample("png", 300, 100))
    subprocess.run(["psql", os.environ["DATABASE_URL"], "-qtAc",
                    f"INSERT INTO images (user_id, path, format) VALUES ({alice.id}, '{name}', 'png')"],
                   check=True)
    s.restart()
    thumb, _ = wait_thumbnail(s, "/uploads/" + name)
    check("a thumbnail pending at a restart is made after it",
          thumb is not None and dimensions(thumb) == ("png", 200, 67), dimensions(thumb) if thumb else None)

    # --- /uploads/ serves only uploads -------------------------------------------
    for path in ["/uploads/../../etc/passwd", "/uploads/%2e%2e/x.png", "/uploads/.tmp/x",
                 "/uploads/nothere.png", "/uploads/thumb/nothere.png", "/uploads/a.txt",
                 "/uploads/a.jpeg", "/uploads/", "/uploads/thumb/../x.png"]:
        st, _, _ = s.request("GET", path)
        check(f"GET {path} → 404", st in (404, 400), st)


if __name__ == "__main__":
    run_tests(run, TERN_MAX_UPLOAD_BYTES=str(LIMIT))
