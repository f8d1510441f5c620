-- gen/sandbox.lua: run a spec's chunk within limits of time, memory and
-- work, and check what it hands back before anything else looks at it.
--
-- sandbox.run(chunk) -> ok, result_or_message
--   Runs chunk with a hook after every VM instruction that stops it when it
--   has run more than MAX_STEPS instructions, used more than MAX_SECONDS of
--   CPU time or grown the Lua heap by more than MAX_MEMORY_MB. While it runs,
--   the methods of strings ("x"):rep(n) and friends are a reduced set: rep
--   is capped at MAX_STRING bytes, and the pattern functions (find, match,
--   gmatch, gsub), whose backtracking can run for hours inside one call, are
--   absent. Every message names the limit that was hit.
--
-- sandbox.check_value(v) -> nil or message
--   Walks what the spec returned (tables, cycles included) and refuses a
--   string longer than MAX_STRING, a table nested deeper than MAX_DEPTH or
--   more than MAX_VALUES values in all, so that the checks after it (a "did
--   you mean" distance, say) never work on something huge.
--
-- Pure: no I/O.

local M = {}

M.MAX_STEPS = 10000000     -- VM instructions
M.MAX_SECONDS = 10         -- CPU seconds
M.MAX_MEMORY_MB = 256      -- growth of the Lua heap while the spec runs
M.MAX_STRING = 4096        -- bytes of any string the spec builds with rep or hands back
M.MAX_DEPTH = 32           -- nesting of the tables the spec hands back
M.MAX_VALUES = 100000      -- keys and values in all of them

local rep = string.rep
local SAFE = {
  byte = string.byte, char = string.char, format = string.format, len = string.len,
  lower = string.lower, upper = string.upper, reverse = string.reverse, sub = string.sub,
  rep = function(s, n, sep)
    local len = #tostring(s) * (tonumber(n) or 0) + #tostring(sep or "") * math.max((tonumber(n) or 0) - 1, 0)
    if len > M.MAX_STRING then
      error(string.format("string.rep would build %.0f bytes, more than the limit of %d for a spec",
        len, M.MAX_STRING), 2)
    end
    return rep(s, n, sep)
  end,
}
setmetatable(SAFE, {
  __index = function(_, k)
    error(string.format("string.%s is not available in a spec", tostring(k)), 2)
  end,
})

function M.run(chunk)
  local smeta = getmetatable("")
  local saved = smeta.__index
  local steps = M.MAX_STEPS
  local count, clock = collectgarbage, os.clock
  local mem_limit = count("count") + M.MAX_MEMORY_MB * 1024
  local t_limit = clock() + M.MAX_SECONDS
  local function stop(fmt, ...)
    debug.sethook()
    error(string.format(fmt, ...), 3)
  end
  smeta.__index = SAFE
  debug.sethook(function()
    steps = steps - 1
    if steps <= 0 then
      stop("the spec ran for more than %d steps; is there an endless loop?", M.MAX_STEPS)
    end
    if count("count") > mem_limit then
      stop("the spec used more than %d MiB of memory, the limit for a spec", M.MAX_MEMORY_MB)
    end
    if steps % 1024 == 0 and clock() > t_limit then
      stop("the spec ran for more than %d s of CPU time, the limit for a spec", M.MAX_SECONDS)
    end
  end, "", 1)
  local ok, result = pcall(chunk)
  debug.sethook()
  smeta.__index = saved
  if not ok then collectgarbage() end
  return ok, result
end

function M.check_value(v)
  local seen, n = {}, 0
  local function walk(x, depth)
    local t = type(x)
    if t == "string" then
      if #x > M.MAX_STRING then
        return string.format("the spec hands back a string of %d bytes, more than the limit of %d",
          #x, M.MAX_STRING)
      end
    elseif t == "table" then
      if seen[x] then return nil end
      seen[x] = true
      if depth > M.MAX_DEPTH then
        return string.format("the spec's tables nest more than %d deep", M.MAX_DEPTH)
      end
      for k, val in next, x do
        n = n + 2
        if n > M.MAX_VALUES then
          return string.format("the spec hands back more than %d values", M.MAX_VALUES)
        end
        local e = walk(k, depth + 1) or walk(val, depth + 1)
        if e then return e end
      end
    end
    return nil
  end
  return walk(v, 0)
end

return M
