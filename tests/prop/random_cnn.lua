#!/usr/bin/env lua5.4
-- tests/prop/random_cnn.lua: random convolutional specs for the property
-- tests (tests/test_props.c), beside random_spec.lua's dense ones.
--
--   lua5.4 tests/prop/random_cnn.lua SEED valid  OUT.lua
--   lua5.4 tests/prop/random_cnn.lua SEED broken OUT.lua
--
-- valid:  an image input through 1-3 blocks of conv2d (random kernel, stride,
--         padding), an optional max or average pool and an optional dropout,
--         then flatten, optional dropout and dense layers; dtype "double",
--         small enough for tests/test_net.c's gradient checks. Shapes are
--         computed here with the formulas of README's spec reference.
-- broken: the valid spec for SEED with ONE shape or key corruption the
--         generator must refuse with "PATH:LINE: error: ..." lines only.
-- The output is a function of SEED alone.

local seed = math.tointeger(tonumber(arg[1] or ""))
local mode, out_path = arg[2], arg[3]
if not seed or (mode ~= "valid" and mode ~= "broken") or not out_path then
  io.stderr:write("random_cnn: error: usage: lua5.4 tests/prop/random_cnn.lua SEED valid|broken OUT.lua\n")
  os.exit(2)
end

local script = arg and arg[0] or "tests/prop/random_cnn.lua"
package.path = (script:match("^(.*)/tests/prop/[^/]*$") or ".") .. "/?.lua;" .. package.path
local r = require("tests.prop.prng")(seed * 7919 + 17)
local int, chance, pick = r.int, r.chance, r.pick

local function pair(a, b) return a == b and tostring(a) or string.format("{ %d, %d }", a, b) end

local C, H, W = int(1, 3), int(4, 9), int(4, 9)
local lines = {}
local function w(fmt, ...) lines[#lines + 1] = string.format(fmt, ...) end
w('return network "cnn%d" {', seed)
w("  input = { %d, %d, %d },", C, H, W)
local c, h, wd = C, H, W
local layer_lines = {} -- index in lines of each layer, for corruptions
for _ = 1, int(1, 3) do
  if h < 2 or wd < 2 then break end
  local kh, kw = int(1, math.min(3, h)), int(1, math.min(3, wd))
  local sh, sw = pick({ 1, 1, 2 }), pick({ 1, 1, 2 })
  local ph, pw, pad = 0, 0, nil
  local pmode = int(1, 3)
  if pmode == 2 and kh % 2 == 1 and kw % 2 == 1 then
    ph, pw, pad = (kh - 1) // 2, (kw - 1) // 2, '"same"'
  elseif pmode == 3 then
    ph, pw = int(0, kh - 1), int(0, kw - 1)
    pad = pair(ph, pw)
  end
  local f = int(1, 3)
  local act = pick({ "tanh", "sigmoid", "identity", "leaky_relu", "relu" })
  local parts = { tostring(f), "kernel = " .. pair(kh, kw) }
  if sh ~= 1 or sw ~= 1 then parts[#parts + 1] = "stride = " .. pair(sh, sw) end
  if pad then parts[#parts + 1] = "padding = " .. pad end
  parts[#parts + 1] = string.format('activation = "%s"', act)
  if act == "relu" then parts[#parts + 1] = 'init = { "uniform", 0.05, 0.5 }' end
  w("  conv2d { %s },", table.concat(parts, ", "))
  layer_lines[#layer_lines + 1] = #lines
  c, h, wd = f, (h + 2 * ph - kh) // sh + 1, (wd + 2 * pw - kw) // sw + 1
  if h >= 2 and wd >= 2 and chance(0.6) then
    local uh, uw = int(1, math.min(3, h)), int(1, math.min(3, wd))
    local kind = pick({ "maxpool2d", "avgpool2d" })
    if chance(0.5) then
      local th, tw = int(1, uh), int(1, uw)
      w("  %s { %s, stride = %s },", kind, uh == uw and tostring(uh) or pair(uh, uw), pair(th, tw))
      h, wd = (h - uh) // th + 1, (wd - uw) // tw + 1
    else
      w("  %s { %s },", kind, uh == uw and tostring(uh) or pair(uh, uw))
      h, wd = (h - uh) // uh + 1, (wd - uw) // uw + 1
    end
    layer_lines[#layer_lines + 1] = #lines
  end
  if chance(0.3) then
    w("  dropout { %s },", pick({ "0.1", "0.25", "0.5" }))
    layer_lines[#layer_lines + 1] = #lines
  end
end
w("  flatten {},")
local flatten_line = #lines
if chance(0.3) then w("  dropout { 0.2 },") end
if chance(0.5) then w('  dense { %d, activation = "%s" },', int(2, 5), pick({ "tanh", "sigmoid" })) end
local out = pick({ { "softmax", "cross_entropy", 3 }, { "sigmoid", "binary_cross_entropy", 2 },
                   { "tanh", "squared_error", 2 }, { "identity", "squared_error", 3 } })
w('  dense { %d, activation = "%s" },', out[3], out[1])
w('  loss = "%s",', out[2])
w('  dtype = "double",')
w('  train = { batch = %d, optimizer = "%s", seed = %d },', int(1, 4), pick({ "sgd", "momentum", "adam" }),
  int(1, 99))
w("}")

if mode == "broken" then
  local k = layer_lines[int(1, #layer_lines)]
  local which = int(1, 8)
  if which == 1 then
    lines[k] = string.format("  conv2d { 2, kernel = %d, activation = \"tanh\" },", 20)
  elseif which == 2 then
    lines[k] = "  conv2d { 2, kernel = 3, stride = 0, activation = \"tanh\" },"
  elseif which == 3 then
    lines[k] = "  conv2d { 2, kernel = 2, padding = \"same\", activation = \"tanh\" },"
  elseif which == 4 then
    lines[k] = "  maxpool2d { 30 },"
  elseif which == 5 then
    lines[flatten_line] = "  -- flatten left out"
  elseif which == 6 then
    lines[k] = lines[k]:gsub("%f[%w_]kernel =", "kernal =", 1):gsub("maxpool2d {", "maxpool2d { strid = 1,", 1)
      :gsub("avgpool2d {", "avgpool2d { 2, 3,", 1):gsub("dropout { [%d.]+", "dropout { 1", 1)
  elseif which == 7 then
    lines[2] = string.format("  input = %d,", C * H * W)
  else
    lines[k] = "  conv2d { 0, kernel = 3, padding = \"full\", activation = \"softmax\" },"
  end
end

local f = assert(io.open(out_path, "w"))
f:write(table.concat(lines, "\n"), "\n")
f:close()
