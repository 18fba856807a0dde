-- wrk script: GET a path, or the status of a random award id read from BENCH_IDS.
-- Each wrk thread runs this file in its own Lua state, so each loads the ids.
local ids = {}
local ids_file = os.getenv("BENCH_IDS")
local fixed_path = os.getenv("BENCH_PATH")

if ids_file and ids_file ~= "" then
  for line in io.lines(ids_file) do
    if #line > 0 then ids[#ids + 1] = line end
  end
end

math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)

request = function()
  if #ids > 0 then
    return wrk.format("GET", "/v1/credentials/" .. ids[math.random(#ids)] .. "/status")
  end
  return wrk.format("GET", fixed_path)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "errors": %d, "non_2xx": %d, ' ..
    '"p50_us": %d, "p99_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
