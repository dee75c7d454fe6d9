-- TechEmpower "plaintext" test: GET /plaintext over keep-alive connections,
-- with the headers TechEmpower's wrk runs send. No request() function is
-- defined, so wrk builds the request once and reuses it (cheapest client).
-- Pipelining (TechEmpower uses depth 16) is deliberately not used: one
-- request in flight per connection is what tern is tuned for first.
wrk.method = "GET"
wrk.path = "/plaintext"
wrk.headers["Host"] = "localhost"
wrk.headers["Accept"] =
  "text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7"
wrk.headers["Connection"] = "keep-alive"

-- report.lua sits next to this file; wrk runs scripts from the caller's cwd.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")
