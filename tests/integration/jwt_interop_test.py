#!/usr/bin/env python3
"""JWT interoperability with jsonwebtoken, the library NodeBird uses, both
ways: a token tern issues verifies in jsonwebtoken (HS256, issuer tern, the
claims intact), and tokens jsonwebtoken signs with tern's key verify in tern —
with the newest key and with an older one still listed in TERN_JWT_KEYS —
while one signed with a retired key does not.

Usage: jwt_interop_test.py TERN   (node and tests/browser/node_modules from scripts/setup)
"""
import json
import os
import subprocess
import time

from harness import check, run_tests, User

HERE = os.path.dirname(os.path.abspath(__file__))
JWT = os.path.join(HERE, "..", "browser", "jwt.mjs")
NEW, OLD, RETIRED = "n" * 40, "o" * 40, "r" * 40


def node(*args):
    r = subprocess.run(["node", JWT, *args], capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def run(s):
    owner = User(s, "interop")
    st, dom, _ = owner("POST", "/api/domains", {"host": "interop.example", "type": "premium"})
    st, body, _ = s.request("POST", "/v2/token", {"clientSecret": dom["clientSecret"]})
    token = body["token"]

    rc, out, err = node("verify", NEW, token)
    decoded = json.loads(out) if rc == 0 else {}
    check("tern's token verifies in jsonwebtoken", rc == 0, err)
    check("…as HS256 with tern's kid", decoded.get("header") == {"alg": "HS256", "typ": "JWT", "kid": "k2"},
          decoded.get("header"))
    claims = decoded.get("payload", {})
    check("…with its claims", claims.get("sub") == str(owner.id) and claims.get("nick") == "interop" and
          claims.get("iss") == "tern" and claims.get("exp", 0) > time.time() and claims.get("jti"), claims)
    rc, _, err = node("verify", OLD, token)
    check("…and not with another key", rc == 1 and "invalid signature" in err, err)

    now = int(time.time())
    payload = {"sub": str(owner.id), "nick": "interop", "iss": "tern", "iat": now, "exp": now + 60,
               "jti": f"js{now}", "tier": "premium"}
    for kid, key, want, what in [("k2", NEW, 200, "the newest key"), ("k1", OLD, 200, "an older listed key"),
                                 ("k0", RETIRED, 401, "a retired key (kid unknown)"),
                                 ("k2", RETIRED, 401, "the wrong secret under a known kid")]:
        rc, signed, err = node("sign", key, kid, json.dumps(payload))
        st, body, _ = s.request("GET", "/v2/test", headers={"Authorization": f"Bearer {signed}"})
        ok = st == want and (want != 200 or body["payload"]["jti"] == payload["jti"])
        check(f"jsonwebtoken's token with {what} → {want} in tern", rc == 0 and ok, (st, body, err))
    expired = dict(payload, iat=now - 120, exp=now - 60, jti=f"old{now}")
    rc, signed, _ = node("sign", NEW, "k2", json.dumps(expired))
    st, _, _ = s.request("GET", "/v2/test", headers={"Authorization": signed})
    check("jsonwebtoken's expired token → 419, sent bare", st == 419, st)


run_tests(run, TERN_JWT_KEYS=f"k2:{NEW},k1:{OLD}")
