-- One request shape from the environment (BENCH_METHOD, BENCH_BODY, BENCH_TOKEN); at the end,
-- one line "BENCH_JSON {...}" with the counts, the errors by type and the latency percentiles.
-- With BENCH_PAGES > 0, request n (from 0, counted per wrk thread) adds "&page=" to the path,
-- the page being BENCH_FIRST_PAGE + n % BENCH_PAGES: the same sequence on every run.
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY") or ""
local token = os.getenv("BENCH_TOKEN") or ""
local pages = tonumber(os.getenv("BENCH_PAGES") or "0") or 0
local first_page = tonumber(os.getenv("BENCH_FIRST_PAGE") or "1") or 1

wrk.method = method
if token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
if body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end

if pages > 0 then
  local sent = 0
  function request()
    local page = first_page + sent % pages
    sent = sent + 1
    return wrk.format(nil, wrk.path .. "&page=" .. page)
  end
end

-- wrk's own status error count only covers >= 400; every non-2xx must fail the run.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non2xx")
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"non2xx":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes, bad,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
