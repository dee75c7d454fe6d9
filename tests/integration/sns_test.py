#!/usr/bin/env python3
"""The SNS routes of API.md end to end: a real tern on a loopback socket, the
real PostgreSQL and Redis of scripts/test, every route and status it names
(uploads: upload_test.py).

Usage: sns_test.py TERN   (DATABASE_URL and REDIS_URL from scripts/test)
"""
import random

from harness import check, error_code, run_tests, User

R = "%08x" % random.randrange(1 << 32)  # this run's tags: the database outlives runs


def run(s):
    alice, bob, carol = User(s, "alice"), User(s, "bob"), User(s, "carol")

    # --- posts --------------------------------------------------------------
    st, body, _ = s.request("POST", "/api/posts", {"content": "anonymous"})
    check("post without a session → 401", st == 401 and error_code(body) == "unauthorized")
    st, body, _ = alice("POST", "/api/posts",
                        {"content": f"Hello #Node and #ÜNÏ{R} again, #node #ünï{R} #노드{R} # #a#b"})
    check("post → 201 with the post", st == 201 and body["post"]["content"].startswith("Hello"),
          body)
    p1 = body["post"]
    check("hashtags lower-cased (Unicode), de-duplicated, '#' splits, a lone '#' is none",
          p1["hashtags"] == sorted(["node", f"ünï{R}", f"노드{R}", "a", "b"]), p1["hashtags"])
    check("a new post: its author, no image, no likes, no comments",
          p1["user"] == {"id": alice.id, "nick": "alice"} and p1["img"] is None and
          p1["likeCount"] == 0 and p1["liked"] is False and p1["commentCount"] == 0 and
          p1["comments"] == [] and p1["createdAt"].endswith("Z"))
    for content, code in [("", "invalid_content"), ("x" * 141, "invalid_content"),
                          ("\u0000x", "invalid_content"),
                          (" ".join(f"#t{i}" for i in range(21)), "too_many_hashtags"),
                          ("#" + "a" * 51, "hashtag_too_long")]:
        st, body, _ = alice("POST", "/api/posts", {"content": content})
        check(f"post {content[:20]!r}… → 400 {code}", st == 400 and error_code(body) == code, body)
    st, body, _ = alice("POST", "/api/posts", {"content": "가" * 140})
    check("140 characters of 3-byte UTF-8 → 201", st == 201)
    st, body, _ = alice("POST", "/api/posts",
                        {"content": " ".join(f"#T{i}" for i in range(20)) + " #t0"})
    check("20 distinct tags (+ a repeat in another case) → 201",
          st == 201 and len(body["post"]["hashtags"]) == 20)
    st, body, _ = alice("POST", "/api/posts", {"content": "#" + "é" * 50})
    check("a 50-character tag → 201", st == 201)
    st, body, _ = alice("POST", "/api/posts", {"content": {"nested": "x"}})
    check("content an object → 400", st == 400)
    st, body, _ = alice("POST", "/api/posts", raw=b"content=form%20post%20%23Form",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    check("an urlencoded post → 201", st == 201 and body["post"]["hashtags"] == ["form"])
    st, body, _ = alice("POST", "/api/posts", raw=b"content=%FF%FE",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    check("bad UTF-8 in a form → 400", st == 400)
    st, body, _ = alice("POST", "/api/posts", {"content": "with img", "img": "/uploads/nope.png"})
    check("img not from /api/images → 400 invalid_img", st == 400 and error_code(body) == "invalid_img")
    st, body, _ = alice("POST", "/api/posts", {"content": "with img", "img": "http://evil/x.png"})
    check("img elsewhere → 400", st == 400)
    st, body, _ = alice("POST", "/api/posts", raw=b"{", headers={"Content-Type": "application/json"})
    check("malformed JSON → 400", st == 400)
    st, body, _ = alice("POST", "/api/posts", raw=b"content=x", headers={"Content-Type": "text/plain"})
    check("another content type → 415", st == 415)
    st, body, _ = alice("POST", "/api/posts", {"content": "csrf"}, headers={"Origin": "http://evil.test"})
    check("a cross-site post → 403", st == 403)

    st, body, _ = s.request("GET", f"/api/posts/{p1['id']}")
    check("GET /api/posts/:id is public → 200", st == 200 and body["post"]["id"] == p1["id"])
    for path, want in [("/api/posts/999999999", 404), ("/api/posts/abc", 400),
                       ("/api/posts/-1", 400), ("/api/posts/0", 400),
                       ("/api/posts/99999999999999999999999", 400)]:
        st, body, _ = s.request("GET", path)
        check(f"GET {path} → {want}", st == want, (st, body))

    # --- likes --------------------------------------------------------------
    for _ in range(2):
        st, _, _ = bob("POST", f"/api/posts/{p1['id']}/like")
    check("like twice → 204 (idempotent)", st == 204)
    st, body, _ = bob("GET", f"/api/posts/{p1['id']}")
    check("liked by me, counted once", body["post"]["likeCount"] == 1 and body["post"]["liked"])
    st, body, _ = s.request("GET", f"/api/posts/{p1['id']}")
    check("anonymous: the count, not liked", body["post"]["likeCount"] == 1 and not body["post"]["liked"])
    st, _, _ = bob("POST", "/api/posts/999999999/like")
    check("like an unknown post → 404", st == 404)
    st, _, _ = s.request("POST", f"/api/posts/{p1['id']}/like")
    check("like without a session → 401", st == 401)
    for _ in range(2):
        st, _, _ = bob("DELETE", f"/api/posts/{p1['id']}/like")
    check("unlike twice → 204", st == 204)
    st, body, _ = bob("GET", f"/api/posts/{p1['id']}")
    check("unliked", body["post"]["likeCount"] == 0 and not body["post"]["liked"])
    st, _, _ = bob("DELETE", "/api/posts/999999999/like")
    check("unlike an unknown post → 404", st == 404)

    # --- comments and replies -------------------------------------------------
    st, body, _ = bob("POST", f"/api/posts/{p1['id']}/comments", {"content": "first!"})
    check("comment → 201 {comment}", st == 201 and body["comment"]["content"] == "first!" and
          body["comment"]["user"]["nick"] == "bob" and body["comment"]["replies"] == [], body)
    c1 = body["comment"]
    st, body, _ = alice("POST", f"/api/comments/{c1['id']}/replies", {"content": "thanks"})
    check("reply → 201 {reply}", st == 201 and body["reply"]["content"] == "thanks", body)
    for content in ["", "x" * 501]:
        st, body, _ = bob("POST", f"/api/posts/{p1['id']}/comments", {"content": content})
        check(f"comment of {len(content)} characters → 400", st == 400)
        st, body, _ = bob("POST", f"/api/comments/{c1['id']}/replies", {"content": content})
        check(f"reply of {len(content)} characters → 400", st == 400)
    st, _, _ = bob("POST", f"/api/posts/{p1['id']}/comments", {"content": "x" * 500})
    check("comment of 500 characters → 201", st == 201)
    st, _, _ = bob("POST", "/api/posts/999999999/comments", {"content": "x"})
    check("comment on an unknown post → 404", st == 404)
    st, _, _ = bob("POST", "/api/comments/999999999/replies", {"content": "x"})
    check("reply to an unknown comment → 404", st == 404)
    st, _, _ = s.request("POST", f"/api/posts/{p1['id']}/comments", {"content": "x"})
    check("comment without a session → 401", st == 401)

    # A post with 25 comments, the first with 23 replies: the post carries 20
    # and 20, the counts say 25 and 23, the comment pages walk all of them.
    st, body, _ = alice("POST", "/api/posts", {"content": "busy"})
    busy = body["post"]["id"]
    cids = []
    for i in range(25):
        st, body, _ = bob("POST", f"/api/posts/{busy}/comments", {"content": f"c{i}"})
        cids.append(body["comment"]["id"])
    for i in range(23):
        alice("POST", f"/api/comments/{cids[0]}/replies", {"content": f"r{i}"})
    st, body, _ = s.request("GET", f"/api/posts/{busy}")
    post = body["post"]
    check("a post carries its first 20 comments, oldest first, and the count",
          post["commentCount"] == 25 and [c["content"] for c in post["comments"]] ==
          [f"c{i}" for i in range(20)], post["commentCount"])
    check("a comment carries its first 20 replies, oldest first, and the count",
          post["comments"][0]["replyCount"] == 23 and
          [r["content"] for r in post["comments"][0]["replies"]] == [f"r{i}" for i in range(20)])
    seen, after = [], None
    while True:
        q = f"/api/posts/{busy}/comments?limit=7" + (f"&after={after}" if after else "")
        st, body, _ = s.request("GET", q)
        if st != 200:
            break
        seen += [c["id"] for c in body["comments"]]
        after = body["next"]
        if after is None:
            break
    check("comment pages (limit 7) walk every comment once, oldest first", seen == cids, seen)
    st, body, _ = s.request("GET", f"/api/posts/{busy}/comments")
    check("comments default page is 50 (all 25), next null",
          st == 200 and len(body["comments"]) == 25 and body["next"] is None)
    for q, want in [("?limit=0", 400), ("?limit=101", 400), ("?limit=x", 400), ("?after=-3", 400),
                    ("?limit=100", 200)]:
        st, _, _ = s.request("GET", f"/api/posts/{busy}/comments{q}")
        check(f"comments {q} → {want}", st == want)
    st, _, _ = s.request("GET", "/api/posts/999999999/comments")
    check("comments of an unknown post → 404", st == 404)

    # --- delete -----------------------------------------------------------
    st, body, _ = bob("DELETE", f"/api/posts/{p1['id']}")
    check("delete someone else's post → 403", st == 403 and error_code(body) == "not_author")
    st, _, _ = alice("DELETE", f"/api/posts/{busy}")
    check("delete my post → 204", st == 204)
    st, _, _ = s.request("GET", f"/api/posts/{busy}")
    check("a deleted post → 404", st == 404)
    st, _, _ = alice("DELETE", f"/api/posts/{busy}")
    check("delete it again → 404", st == 404)
    st, _, _ = bob("POST", f"/api/comments/{cids[0]}/replies", {"content": "late"})
    check("reply to a comment of a deleted post → 404", st == 404)

    # --- follows and profiles -----------------------------------------------
    for _ in range(2):
        st, _, _ = bob("POST", f"/api/users/{alice.id}/follow")
    check("follow twice → 204", st == 204)
    carol("POST", f"/api/users/{alice.id}/follow")
    alice("POST", f"/api/users/{carol.id}/follow")
    st, body, _ = bob("GET", f"/api/users/{alice.id}")
    _, mine, _ = s.request("GET", f"/api/users/{alice.id}/posts?limit=100")
    check("profile: counts and followedByMe", st == 200 and body == {
        "id": alice.id, "nick": "alice", "followerCount": 2, "followingCount": 1,
        "followedByMe": True, "postCount": len(mine["posts"])} and mine["next"] is None, body)
    st, body, _ = s.request("GET", f"/api/users/{alice.id}")
    check("profile anonymous: followedByMe false", body["followedByMe"] is False)
    st, body, _ = bob("POST", f"/api/users/{bob.id}/follow")
    check("follow yourself → 400", st == 400)
    st, body, _ = bob("POST", "/api/users/999999999/follow")
    check("follow an unknown user → 404", st == 404)
    st, body, _ = bob("DELETE", "/api/users/999999999/follow")
    check("unfollow an unknown user → 404", st == 404)
    st, _, _ = s.request("POST", f"/api/users/{alice.id}/follow")
    check("follow without a session → 401", st == 401)
    st, _, _ = s.request("GET", "/api/users/999999999")
    check("unknown profile → 404", st == 404)
    st, body, _ = s.request("GET", f"/api/users/{alice.id}/followers")
    check("followers: newest follow first, {id, nick}",
          st == 200 and body["users"] == [{"id": carol.id, "nick": "carol"},
                                          {"id": bob.id, "nick": "bob"}] and body["next"] is None,
          body)
    st, body, _ = s.request("GET", f"/api/users/{alice.id}/followers?limit=1")
    nxt = body["next"]
    st2, body2, _ = s.request("GET", f"/api/users/{alice.id}/followers?limit=1&before={nxt}")
    check("followers paged by the cursor", body["users"][0]["id"] == carol.id and
          body2["users"] == [{"id": bob.id, "nick": "bob"}] and body2["next"] is None, (body, body2))
    st, body, _ = s.request("GET", f"/api/users/{alice.id}/followings")
    check("followings", body["users"] == [{"id": carol.id, "nick": "carol"}])
    for q in ["?before=x", "?before=1", "?before=1.", "?before=-1.2", "?limit=101"]:
        st, _, _ = s.request("GET", f"/api/users/{alice.id}/followers{q}")
        check(f"followers {q} → 400", st == 400)
    st, _, _ = s.request("GET", "/api/users/999999999/followings")
    check("followings of an unknown user → 404", st == 404)
    for _ in range(2):
        st, _, _ = bob("DELETE", f"/api/users/{alice.id}/follow")
    check("unfollow twice → 204", st == 204)
    st, body, _ = s.request("GET", f"/api/users/{alice.id}")
    check("unfollowed: the count drops", body["followerCount"] == 1)

    # --- feeds and lists ------------------------------------------------------
    st, body, _ = carol("POST", "/api/posts", {"content": f"carol says #Feed{R}"})
    carol_post = body["post"]["id"]
    st, body, _ = bob("POST", "/api/posts", {"content": f"bob says #feed{R}"})
    bob_post = body["post"]["id"]
    st, body, _ = alice("GET", "/api/feed?limit=100")
    ids = [p["id"] for p in body["posts"]]
    check("feed: mine and whom I follow, not others", carol_post in ids and p1["id"] in ids and
          bob_post not in ids and ids == sorted(ids, reverse=True), ids)
    st, _, _ = s.request("GET", "/api/feed")
    check("feed without a session → 401", st == 401)
    st, body, _ = s.request("GET", "/api/posts?limit=2")
    check("GET /api/posts: newest first, public, next cursor",
          st == 200 and [p["id"] for p in body["posts"]] == [bob_post, carol_post] and
          body["next"] == carol_post, body)
    st, body, _ = s.request("GET", f"/api/posts?limit=2&before={carol_post}")
    check("the next page starts below the cursor", all(p["id"] < carol_post for p in body["posts"]))
    st, body, _ = s.request("GET", "/api/posts")
    check("default page of 20", len(body["posts"]) == 20)
    for q in ["?limit=0", "?limit=101", "?limit=1x", "?before=abc", "?before=0", "?limit=%"]:
        st, _, _ = s.request("GET", f"/api/posts{q}")
        check(f"/api/posts{q} → 400", st == 400)
    st, body, _ = s.request("GET", f"/api/hashtags/FEED{R}/posts")
    check("hashtag search is case-insensitive, newest first",
          [p["id"] for p in body["posts"]] == [bob_post, carol_post], body)
    st, body, _ = s.request("GET", f"/api/hashtags/%C3%9CN%C3%8F{R}/posts")
    check("hashtag search with Unicode case folding", [p["id"] for p in body["posts"]] == [p1["id"]])
    st, body, _ = s.request("GET", f"/api/hashtags/%EB%85%B8%EB%93%9C{R}/posts")
    check("hashtag search in Hangul", [p["id"] for p in body["posts"]] == [p1["id"]])
    st, body, _ = s.request("GET", "/api/hashtags/nothing-here/posts")
    check("an unknown tag → 200, no posts", st == 200 and body["posts"] == [] and body["next"] is None)
    st, body, _ = s.request("GET", "/api/hashtags/%FF/posts")
    check("a tag of bad UTF-8 → 400", st == 400)
    st, body, _ = s.request("GET", f"/api/users/{carol.id}/posts")
    check("a user's posts", [p["id"] for p in body["posts"]] == [carol_post])
    st, _, _ = s.request("GET", "/api/users/999999999/posts")
    check("posts of an unknown user → 404", st == 404)
    st, _, r = s.request("GET", "/api/posts")
    check("/api responses are no-store", r.getheader("Cache-Control") == "no-store")

    # A burst of the same like and follow at once: still one of each.
    import concurrent.futures as cf
    with cf.ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda _: carol("POST", f"/api/posts/{bob_post}/like")[0], range(32)))
        results += list(pool.map(lambda _: carol("POST", f"/api/users/{bob.id}/follow")[0], range(32)))
    st, body, _ = s.request("GET", f"/api/posts/{bob_post}")
    st2, prof, _ = s.request("GET", f"/api/users/{bob.id}")
    check("32 concurrent likes and follows: all 204, counted once",
          set(results) == {204} and body["post"]["likeCount"] == 1 and prof["followerCount"] == 1,
          (set(results), body["post"]["likeCount"], prof))

    # Posts sharing tags in different orders, all at once: the tag upserts
    # lock rows, and unsorted they deadlock (found by bench/hashtags).
    tags = [f"#Race{R}{k}" for k in range(5)]
    def racer(i):
        shuffled = tags[i % 5:] + tags[:i % 5]
        return carol("POST", "/api/posts", {"content": " ".join(reversed(shuffled) if i % 2 else shuffled)})[0]
    with cf.ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(racer, range(48)))
    st, body, _ = s.request("GET", f"/api/hashtags/race{R}0/posts?limit=100")
    check("48 concurrent posts sharing 5 tags in different orders: all 201, all found",
          set(statuses) == {201} and len(body["posts"]) == 48, (set(statuses), len(body.get("posts", []))))


if __name__ == "__main__":
    run_tests(run)
