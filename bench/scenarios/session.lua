-- GET /api/me as many signed-in users: BENCH_COOKIES names a file with one
-- "sid=..." cookie per line (one per user, made by bench/session/run), and
-- each request takes the next one, so the requests in flight at any moment
-- belong to different users, as on a real server.
local path = os.getenv("BENCH_PATH") or "/api/me"
local requests = {}
local next_one = 0

init = function(args)
  for cookie in io.lines(os.getenv("BENCH_COOKIES")) do
    if cookie ~= "" then
      table.insert(requests, wrk.format("GET", path, {
        ["Host"] = "localhost",
        ["Accept"] = "application/json",
        ["Connection"] = "keep-alive",
        ["Cookie"] = cookie,
      }))
    end
  end
  assert(#requests > 0, "no cookies in BENCH_COOKIES")
end

request = function()
  next_one = next_one % #requests + 1
  return requests[next_one]
end

local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")
