-- Shared by the wrk scenarios: prints one machine-readable line that
-- scripts/bench parses,
--   RESULT requests_per_sec=<n> p50_us=<n> p99_us=<n> errors=<n>
-- plus the error breakdown (extra key=value fields; parsers ignore them).
--
-- errors = connect + read + write + timeout + responses that are not 2xx.
-- wrk itself only counts statuses >= 400 ("status" errors). Catching 1xx/3xx
-- as well needs a Lua response() hook, which makes wrk parse every response
-- into Lua and costs client CPU, so it is opt-in: WRK_STRICT_STATUS=1.
-- Without it, non2xx is reported as wrk's own count of >= 400.

local strict = os.getenv("WRK_STRICT_STATUS") == "1"
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

if strict then
  -- Runs in each wrk thread's own Lua state; done() reads the counters back
  -- through thread:get().
  non2xx = 0
  response = function(status, headers, body)
    if status < 200 or status > 299 then
      non2xx = non2xx + 1
    end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local non2xx = e.status
  if strict then
    non2xx = 0
    for _, t in ipairs(threads) do
      non2xx = non2xx + (t:get("non2xx") or 0)
    end
  end
  local seconds = summary.duration / 1e6 -- wrk reports microseconds
  local errors = e.connect + e.read + e.write + e.timeout + non2xx
  io.write(string.format(
    "RESULT requests_per_sec=%.0f p50_us=%d p99_us=%d errors=%d" ..
    " requests=%d duration_s=%.2f connect=%d read=%d write=%d timeout=%d non2xx=%d strict=%d\n",
    summary.requests / seconds, latency:percentile(50), latency:percentile(99), errors,
    summary.requests, seconds, e.connect, e.read, e.write, e.timeout, non2xx,
    strict and 1 or 0))
end
