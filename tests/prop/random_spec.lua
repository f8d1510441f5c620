#!/usr/bin/env lua5.4
-- tests/prop/random_spec.lua: random network specs for the property tests
-- (tests/test_props.c).
--
--   lua5.4 tests/prop/random_spec.lua SEED valid  OUT.lua
--   lua5.4 tests/prop/random_spec.lua SEED broken OUT.lua [BASE.lua]
--
-- valid:  a random spec the generator must accept, whose generated C must
--         compile with -Werror and (dtype "double") pass tests/test_net.c.
-- broken: a valid spec (BASE.lua, or the valid spec for SEED) with ONE
--         corruption the generator must reject with exit status 1 and
--         "PATH:LINE: error: ..." lines only.
--
-- The output is a function of SEED (and BASE) alone: the script has its own
-- PRNG and iterates with ipairs only. The vocabulary (activations, losses,
-- inits, ...) is read from gen/spec.lua, so a new word there is exercised
-- here without an edit; the pairing rules below are the ones gen/spec.lua
-- enforces.

local script = arg and arg[0] or "tests/prop/random_spec.lua"
local root = script:match("^(.*)/tests/prop/[^/]*$") or "."
package.path = root .. "/?.lua;" .. package.path
local V = require("gen.spec")

local function usage(msg)
  io.stderr:write("random_spec: error: ", msg, "\n",
    "usage: lua5.4 tests/prop/random_spec.lua SEED valid|broken OUT.lua [BASE.lua]\n")
  os.exit(2)
end

local seed = math.tointeger(tonumber(arg[1] or ""))
local mode, out_path, base_path = arg[2], arg[3], arg[4]
if not seed then usage("SEED must be an integer") end
if mode ~= "valid" and mode ~= "broken" then usage("mode must be 'valid' or 'broken'") end
if not out_path then usage("missing OUT.lua") end
if base_path and mode ~= "broken" then usage("BASE.lua applies only to 'broken'") end

-- ------------------------------------------------------------------ PRNG
-- splitmix64: 64-bit integer arithmetic wraps in Lua 5.4, >> is logical.
local new_rng = require("tests.prop.prng")

-- A short decimal in [lo, hi]: 3 significant digits, so specs read well.
local function decimal(r, lo, hi)
  local x = lo + (hi - lo) * r.float()
  local s = string.format("%.3g", x)
  local v = tonumber(s)
  if v < lo or v > hi then s = string.format("%.17g", lo) end
  return s
end

