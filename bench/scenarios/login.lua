-- POST /auth/login with the bench user's credentials (BENCH_EMAIL,
-- BENCH_PASSWORD), for the login-storm scenario.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"email":"%s","password":"%s"}', os.getenv("BENCH_EMAIL"),
  os.getenv("BENCH_PASSWORD"))
dofile("bench/scenarios/report.lua")
