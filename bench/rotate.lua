-- wrk script of `make bench`: rotates through many families' (or teachers') requests, optionally paced.
--
--   [BENCH_RATE=40] wrk -t1 -c16 -d10s -s bench/rotate.lua http://127.0.0.1:8601 -- requests.tsv
--
-- requests.tsv: one request a line, tab-separated: METHOD, path, body ("-" for none), then any number of
-- "Name: value" headers (a family's bearer token or session cookie). Each thread starts at a different
-- line. With BENCH_RATE (requests a second, per thread), requests are spaced evenly on a monotonic clock instead
-- of as fast as the server answers: the "read load at half the saturation throughput" of the bench.
-- Any answer but the expected status (200) is counted and reported, so a broken run cannot pass for fast.
-- done() prints one line "BENCH_JSON {...}" that bench/run.py parses.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clk_id, bench_timespec *tp);
]]
local clock = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("id", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

local prepared = {}
local position = 1
local interval = 0
local next_at = 0
bad = 0
first_bad = ""

local function split(line)
  local fields = {}
  for field in string.gmatch(line, "[^\t]+") do
    table.insert(fields, field)
  end
  return fields
end

function init(args)
  local path = args[1]
  local file = assert(io.open(path, "r"), "cannot open " .. tostring(path))
  for line in file:lines() do
    if line ~= "" then
      local fields = split(line)
      local headers = {}
      for i = 4, #fields do
        local name, value = string.match(fields[i], "^([^:]+):%s*(.*)$")
        headers[name] = value
      end
      local body = fields[3] ~= "-" and fields[3] or nil
      table.insert(prepared, wrk.format(fields[1], fields[2], headers, body))
    end
  end
  file:close()
  assert(#prepared > 0, "no requests in " .. path)
  position = (id * 7919) % #prepared + 1
end

local rate = tonumber(os.getenv("BENCH_RATE") or "0") or 0

function request()
  local chosen = prepared[position]
  position = position % #prepared + 1
  return chosen
end

if rate > 0 then
  -- Only defined when pacing (wrk schedules every request through a timer once delay() exists).
  interval = 1000 / rate
  function delay()
    local now = now_ms()
    if next_at < now then
      next_at = now
    end
    local wait = next_at - now
    next_at = next_at + interval
    return wait
  end
end

function response(status, headers, body)
  if status ~= 200 then
    if bad == 0 then
      first_bad = tostring(status)
    end
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local bad_total, first = 0, ""
  for _, thread in ipairs(threads) do
    bad_total = bad_total + (thread:get("bad") or 0)
    if first == "" then
      first = thread:get("first_bad") or ""
    end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "bad_status": %d, "first_bad": "%s", '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"mean": %.1f, "p50": %d, "p90": %d, "p99": %d, "max": %d}}\n',
    summary.requests, summary.duration, summary.bytes, bad_total, first,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max
  ))
end
