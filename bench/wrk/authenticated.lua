-- wrk script: authenticated GETs spread over the seeded users.
-- Usage: wrk ... -s authenticated.lua URL -- TOKENS_FILE PATH
--   TOKENS_FILE  lines of "userId<TAB>accessToken", as Harmonia.LoadGenerator's login writes them
--   PATH         e.g. /users/{id} or /library; {id} becomes another seeded user's id
-- Each request is sent as the next user in turn, so per-user state (the session check, the library page, the
-- rate-limit count) is spread over every user rather than one hot key.

local ids, headers = {}, {}
local path
local next_user = 0
local threads = 0

function setup(thread)
  thread:set("offset", threads * 97)
  threads = threads + 1
end

function init(args)
  for line in io.lines(args[1]) do
    local id, token = line:match("^(%S+)\t(%S+)$")
    ids[#ids + 1] = id
    headers[#headers + 1] = { ["Authorization"] = "Bearer " .. token }
  end
  path = args[2]
  -- Threads start at different users.
  next_user = offset % #ids
end

function request()
  next_user = next_user % #ids + 1
  local target = ids[next_user % #ids + 1]
  return wrk.format("GET", (path:gsub("{id}", target)), headers[next_user])
end

-- One line for load.sh to read: throughput over the run, latency percentiles in microseconds, and every
-- non-2xx/3xx answer or socket error (a run with any is rejected, so a throttled run cannot pass for a fast one).
function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT requests=%d rps=%.0f p50_us=%d p99_us=%d errors=%d\n",
    summary.requests, summary.requests / seconds, latency:percentile(50), latency:percentile(99), errors))
end
