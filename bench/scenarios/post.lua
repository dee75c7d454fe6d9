-- POST /api/posts with 5 hashtags as one signed-in user (BENCH_COOKIE), the
-- tags rotating through 50 so that some exist and some are new to a run.
local cookie = os.getenv("BENCH_COOKIE")
local n = 0

request = function()
  n = n + 1
  local tags = ""
  for k = 0, 4 do
    tags = tags .. " #bench" .. ((n + k * 7) % 50)
  end
  return wrk.format("POST", "/api/posts", {
    ["Host"] = "localhost",
    ["Content-Type"] = "application/json",
    ["Cookie"] = cookie,
  }, '{"content":"wrk post ' .. n .. tags .. '"}')
end

local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")
