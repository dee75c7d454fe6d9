-- TechEmpower "plaintext" with HTTP pipelining, depth 16: each connection
-- writes 16 requests at once and reads 16 responses. One wrk write then
-- carries 16 requests, so the client costs far less per request and the
-- server, not wrk, becomes the limit — which is what this scenario is for.
-- (Without it, tern, nginx and Beast all outrun one wrk thread.)
local depth = tonumber(os.getenv("BENCH_PIPELINE_DEPTH") or "16")
local req

init = function(args)
  local one = wrk.format("GET", "/plaintext", {
    ["Host"] = "localhost",
    ["Accept"] = "text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7",
    ["Connection"] = "keep-alive",
  })
  req = string.rep(one, depth)
end

request = function()
  return req
end

local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")
