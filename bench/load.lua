-- wrk script for bench/load.sh: rotates over the homepage, the archive,
-- status.json and incident pages, and counts responses that are not whole
-- (a 200 whose HTML body does not end in </html>, or any status but 200).
-- Only the tail is searched: an unanchored pattern over the 2.4 MB archive
-- would make wrk itself the bottleneck.

local paths = { "/", "/status.json", "/incidents/", "/feed.xml" }
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for _, stem in ipairs(args) do
    table.insert(paths, "/incidents/" .. stem .. "/")
  end
  bad = 0
  n = 0
end

function request()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end

function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
  elseif string.find(headers["Content-Type"] or "", "text/html", 1, true)
      and not string.find(string.sub(body, -32), "</html>%s*$") then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do
    total = total + t:get("bad")
  end
  io.write(string.format("bad responses (not 200, or HTML cut short): %d\n", total))
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    io.write(string.format("latency p%s: %.1f ms\n", p, latency:percentile(p) / 1000))
  end
end
