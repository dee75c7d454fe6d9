#!/usr/bin/env python3
"""The domain routes of the token API (API.md, "Token API") end to end: a real
tern on a loopback socket with the PostgreSQL and Redis of scripts/test.

Usage: domains_test.py TERN
"""
import concurrent.futures

from harness import check, error_code, run_tests, User


def run(s):
    alice, bob = User(s, "alice"), User(s, "bob")

    st, body, _ = s.request("POST", "/api/domains", {"host": "a.example", "type": "free"})
    check("register without a session → 401", st == 401 and error_code(body) == "unauthorized")
    st, body, _ = s.request("GET", "/api/domains")
    check("list without a session → 401", st == 401)

    st, d, r = alice("POST", "/api/domains", {"host": "LocalHost:4000", "type": "premium"})
    check("register → 201 {id, host lower-cased, type, clientSecret, createdAt}",
          st == 201 and d["host"] == "localhost:4000" and d["type"] == "premium" and
          len(d["clientSecret"]) == 43 and d["createdAt"].endswith("Z"), (st, d))
    check("the answer is not cached", r.getheader("Cache-Control") == "no-store")
    st, d2, _ = alice("POST", "/api/domains", {"host": "b.example"})
    check("type defaults to free", st == 201 and d2["type"] == "free", d2)
    check("every secret is new", d2["clientSecret"] != d["clientSecret"])

    for host in ["", "http://a.example", "a.example/", "a.example:0", "a.example:65536",
                 "a..example", "-a.example", "a.example.", "user@a.example", "[::1]:80",
                 "a example", "a" * 64 + ".io", "é.example", "a.example:080"]:
        st, body, _ = alice("POST", "/api/domains", {"host": host, "type": "free"})
        check(f"host {host[:24]!r} → 400 invalid_host",
              st == 400 and error_code(body) == "invalid_host", (st, body))
    st, body, _ = alice("POST", "/api/domains", {"host": "ok.example", "type": "gold"})
    check("type gold → 400 invalid_type", st == 400 and error_code(body) == "invalid_type")
    st, body, _ = alice("POST", "/api/domains", raw=b'{"host": 1', headers={
        "Content-Type": "application/json"})
    check("broken JSON → 400", st == 400)
    st, body, _ = alice("POST", "/api/domains", {"host": "x.example"},
                        headers={"Origin": "http://evil.example"})
    check("cross-site registration → 403", st == 403)

    st, body, _ = alice("GET", "/api/domains")
    hosts = [x["host"] for x in body["domains"]]
    check("list → my domains in order, with secrets", st == 200 and hosts == [
        "localhost:4000", "b.example"] and body["domains"][0]["clientSecret"] == d["clientSecret"],
        body)
    st, body, _ = bob("GET", "/api/domains")
    check("another user sees none of them", st == 200 and body["domains"] == [], body)

    st, body, _ = bob("DELETE", f"/api/domains/{d['id']}")
    check("delete someone else's → 403 not_owner", st == 403 and error_code(body) == "not_owner")
    st, _, _ = alice("DELETE", f"/api/domains/{d['id']}")
    check("delete mine → 204", st == 204)
    st, body, _ = alice("DELETE", f"/api/domains/{d['id']}")
    check("delete it again → 404", st == 404 and error_code(body) == "domain_not_found")
    for bad in ["0", "-1", "x", "99999999999999999999"]:
        st, body, _ = alice("DELETE", f"/api/domains/{bad}")
        check(f"delete /api/domains/{bad} → 400 invalid_id", st == 400, (st, body))
    st, body, _ = alice("GET", "/api/domains")
    check("the deleted one is gone", [x["host"] for x in body["domains"]] == ["b.example"])

    # The cap (50 per account), sequentially: number 51 is refused and lands nothing.
    carol = User(s, "carol")
    for i in range(50):
        st, _, _ = carol("POST", "/api/domains", {"host": f"h{i}.example"})
        if st != 201:
            break
    check("50 domains fit", st == 201, st)
    st, body, _ = carol("POST", "/api/domains", {"host": "h50.example"})
    check("the 51st → 409 too_many_domains", st == 409 and error_code(body) == "too_many_domains")
    st, body, _ = carol("GET", "/api/domains")
    check("…and was not stored", len(body["domains"]) == 50)

    # A burst of the same registration: each is its own domain with its own secret.
    dave = User(s, "dave")
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda _: dave("POST", "/api/domains", {"host": "same.example"}),
                                range(16)))
    secrets = {b["clientSecret"] for st, b, _ in results if st == 201}
    check("16 concurrent registrations → 16 domains, 16 secrets",
          all(st == 201 for st, _, _ in results) and len(secrets) == 16)


run_tests(run)
