-- tests/prop/prng.lua: the property tests' own PRNG (splitmix64; 64-bit
-- integer arithmetic wraps in Lua 5.4, >> is logical), so that a generated
-- spec is a function of its seed alone, whatever Lua's math.random does.
--   local r = require("tests.prop.prng")(seed)
--   r.int(lo, hi)  r.float()  r.chance(p)  r.pick(list)
return function(s)
  local state = s
  local r = {}
  function r.next()
    state = state + 0x9E3779B97F4A7C15
    local z = state
    z = (z ~ (z >> 30)) * 0xBF58476D1CE4E5B9
    z = (z ~ (z >> 27)) * 0x94D049BB133111EB
    return z ~ (z >> 31)
  end
  function r.int(lo, hi) return lo + (r.next() >> 1) % (hi - lo + 1) end  -- [lo, hi]
  function r.float() return (r.next() >> 11) * (1.0 / 9007199254740992.0) end -- [0, 1)
  function r.chance(p) return r.float() < p end
  function r.pick(list) return list[r.int(1, #list)] end
  return r
end
