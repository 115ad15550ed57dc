-- wrk script: the load tool's workload over HTTP. Each request is a GET (read) or, with probability write_ratio, a
-- POST (write) of PREFIX .. key, the key drawn from Zipf(s) over 0..n-1 with Vose's alias method (the table the .NET
-- tool and the Python peer build). Seeded per thread from the run seed. A POST carries the new value: the product as
-- ~1 KB of JSON (a description of value_chars characters, a version counted per thread), which the server
-- deserializes; the hello-world endpoints get the same requests, bodies included.
--   wrk -t2 -c1000 -d20s --latency -s mix.lua http://127.0.0.1:PORT -- /items/ 100000 0.99 0.3 42 880
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
  local value_chars = tonumber(args[6]) or 880
  math.randomseed(seed * 1000003 + (thread_index or 0))
  -- One description per thread (JSON-safe characters), and versions that differ between threads.
  local alphabet = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789."
  local parts = {}
  for i = 1, value_chars do
    local c = ((i * 7 + (thread_index or 0)) % #alphabet) + 1
    parts[i] = alphabet:sub(c, c)
  end
  description = table.concat(parts)
  version = (thread_index or 0) * 4294967296
  json_headers = { ["Content-Type"] = "application/json" }

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
    local id = k - 1
    version = version + 1
    local body = string.format('{"id":%d,"sku":"SKU-%06d","name":"Product %d","price":%d.99,"stock":%d,"version":%.0f,"updatedUtc":"2026-01-01T00:00:00Z","description":"%s"}',
      id, id, id, 19 + id % 100, id % 1000, version, description)
    return wrk.format("POST", prefix .. id, json_headers, body)
  end
  return wrk.format("GET", prefix .. (k - 1))
end