local function without(list, drop)
  local out = {}
  for _, x in ipairs(list) do
    local keep = true
    for _, d in ipairs(drop) do if x == d then keep = false end end
    if keep then out[#out + 1] = x end
  end
  return out
end

local function has(list, v)
  for _, x in ipairs(list) do if x == v then return true end end
  return false
end

-- ------------------------------------------------------------------ valid specs
-- Sizes: many tiny ones (1-unit layers, odd sizes), some up to 64.
local function size(r)
  local u = r.float()
  if u < 0.12 then return 1 end
  if u < 0.55 then return r.int(2, 8) end
  if u < 0.85 then return r.int(9, 24) end
  return r.int(25, 64)
end

-- Limits that keep one case fast: params (gradient check cost grows with
-- their square) and weights of a fully unrolled layer (gcc time).
local MAX_PARAMS = 3000
local MAX_FULL_WEIGHTS = 768

local function valid_spec(r, s)
  local dtype = r.chance(0.8) and "double" or "float"
  -- A double net must also pass tests/test_net.c, whose checks assume a net
  -- that learns: a gradient that is not mostly zero, a loss small enough
  -- for central differences in double (their roundoff grows as loss / h),
  -- params that depend on the seed, 20 steps at rate 0.05 that stay finite.
  -- Those rules (marked "checked") bind double nets only; float nets are
  -- only compiled, so they take anything gen/spec.lua accepts.
  local checked = (dtype == "double")
  local depth = r.int(1, 5)
  local loss = r.pick(V.LOSSES)
  local input = size(r)

  -- layers: units and activations
  local hidden_acts = without(V.ACTIVATIONS, { "softmax" })
  local layers = {}
  for i = 1, depth do
    local L = { units = size(r) }
    if i < depth then
      L.activation = r.pick(hidden_acts)
    elseif loss == "cross_entropy" then
      L.activation = "softmax"
    elseif loss == "binary_cross_entropy" then
      L.activation = "sigmoid"
    else
      L.activation = r.pick(V.ACTIVATIONS) -- softmax + squared_error only warns
    end
    if checked then
      -- a softmax of one unit is the constant 1: its gradient is zero
      if L.activation == "softmax" and L.units < 2 then L.units = r.int(2, 8) end
      -- the central differences of test_net.c lose about 3e-7 of their
      -- relative accuracy per unit of loss on small gradients: few outputs
      -- keep the loss near 1 (squared error of small outputs ~ 1, binary
      -- cross-entropy ~ 0.7 per output, cross-entropy ~ log of the classes)
      if i == depth then
        L.units = math.min(L.units, loss == "binary_cross_entropy" and 2
                                    or (loss == "cross_entropy" and 4 or 4))
      end
    end
    layers[i] = L
  end
  -- checked: relu units that are all dead make an all-zero gradient, and a
  -- zero input puts the next relu on its kink. Keep relu alive: it reads
  -- only inputs >= 0 (the net's input, sigmoid or relu outputs), has at
  -- least 4 units and positive-leaning weights (set below), and no 1-wide
  -- layer lies below it (behind one, a dead unit is dead on every sample).
  local narrow = input < 2
  for i, L in ipairs(layers) do
    if checked and L.activation == "relu" then
      local below = layers[i - 1] and layers[i - 1].activation
      if narrow or not (below == nil or below == "sigmoid" or below == "relu") then
        L.activation = (i < depth) and "leaky_relu" or "identity"
      elseif L.units < 4 then
        L.units = (i < depth) and r.int(4, 12) or 4
      end
    end
    if L.units < 2 then narrow = true end
  end
  -- shrink the widest layer until the net is small enough
  local function params()
    local n, prev = 0, input
    for _, L in ipairs(layers) do n = n + prev * L.units + L.units; prev = L.units end
    return n
  end
  while params() > MAX_PARAMS do
    if input >= 8 and input >= layers[1].units then input = input // 2
    else
      local w = 1
      for i, L in ipairs(layers) do if L.units > layers[w].units then w = i end end
      layers[w].units = math.max(layers[w].units // 2, 4)
    end
  end

  -- inits, slopes, unrolling
  local net_unroll = r.chance(0.6) and r.pick(V.UNROLLS) or nil
  local prev = input
  local mag = 0.5 -- checked: the mean size of the layer's inputs (>= 0 below a relu)
  for i, L in ipairs(layers) do
    local last = (i == depth)
    local kink = (L.activation == "relu" or L.activation == "leaky_relu")
    -- zero weights: params no longer depend on the seed, no delta flows
    -- back through the layer, relu and leaky_relu sit on their kink. When
    -- checked, only as the last of two layers, whose outputs all get a
    -- delta (sigmoid, softmax), under a random first layer that is alive
    -- and holds at most 60% of the parameters.
    local zeros_ok = not kink and (not checked
      or (depth == 2 and last and (L.activation == "sigmoid" or L.activation == "softmax")
          and layers[1].activation ~= "relu" and (prev * L.units + L.units) * 5 >= params() * 2))
    local inits = without(V.INITS, zeros_ok and {} or { "zeros" })
    local init
    local function uniform(lo, hi)
      local l, h = string.format("%.3g", lo), string.format("%.3g", hi)
      if not (tonumber(l) < tonumber(h)) then l, h = string.format("%.17g", lo), string.format("%.17g", hi) end
      return string.format("{ \"uniform\", %s, %s }", l, h)
    end
    -- checked nets keep every z near 1 in size: bounds scale with the
    -- fan-in, so that neither wide layers nor a deep chain blow it up
    local s3 = math.sqrt(3 / prev)
    if checked and L.activation == "relu" then
      -- positive-leaning weights on inputs >= 0: mean z about 1, so most
      -- units are alive and a few dead on some samples
      -- (mean z / spread of z between 1 and 4, mean z about 1 whatever the
      -- size of the inputs, so that a chain of relu layers does not grow
      -- nor saturate a sigmoid above it); an output layer's z ten times
      -- smaller, for a small loss
      local k = last and 0.1 or 1
      local c = tonumber(decimal(r, 0.8, 1.5))
      local mean = k * c / (prev * mag)
      local d = k * s3 * tonumber(decimal(r, 0.4, 0.8)) * 0.5 / mag
      init = uniform(mean - d, mean + d)
      mag = k * c
    elseif checked and last then
      -- small output weights keep the outputs, and so the loss, small
      if zeros_ok and r.chance(0.3) then
        init = "\"zeros\""
      else
        local b = tonumber(decimal(r, 0.25, 1)) / prev
        local lo = -b * r.float()
        init = uniform(lo, lo + (b - lo) * (0.2 + 0.8 * r.float()))
      end
    elseif checked then
      -- hidden layers: inits that keep the scale, or the default; the
      -- gain of he_* (2) is for relu-like layers: on identity, tanh or
      -- sigmoid layers a deep chain grows, and 20 steps may reach NaN
      if r.chance(0.5) then
        local drop = { "zeros" }
        if L.activation ~= "leaky_relu" then drop = { "zeros", "he_uniform", "he_normal" } end
        init = r.pick(without(inits, drop))
        if init == "uniform" then
          init = uniform(-s3 * tonumber(decimal(r, 0.6, 1.2)), s3 * tonumber(decimal(r, 0.6, 1.2)))
        else
          init = string.format("%q", init)
        end
      end
    elseif r.chance(0.5) then
      init = r.pick(inits)
      if init == "uniform" then
        local lo = tonumber(decimal(r, -0.9, 0.3))
        init = uniform(lo, tonumber(decimal(r, lo + 0.05, lo + 1.2)))
      else
        init = string.format("%q", init)
      end
    end
    L.init = init
    if L.activation == "sigmoid" then mag = 0.5 end
    if L.activation == "leaky_relu" and r.chance(0.7) then L.slope = decimal(r, 0.01, 0.5) end
    if r.chance(0.35) then L.unroll = r.pick(V.UNROLLS) end
    -- fully unrolled big layers take gcc seconds: keep them in loops
    local eff = L.unroll or net_unroll or "auto"
    if eff == "full" and prev * L.units > MAX_FULL_WEIGHTS then L.unroll = "loops" end
    prev = L.units
  end

  -- training settings
  local train
  if r.chance(0.85) then
    local opt = r.pick(V.OPTIMIZERS)
    train = {}
    local function add(k, v) train[#train + 1] = string.format("%s = %s", k, v) end
    if r.chance(0.8) then add("optimizer", string.format("%q", opt)) else opt = "sgd" end
    if r.chance(0.6) then add("rate", decimal(r, 0.001, 0.5)) end
    if r.chance(0.6) then
      add("batch", r.chance(0.3) and "1" or tostring(r.chance(0.15) and 8 or r.int(2, 5)))
    end
    if r.chance(0.4) then add("epochs", tostring(r.int(1, 20))) end
    if r.chance(0.4) then add("seed", tostring(r.int(0, 1000))) end
    if (opt == "momentum" or opt == "nesterov") and r.chance(0.6) then
      -- checked: test_net.c takes 20 steps at rate 0.05; a deep linear net
      -- with momentum 0.9 can blow up to NaN in that many
      add("momentum", decimal(r, 0, checked and 0.6 or 0.99))
    elseif (opt == "momentum" or opt == "nesterov") and checked then
      add("momentum", decimal(r, 0, 0.6))
    end
    if opt == "adam" then
      if r.chance(0.4) then add("beta1", decimal(r, 0, 0.99)) end
      if r.chance(0.4) then add("beta2", decimal(r, 0.9, 0.9999)) end
      if r.chance(0.4) then add("epsilon", string.format("1e-%d", r.int(4, 12))) end
    end
    if r.chance(0.4) then add("weight_decay", r.chance(0.2) and "0" or decimal(r, 0.0001, 0.05)) end
    if r.chance(0.5) then
      local sched = r.pick(V.SCHEDULES)
      add("schedule", string.format("%q", sched))
      if sched == "step" then
        if r.chance(0.6) then add("step_size", tostring(r.int(1, 10))) end
        if r.chance(0.6) then add("gamma", decimal(r, 0.1, 0.9)) end
      elseif sched == "cosine" and r.chance(0.6) then
        add("min_rate", decimal(r, 0, 0.001))
      end
    end
    if r.chance(0.2) then add("validation", decimal(r, 0, 0.3)) end
  end

  -- render, one key or layer per line
  local out = {}
  local function w(fmt, ...) out[#out + 1] = string.format(fmt, ...) end
  w("-- tests/prop/random_spec.lua %d valid", s)
  w("return network \"p%d\" {", s)
  w("  input = %d,", input)
  for _, L in ipairs(layers) do
    local parts = { tostring(L.units), string.format("activation = %q", L.activation) }
    if L.slope then parts[#parts + 1] = "slope = " .. L.slope end
    if L.init then parts[#parts + 1] = "init = " .. L.init end
    if L.unroll then parts[#parts + 1] = string.format("unroll = %q", L.unroll) end
    w("  dense { %s },", table.concat(parts, ", "))
  end
  w("  loss = %q,", loss)
  if dtype == "double" or r.chance(0.5) then w("  dtype = %q,", dtype) end
  if net_unroll then w("  unroll = %q,", net_unroll) end
  if train then
    if #train <= 3 and r.chance(0.5) then
      w("  train = { %s },", table.concat(train, ", "))
    else
      w("  train = {")
      for _, t in ipairs(train) do w("    %s,", t) end
      w("  },")
    end
  end
  w("}")
  return table.concat(out, "\n") .. "\n"
end

-- ------------------------------------------------------------------ corruptions
-- Each takes (r, text) and returns the corrupted text and a description, or
-- nil when it does not apply to this text. Every one must make the spec
-- invalid: a corruption that leaves a valid spec is a bug here, not there.

-- Positions of every match of pat in text: { {s, e, captures...}, ... }.
local function matches(text, pat)
  local found, init = {}, 1
  while true do
    local m = { text:find(pat, init) }
    if not m[1] then break end
    found[#found + 1] = m
    init = math.max(m[2], m[1]) + 1
  end
  return found
end

local function splice(text, s, e, repl) return text:sub(1, s - 1) .. repl .. text:sub(e + 1) end

-- The position of the last "}" outside comments: the network's closing brace.
local function last_close(text)
  local pos, offset = nil, 0
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    local code = line:gsub("%-%-.*$", "")
    local k = code:find("}[^}]*$")
    if k then pos = offset + k end
    offset = offset + #line + 1
  end
  return pos
end

-- key = value, where value is a plain scalar (not a table), outside comments:
-- { key = K, val = V, ks = start of the key, vs, ve = the value's span }
local SCALAR = "%f[%w_]([%a_][%w_]*)%s*=%s*([^%s,{}][^,{}\n]*)"

local function scalar_keys(text, wanted)
  local out = {}
  for _, m in ipairs(matches(text, SCALAR)) do
    local line_start = text:sub(1, m[1]):match("[^\n]*$")
    local val = m[4]:gsub("%s+$", "")
    if not line_start:find("%-%-") and (not wanted or has(wanted, m[3])) then
      local vs = m[2] - #m[4] + 1
      out[#out + 1] = { key = m[3], val = val, ks = m[1], vs = vs, ve = vs + #val - 1 }
    end
  end
  return out
end

-- The position of the spec's "return" statement (at the start of a line).
local function return_pos(text)
  local m = ("\n" .. text):find("\n[ \t]*return%f[^%w_]")
  if not m then return nil end
  return (("\n" .. text):find("return", m, true)) - 1
end

local STRING_KEYS = { "activation", "loss", "dtype", "unroll", "init", "optimizer", "schedule" }
local NUMBER_KEYS = { "input", "slope", "rate", "batch", "epochs", "seed", "momentum", "beta1",
                      "beta2", "epsilon", "weight_decay", "step_size", "gamma", "min_rate",
                      "validation" }
local SIZE_KEYS = { "input", "batch", "epochs", "step_size" }

local UNKNOWN = { "inputs", "Input", "activations", "activaton", "lr", "learning_rate", "epoch",
                  "size", "units", "momentun", "dropout", "bias", "name", "optimiser", "LOSS",
                  "_", "x1", "decay", "loss_fn", "batch_size", "shape", "output" }

local corrupt = {}

-- Every layer: { s, e } of "dense { ... }", and of its size when it has one.
local function layers_of(text)
  local out = {}
  for _, m in ipairs(matches(text, "%f[%w_]dense%s*%b{}")) do
    local line_start = text:sub(1, m[1]):match("[^\n]*$")
    if not line_start:find("%-%-") then
      local L = { s = m[1], e = m[2] }
      local open = text:find("{", m[1], true)
      local ss, se = text:find("^%s*[^,}=%s][^,}=]-%s*,", open + 1)
      if ss then
        local v = text:sub(ss, se - 1)
        local lead = #v:match("^%s*")
        L.size_s, L.size_e = ss + lead, ss + #(v:gsub("%s+$", "")) - 1
        L.size_comma = se
      end
      out[#out + 1] = L
    end
  end
  return out
end

-- 1. delete a required key
corrupt[#corrupt + 1] = function(r, text)
  local opts = {}
  for _, m in ipairs(scalar_keys(text, { "input", "loss", "activation" })) do opts[#opts + 1] = m end
  local layers = layers_of(text)
  for _, L in ipairs(layers) do
    if L.size_s then opts[#opts + 1] = { key = "size", L = L } end
  end
  if #layers > 0 then opts[#opts + 1] = { key = "layers" } end
  if #opts == 0 then return nil end
  local m = r.pick(opts)
  if m.key == "layers" then
    for k = #layers, 1, -1 do
      local after = text:sub(layers[k].e + 1):match("^%s*,") or ""
      text = splice(text, layers[k].s, layers[k].e + #after, "")
    end
    return text, "deleted every layer"
  elseif m.key == "size" then
    return splice(text, m.L.size_s, m.L.size_comma, ""), "deleted a layer's size"
  end
  -- the key, its value and the comma after it
  local after = text:sub(m.ve + 1):match("^%s*,") or ""
  return splice(text, m.ks, m.ve + #after, ""), "deleted required key " .. m.key
end

-- 2. add an unknown key (or a value without a key where none is allowed)
corrupt[#corrupt + 1] = function(r, text)
  local places = {}
  for _, m in ipairs(matches(text, "network%s*%b\"\"%s*{")) do
    places[#places + 1] = { at = m[2], what = "network", known = V.NETWORK_KEYS }
  end
  for _, L in ipairs(layers_of(text)) do
    places[#places + 1] = { at = L.e - 1, what = "dense", known = V.DENSE_KEYS, L = L }
  end
  for _, m in ipairs(matches(text, "%f[%w_]train%s*=%s*{")) do
    places[#places + 1] = { at = m[2], what = "train", known = V.TRAIN_KEYS }
  end
  -- init = { "uniform", LOW, HIGH } is a table of the spec too
  for _, m in ipairs(matches(text, "%f[%w_]init%s*=%s*%b{}")) do
    places[#places + 1] = { at = m[2] - 1, what = "init", known = {}, append = true }
  end
  if #places == 0 then return nil end
  local p = r.pick(places)
  local kind = r.int(1, 4)
  local entry
  if kind == 1 then
    entry = string.format("%s = %d", r.pick(without(UNKNOWN, p.known)), r.int(0, 9))
  elseif kind == 2 then
    entry = r.pick({ "[true] = 1", "[1.5] = 2", "[\"two words\"] = 3", "[\"\"] = 4",
                     "[\"two\\nlines\"] = 5" })
  elseif kind == 3 and p.what ~= "dense" then
    -- a positional value: not a layer (network), a value without a key
    -- (train), a fourth element (init)
    entry = r.pick({ "42", "\"relu\"", "{}" })
  elseif p.what == "network" then
    entry = r.pick({ "[0] = dense { 2, activation = \"tanh\" }", "[99] = dense { 3, activation = \"relu\" }" })
  elseif p.what == "dense" then
    -- a second positional value after the size, or a hole before it
    if p.L.size_s and r.chance(0.5) then
      return splice(text, p.L.size_comma + 1, p.L.size_comma, " 7,"), "a second size in dense"
    end
    local open = text:find("{", p.L.s, true)
    return splice(text, open + 1, open, " nil,"), "a nil before a layer's size"
  else
    entry = string.format("%s = %d", r.pick(UNKNOWN), r.int(0, 9))
  end
  if p.what == "dense" or p.append then
    -- after the last entry: the size of a layer stays first
    return splice(text, p.at + 1, p.at, ", " .. entry .. " "), "unknown entry in " .. p.what .. ": " .. entry
  end
  return splice(text, p.at + 1, p.at, " " .. entry .. ","), "unknown entry in " .. p.what .. ": " .. entry
end

-- 3. a value of the wrong type
corrupt[#corrupt + 1] = function(r, text)
  local keep = {}
  for _, m in ipairs(scalar_keys(text, nil)) do
    if has(STRING_KEYS, m.key) or has(NUMBER_KEYS, m.key) then keep[#keep + 1] = m end
  end
  local tables = {}
  for _, m in ipairs(matches(text, "%f[%w_](train)%s*=%s*{")) do tables[#tables + 1] = m end
  for _, m in ipairs(matches(text, "%f[%w_](init)%s*=%s*{")) do tables[#tables + 1] = m end
  local names = matches(text, "network%s*(%b\"\")")
  local layers = layers_of(text)
  local sized = {}
  for _, L in ipairs(layers) do if L.size_s then sized[#sized + 1] = L end end
  local kind = r.int(1, 5)
  if kind == 1 and #tables > 0 then
    -- #{ ... } is a number where a table belongs
    local m = r.pick(tables)
    return splice(text, m[2], m[2] - 1, "#"), m[3] .. " = #{...}, a number"
  elseif kind == 2 and #names > 0 then
    local m = r.pick(names)
    local bad = r.pick({ "\"bad name\"", "\"9lives\"", "\"\"", "\"" .. string.rep("n", 33) .. "\"",
                         "(42)", "{}", "(nil)", "\"two\\nlines\"" })
    return splice(text, m[1], m[2], "network" .. bad), "network name " .. bad
  elseif kind == 3 and #sized > 0 then
    local L = r.pick(sized)
    local bad = r.pick({ "\"8\"", "true", "{}", "{ 8 }", "\"\"", "dense", "function() end" })
    return splice(text, L.size_s, L.size_e, bad), "layer size " .. bad
  elseif kind == 4 and #layers > 0 then
    -- a layer that is not a table
    local L = r.pick(layers)
    local bad = r.pick({ "dense \"relu\"", "dense(8)", "dense()", "dense(nil)", "\"dense\"", "dense",
                         "{ 8, activation = \"relu\" }" })
    return splice(text, L.s, L.e, bad), "layer written as " .. bad
  end
  if #keep == 0 then return nil end
  local m = r.pick(keep)
  local bad
  local bare = m.val:gsub("\"", "")
  if has(STRING_KEYS, m.key) then
    bad = r.pick({ "3", "true", "false", "{}", "function() end", "0.5", "dense",
                   string.format("%q", bare:upper() .. "_"), "\"\"", "\"" .. bare .. "\\n" .. bare .. "\"" })
  else
    bad = r.pick({ "\"" .. bare .. "\"", "true", "false", "{}", "{ 1 }", "function() end", "\"\"" })
  end
  return splice(text, m.vs, m.ve, bad), string.format("%s = %s", m.key, bad)
end

-- 4. an absurd size
corrupt[#corrupt + 1] = function(r, text)
  local opts = {}
  for _, m in ipairs(scalar_keys(text, SIZE_KEYS)) do opts[#opts + 1] = m end
  local sized = {}
  for _, L in ipairs(layers_of(text)) do
    if L.size_s then
      sized[#sized + 1] = L
      opts[#opts + 1] = { key = "size", vs = L.size_s, ve = L.size_e }
    end
  end
  if #opts == 0 then return nil end
  local m = r.pick(opts)
  if m.key == "input" and #sized > 0 and r.chance(0.2) then
    -- every size within its limit, their product far over the parameter limit
    local big = tostring(V.MAX_UNITS)
    local L = sized[1]
    if L.size_s > m.ve then
      text = splice(text, L.size_s, L.size_e, big)
      return splice(text, m.vs, m.ve, big), "input and first layer at the unit limit"
    end
  end
  local absurd = { "0", "-1", "-64", "0.5", "2.5", "1e9", "1e999", "-1e999", "0/0", "1/0",
                   "9223372036854775807", "-9223372036854775808", "-0.0", "0x7fffffff" }
  if m.key == "size" or m.key == "input" then
    absurd[#absurd + 1] = tostring(V.MAX_UNITS + 1)
    absurd[#absurd + 1] = "1048576.5"
  elseif m.key == "batch" then
    absurd[#absurd + 1] = "65537"
  else
    absurd[#absurd + 1] = "1000001"
  end
  local bad = r.pick(absurd)
  return splice(text, m.vs, m.ve, bad), string.format("%s = %s", m.key, bad)
end

-- 5. truncate the file at a random byte before the network's closing brace
corrupt[#corrupt + 1] = function(r, text)
  local close = last_close(text)
  if not close then return nil end
  local at = r.int(0, close - 1)
  return text:sub(1, at), string.format("truncated to %d of %d bytes", at, #text)
end

-- 6. a runtime error while the spec runs
corrupt[#corrupt + 1] = function(r, text)
  local ret = return_pos(text)
  local stmts = { "local _ = nil + 1", "error(\"boom\")", "error(\"boom\", 0)", "error({})",
                  "error()", "local _ = #5", "local _ = (\"x\")()", "local _ = {} < {}",
                  "local _ = 1 // 0", "error(\"boom\\nsecond line\")", "error(dense)",
                  "local t = nil; t.x = 1", "undefined_helper()", "error(\"\")" }
  local exprs = { "nil + 1", "error(\"boom\")", "#5", "({})()", "undefined_value", "1 // 0",
                  "error(\"boom\", 2)", "network()" }
  local vals = scalar_keys(text, nil)
  if ret and (#vals == 0 or r.chance(0.5)) then
    local s = r.pick(stmts)
    return splice(text, ret, ret - 1, s .. "\n"), "inserted: " .. s
  end
  if #vals == 0 then return nil end
  local m = r.pick(vals)
  local e = r.pick(exprs)
  return splice(text, m.vs, m.ve, e), string.format("%s = %s", m.key, e)
end

-- 7. a spec whose C would not build: a name that shadows a runtime or C
-- header, a constant float rounds to zero, a rate or init bound past any
-- sane float, a layer unrolled in full into megabytes of C
corrupt[#corrupt + 1] = function(r, text)
  local kind = r.int(1, 4)
  local names = matches(text, "network%s*(%b\"\")")
  local layers = layers_of(text)
  local tiny = { "1e-50", "1e-300", "5e-324", "1e-31", "-1e-40" }
  if kind == 1 and #names > 0 then
    local m = r.pick(names)
    local bad = "\"" .. r.pick(V.RESERVED_NAMES) .. "\""
    return splice(text, m[1], m[2], "network" .. bad), "network name " .. bad
  elseif kind == 2 then
    -- a tiny nonzero number where a number may be small
    local opts = {}
    for _, m in ipairs(scalar_keys(text, { "slope", "momentum", "beta1", "beta2", "weight_decay",
                                           "gamma", "min_rate", "validation", "rate" })) do
      opts[#opts + 1] = m
    end
    if #opts > 0 then
      local m = r.pick(opts)
      local bad = r.pick(tiny)
      if m.key == "validation" or m.key == "rate" or m.key == "min_rate" then bad = bad:gsub("^%-", "") end
      return splice(text, m.vs, m.ve, bad), string.format("%s = %s", m.key, bad)
    end
  elseif kind == 3 and #layers > 0 then
    -- init bounds or a rate past float
    local L = r.pick(layers)
    local pair = r.pick({ { "-1e308", "1e308" }, { "-1e39", "1e39" }, { "0", "1e300" }, { "-1e7", "-1" },
                          { "-1e-40", "1" } })
    local lo, hi = pair[1], pair[2]
    local entry = string.format("init = { \"uniform\", %s, %s }", lo, hi)
    local body = text:sub(L.s, L.e):gsub("init%s*=%s*%b{}", entry):gsub("init%s*=%s*\"[%w_]*\"", entry)
    if not body:find("init", 1, true) then body = body:sub(1, -2) .. ", " .. entry .. " }" end
    return splice(text, L.s, L.e, body), "dense " .. entry
  elseif kind == 4 and #layers > 0 then
    -- a layer unrolled in full past the limit on generated C (65536 units
    -- from even one input: about 9 MB)
    local L = r.pick(layers)
    local body = text:sub(L.s, L.e):gsub("unroll%s*=%s*\"[%w_]*\"%s*,?", "")
    local open = body:find("{", 1, true)
    body = body:sub(1, open) .. " 65536, unroll = \"full\"," .. body:sub(open + 1):gsub("^%s*[^,}=%s][^,}=]-%s*,", "", 1)
    local first = text:find("%f[%w_]input%s*=")
    if first and L.s < #text then
      return splice(text, L.s, L.e, body), "a 65536-unit layer unrolled in full"
    end
  end
  return nil
end

-- ------------------------------------------------------------------ main
local r = new_rng(seed)
local text, what
if mode == "valid" then
  text = valid_spec(r, seed)
else
  local base
  if base_path then
    local f, err = io.open(base_path, "rb")
    if not f then usage("cannot read " .. base_path .. ": " .. tostring(err)) end
    base = f:read("a")
    f:close()
  else
    base = valid_spec(new_rng(seed), seed)
  end
  -- an independent stream for the corruption, so it does not depend on how
  -- many numbers the valid spec drew
  local cr = new_rng(seed ~ 0x5DEECE66D)
  local first = cr.int(1, #corrupt)
  for k = 0, #corrupt - 1 do
    local t, d = corrupt[(first - 1 + k) % #corrupt + 1](cr, base)
    if t then text, what = t, d break end
  end
  if not text then usage("no corruption applies to this spec") end
  text = string.format("-- tests/prop/random_spec.lua %d broken: %s\n", seed, (what:gsub("\n", "\\n")))
    .. text
end

local f, err = io.open(out_path, "wb")
if not f then usage("cannot write " .. out_path .. ": " .. tostring(err)) end
f:write(text)
f:close()
