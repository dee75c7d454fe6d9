-- GET wrk's URL with `Authorization: Bearer $BENCH_TOKEN` (the token API).
-- The header is set once in init(), so wrk sends a prebuilt request.
local token = os.getenv("BENCH_TOKEN")
wrk.headers["Authorization"] = "Bearer " .. token

local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")
