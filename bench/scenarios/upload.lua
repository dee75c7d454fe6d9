-- POST /api/images: the multipart body in BENCH_BODY (made by bench/sns/run)
-- as one signed-in user (BENCH_COOKIE).
local cookie = os.getenv("BENCH_COOKIE")
local file = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
local body = file:read("*a")
file:close()
local req

init = function()
  req = wrk.format("POST", "/api/images", {
    ["Host"] = "localhost",
    ["Content-Type"] = "multipart/form-data; boundary=ternBenchBoundary",
    ["Cookie"] = cookie,
  }, body)
end

request = function()
  return req
end

local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")
