-- tests/check_readme.lua [README]: the README's spec reference must list
-- exactly the keys the generator knows (gen/spec.lua), table by table, and
-- name every value of every enumerated setting. Prints each difference and
-- exits 1 if there is any.
package.path = "./?.lua;" .. package.path
local spec = require("gen.spec")
local layers = require("gen.layers")

local path = arg[1] or "README.md"
local f = assert(io.open(path, "r"))
local text = f:read("a")
f:close()

local ref = text:match("\n## Spec reference\n(.-)\n## ")
local problems = {}
local function problem(fmt, ...) problems[#problems + 1] = string.format(fmt, ...) end

if not ref then
  problem("%s: no '## Spec reference' section", path)
else
  local tables = {
    { "network", spec.NETWORK_KEYS },
    { "input", spec.INPUT_KEYS },
    { "train", spec.TRAIN_KEYS },
    { "budget", spec.BUDGET_KEYS },
  }
  -- one table per layer kind, from the kind's own module
  for _, kind in ipairs(layers.ORDER) do tables[#tables + 1] = { kind, layers[kind].keys } end
  for _, t in ipairs(tables) do
    local name, keys = t[1], t[2]
    local section = ref:match("\n### " .. name .. "\n(.-)\n###") or ref:match("\n### " .. name .. "\n(.*)$")
    if not section then
      problem("%s: no '### %s' table in the spec reference", path, name)
    else
      local documented, order = {}, {}
      for key in section:gmatch("\n| `([%w_]+)` |") do
        documented[key] = true
        order[#order + 1] = key
      end
      for _, k in ipairs(keys) do
        if not documented[k] then problem("%s: %s key '%s' is not documented", path, name, k) end
      end
      local known = {}
      for _, k in ipairs(keys) do known[k] = true end
      for _, k in ipairs(order) do
        if not known[k] then problem("%s: %s key '%s' is documented but the generator does not know it", path, name, k) end
      end
    end
  end
  local values = { spec.ACTIVATIONS, spec.LOSSES, spec.INITS, spec.OPTIMIZERS, spec.SCHEDULES,
                   spec.DTYPES, spec.UNROLLS, spec.NORMALIZES }
  for _, list in ipairs(values) do
    for _, v in ipairs(list) do
      if not ref:find("`" .. v .. "`", 1, true) then
        problem("%s: value '%s' is not in the spec reference", path, v)
      end
    end
  end
end

for _, p in ipairs(problems) do print(p) end
os.exit(#problems == 0 and 0 or 1)
