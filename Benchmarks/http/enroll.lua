-- wrk: POST one enrollment per request, each for a contact no other request used.
-- Contacts are numbered; FIRST (environment) is where this run starts, threads interleave.
local threads = {}
function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end
function init(args)
  first = tonumber(os.getenv("FIRST") or "0")
  count = tonumber(os.getenv("THREADS") or "2")
  n = 0
end
function request()
  local id = first + index + n * count
  n = n + 1
  return wrk.format("POST", os.getenv("FLOW_PATH"),
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("TOKEN")},
    '{"contactId": "c' .. id .. '"}')
end
