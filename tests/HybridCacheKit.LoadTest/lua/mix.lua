-- wrk script: the load tool's workload over HTTP. Each request is a GET (read) or, with probability write_ratio, a
-- POST (write) of PREFIX .. key, the key drawn from Zipf(s) over 0..n-1 with Vose's alias method (the table the .NET
-- tool and the Python peer build). Seeded per thread from the run seed.
--   wrk -t2 -c1000 -d20s --latency -s mix.lua http://127.0.0.1:PORT -- /items/ 100000 0.99 0.3 42
local thread_count = 0

function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  prefix = args[1] or "/items/"
  n = tonumber(args[2]) or 100000
  local s = tonumber(args[3]) or 0.99
  write_ratio = tonumber(args[4]) or 0.3
  local seed = tonumber(args[5]) or 42
  math.randomseed(seed * 1000003 + (thread_index or 0))

  local weights, total = {}, 0
  for k = 1, n do
    weights[k] = 1 / (k ^ s)
    total = total + weights[k]
  end
  prob, alias = {}, {}
  local scaled, small, large = {}, {}, {}
  for k = 1, n do
    scaled[k] = weights[k] / total * n
    prob[k] = 1
    alias[k] = k
    if scaled[k] < 1 then small[#small + 1] = k else large[#large + 1] = k end
  end
  while #small > 0 and #large > 0 do
    local sm = table.remove(small)
    local lg = table.remove(large)
    prob[sm] = scaled[sm]
    alias[sm] = lg
    scaled[lg] = scaled[lg] + scaled[sm] - 1
    if scaled[lg] < 1 then small[#small + 1] = lg else large[#large + 1] = lg end
  end
end

function request()
  local column = math.floor(math.random() * n) + 1
  local k = column
  if math.random() >= prob[column] then k = alias[column] end
  if math.random() < write_ratio then
    return wrk.format("POST", prefix .. (k - 1))
  end
  return wrk.format("GET", prefix .. (k - 1))
end
