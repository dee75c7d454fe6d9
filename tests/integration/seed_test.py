#!/usr/bin/env python3
"""tern seed: deterministic for a seed, different for another, and what it
writes is usable — a seeded user logs in with "password1", sees a feed of
posts with hashtags, comments and images whose thumbnails are served.

Usage: seed_test.py TERN   (DATABASE_URL and REDIS_URL from scripts/test)
"""
import os
import random
import re
import subprocess

from harness import check, run_tests, TERN


def seed(uploads, *args):
    env = dict(os.environ, TERN_UPLOAD_DIR=uploads)
    r = subprocess.run([TERN, "seed", *args], env=env, capture_output=True, text=True)
    m = re.search(r"fingerprint ([0-9a-f]{32})", r.stdout)
    return r.returncode, (m.group(1) if m else None), r.stdout + r.stderr


def run(s):
    tag = "%06x" % random.randrange(1 << 24)
    a = seed(s.uploads, "--users", "30", "--posts", "200", "--seed", "11", "--prefix", f"a{tag}")
    b = seed(s.uploads, "--users", "30", "--posts", "200", "--seed", "11", "--prefix", f"b{tag}")
    c = seed(s.uploads, "--users", "30", "--posts", "200", "--seed", "12", "--prefix", f"c{tag}")
    check("tern seed runs", a[0] == 0 and b[0] == 0 and c[0] == 0, (a[2], c[2]))
    check("the same seed gives the same data", a[1] is not None and a[1] == b[1], (a[1], b[1]))
    check("another seed gives other data", c[1] is not None and c[1] != a[1])
    check("its summary counts what it wrote",
          re.search(r"seeded 30 users, \d+ follows, 200 posts, \d+ hashtags, \d+ likes, \d+ comments, "
                    r"\d+ replies, 10 images", a[2]) is not None, a[2])
    for args in (["--users", "1"], ["--posts", "-5"], ["--prefix", "a/b"], ["--bogus", "1"], ["--users"]):
        rc, _, out = seed(s.uploads, *args)
        check(f"tern seed {' '.join(args)} → usage error", rc == 2 and "usage" in out, out)

    st, body, r = s.request("POST", "/auth/login", {"email": f"a{tag}1@seed.tern", "password": "password1"})
    check("a seeded user logs in with password1", st == 200, body)
    cookie = r.getheader("Set-Cookie").split(";")[0]
    st, feed, _ = s.request("GET", "/api/feed?limit=100", cookie=cookie)
    check("their feed has posts of whom they follow", st == 200 and len(feed["posts"]) > 0)
    st, page, _ = s.request("GET", "/api/posts?limit=100")
    posts = page["posts"]
    with_img = [p for p in posts if p["img"]]
    check("seeded posts carry hashtags, likes and comments",
          any(p["hashtags"] for p in posts) and any(p["likeCount"] for p in posts) and
          any(p["comments"] and p["comments"][0]["replies"] for p in posts))
    check("seeded images are ready, original and thumbnail served",
          with_img and all(p["img"]["thumbUrl"] for p in with_img) and
          all(s.request("GET", p["img"]["thumbUrl"])[0] == 200 and
              s.request("GET", p["img"]["url"])[0] == 200 for p in with_img[:4]), with_img[:2])


if __name__ == "__main__":
    run_tests(run)
