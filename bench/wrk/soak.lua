-- The soak's mix, paced: each connection sends GET one, GET one, GET one, list, POST in
-- turn (SOAK_* from the environment), and waits SOAK_DELAY_MS before each request, so the
-- rate stays near connections * 1000 / (delay + latency) per second instead of flat out.
-- At the end, one line "SOAK_JSON {...}" with the counts by status and the percentiles.
local token = os.getenv("SOAK_TOKEN")
local one = os.getenv("SOAK_GET_PATH")
local list = os.getenv("SOAK_LIST_PATH")
local post = os.getenv("SOAK_POST_PATH")
local body = os.getenv("SOAK_POST_BODY")
local pause = tonumber(os.getenv("SOAK_DELAY_MS") or "0")

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  sent = 0
  local auth = {["Authorization"] = "Bearer " .. token}
  local json = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
  mix = {
    wrk.format("GET", one, auth),
    wrk.format("GET", one, auth),
    wrk.format("GET", one, auth),
    wrk.format("GET", list, auth),
    wrk.format("POST", post, json, body),
  }
end

function delay()
  return pause
end

function request()
  sent = sent + 1
  return mix[(sent % #mix) + 1]
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(counts) do
    table.insert(parts, string.format('"%s":%d', status, count))
  end
  local errors = summary.errors
  io.write(string.format(
    'SOAK_JSON {"requests":%d,"duration_us":%d,"statuses":{%s},' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d}}\n',
    summary.requests, summary.duration, table.concat(parts, ","),
    errors.connect, errors.read, errors.write, errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
