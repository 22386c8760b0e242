-- wrk script: cycle through the request paths listed (one per line) in the file given as the
-- script argument, and print the result as one JSON line prefixed "BENCH_JSON ".
local paths = {}
local counter = 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  -- Threads start at different offsets so they do not ask for the same path in lock-step.
  counter = math.random(#paths)
end

function request()
  counter = counter % #paths + 1
  return wrk.format("GET", paths[counter])
end

function done(summary, latency, requests)
  local parts = {}
  for _, p in ipairs({50, 75, 90, 95, 99, 99.9}) do
    parts[#parts + 1] = string.format('"%s":%.3f', tostring(p), latency:percentile(p) / 1000)
  end
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_s":%.3f,"bytes":%d,"errors_connect":%d,' ..
    '"errors_read":%d,"errors_write":%d,"errors_status":%d,"errors_timeout":%d,' ..
    '"mean_ms":%.3f,"max_ms":%.3f,"percentiles_ms":{%s}}\n',
    summary.requests, summary.duration / 1e6, summary.bytes, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency.mean / 1000, latency.max / 1000, table.concat(parts, ",")))
end
