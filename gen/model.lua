-- gen/model.lua: from a validated spec to everything the templates print.
--
-- model.build(spec, spec_path) -> model
--
-- All shape arithmetic, naming and per-layer choices (unrolling, init bounds)
-- happen here, so the templates only print what they are given. Pure: no I/O.

local M = {}

-- Layers with at most this many weights are unrolled into straight-line code
-- under unroll = "auto"; larger layers keep loops with literal bounds. Chosen
-- by measurement (bench/RESULTS.md, "Unroll policy"): at the default -O3, gcc
-- unrolls constant-bound loops itself, and loops beat straight-line code on
-- every net measured, from 2-4-2 to 16-8-4 (at -O2 full unrolling gains up to
-- 10% on nets of about 20 weights); full unrolling of a 784x128 layer takes gcc
-- minutes and gigabytes. So "auto" means loops; unroll = "full" stays for
-- builds that want straight-line code.
M.UNROLL_MAX_WEIGHTS = 0

-- Output columns per accumulator block in the batched forward pass: with 4
-- rows, 4 x 32 floats stay in vector registers.
M.BATCH_COLUMNS = 32

-- C literal for a Lua number: the shortest decimal that reads back as the
-- same double.
local function lit(x, T)
  local s
  for digits = 15, 17 do
    s = string.format("%." .. digits .. "g", x)
    if tonumber(s) == x then break end
  end
  if not s:find("[%.eEn]") then s = s .. ".0" end
  return T == "float" and (s .. "f") or s
end
M.lit = lit

-- 32-bit FNV-1a of a string: the shape fingerprint stored in model files.
local function fnv1a(s)
  local h = 0x811c9dc5
  for i = 1, #s do
    h = ((h ~ s:byte(i)) * 0x01000193) & 0xffffffff
  end
  return h
end

local DERIV = {
  -- derivative of the activation, written in terms of its output a
  sigmoid = "%s * (ONE - %s)",
  tanh = "ONE - %s * %s",
  relu = "(%s > ZERO ? ONE : ZERO)",
  leaky_relu = "(%s > ZERO ? ONE : SLOPE)",
  identity = "ONE",
}

function M.build(spec, spec_path)
  local m = {
    name = spec.name,
    NAME = spec.name:upper(),
    spec_path = spec_path,
    T = spec.dtype,
    fsuf = spec.dtype == "float" and "f" or "",
    loss = spec.loss,
    train = spec.train,
    batch = spec.train.batch,
    n_in = spec.input,
    budget = spec.budget,
    layers = {},
  }
  local T = m.T
  m.ONE, m.ZERO, m.TWO = lit(1, T), lit(0, T), lit(2, T)
  m.fma_macro = (T == "float") and "FP_FAST_FMAF" or "FP_FAST_FMA"

  local n = #spec.layers
  local prev_units, prev_const = spec.input, m.NAME .. "_IN"
  local prev_act_type = m.name .. "_input"
  local n_params = 0
  local shape = { m.name, T, tostring(spec.input) }
  local acts_used = {}
  for i, S in ipairs(spec.layers) do
    local L = {
      index = i,
      id = "l" .. i,
      first = (i == 1),
      last = (i == n),
      n_in = prev_units,
      n_out = S.units,
      activation = S.activation,
      slope = S.slope and lit(S.slope, T),
      line = S.line,
    }
    L.in_const = prev_const
    L.out_const = L.last and (m.NAME .. "_OUT") or (m.NAME .. "_L" .. i)
    L.in_type = prev_act_type
    L.out_type = L.last and (m.name .. "_output") or (m.name .. "_l" .. i .. "_act")
    L.delta_type = m.name .. "_l" .. i .. "_delta"
    L.params_type = m.name .. "_l" .. i .. "_params"
    L.opt_type = m.name .. "_l" .. i .. "_opt"
    L.batch_out_type = L.last and (m.name .. "_batch_output") or (m.name .. "_l" .. i .. "_batch_act")
    L.batch_in_type = (i == 1) and (m.name .. "_batch_input") or m.layers[i - 1].batch_out_type
    L.batch_delta_type = m.name .. "_l" .. i .. "_batch_delta"
    L.grads_type = m.name .. "_l" .. i .. "_grads"
    L.n_weights = L.n_in * L.n_out
    L.n_params = L.n_weights + L.n_out
    n_params = n_params + L.n_params

    -- unrolling
    local u = S.unroll or spec.unroll
    if u == "auto" then
      u = (L.n_weights <= M.UNROLL_MAX_WEIGHTS) and "full" or "loops"
    end
    L.unroll = u

    -- initialisation: default follows the activation
    local init = S.init
    if init == nil then
      init = (S.activation == "relu" or S.activation == "leaky_relu") and "he_uniform"
        or "glorot_uniform"
    end
    L.init = init
    local fin, fout = L.n_in, L.n_out
    if init == "glorot_uniform" then
      L.init_low, L.init_high = -math.sqrt(6 / (fin + fout)), math.sqrt(6 / (fin + fout))
    elseif init == "he_uniform" then
      L.init_low, L.init_high = -math.sqrt(6 / fin), math.sqrt(6 / fin)
    elseif init == "uniform" then
      L.init_low, L.init_high = S.init_low, S.init_high
    elseif init == "glorot_normal" then
      L.init_std = math.sqrt(2 / (fin + fout))
    elseif init == "he_normal" then
      L.init_std = math.sqrt(2 / fin)
    end
    L.init_kind = (init == "zeros") and "zeros" or (L.init_std and "normal" or "uniform")
    if L.init_low then
      L.init_low_lit = lit(L.init_low, "double")
      L.init_high_lit = lit(L.init_high, "double")
      L.init_span_lit = lit(L.init_high - L.init_low, "double")
    end
    if L.init_std then L.init_std_lit = lit(L.init_std, "double") end

    acts_used[S.activation] = true
    shape[#shape + 1] = string.format("dense:%d:%s:%s", S.units, S.activation, S.slope or "")
    m.layers[i] = L
    prev_units, prev_const, prev_act_type = S.units, L.out_const, L.out_type
  end
  m.n_out = prev_units
  m.n_params = n_params
  m.real_size = (T == "float") and 4 or 8
  m.params_bytes = n_params * m.real_size
  m.shape_string = table.concat(shape, ";")
  m.fingerprint = string.format("0x%08xu", fnv1a(m.shape_string))
  m.last = m.layers[n]

  -- the output layer keeps its logits when the loss is computed from them
  m.keep_logits = (m.loss == "cross_entropy" or m.loss == "binary_cross_entropy"
                   or m.last.activation == "softmax")

  -- names the templates print: where each layer reads and writes
  for _, L in ipairs(m.layers) do
    L.keeps_logits = L.last and m.keep_logits
    L.z = L.keeps_logits and "zo->v" or "z"
    L.out_ref = L.last and "&a->out" or ("&a->" .. L.id)
    L.in_ref = L.first and "x" or ("&a->" .. m.layers[L.index - 1].id)
    if L.init_kind == "normal" then m.any_normal = true end
    if L.init_kind ~= "zeros" then m.any_random = true end
  end

  -- derivative expressions, per layer, in terms of the layer's own output
  for _, L in ipairs(m.layers) do
    local d = DERIV[L.activation]
    if d then
      d = d:gsub("ONE", m.ONE):gsub("ZERO", m.ZERO):gsub("SLOPE", L.slope or "")
      L.deriv = function(a) return (d:gsub("%%s", a)) end
    end
    -- the previous layer, whose activation the backward pass differentiates
    L.prev = m.layers[L.index - 1]
  end

  -- activation helpers actually used, in a fixed order
  m.activations = {}
  for _, a in ipairs({ "sigmoid", "tanh", "relu", "leaky_relu", "identity", "softmax" }) do
    if acts_used[a] then m.activations[#m.activations + 1] = a end
  end
  m.acts_used = acts_used

  -- memory, in bytes
  m.acts_bytes = 0
  for _, L in ipairs(m.layers) do m.acts_bytes = m.acts_bytes + L.n_out * m.real_size end
  if m.keep_logits then m.acts_bytes = m.acts_bytes + m.n_out * m.real_size end

  -- kernel shapes of the batched passes: rows of the batch per block, blocks
  -- of output columns held in accumulators, rows of dw updated together
  m.sb = (m.batch % 4 == 0) and 4 or ((m.batch % 2 == 0) and 2 or 1)
  for _, L in ipairs(m.layers) do
    local width = math.min(M.BATCH_COLUMNS, L.n_out)
    L.jblocks = { { start = 0, width = width, count = L.n_out // width } }
    local tail = L.n_out % width
    if tail > 0 then
      L.jblocks[2] = { start = L.n_out - tail, width = tail, count = 1 }
    end
    L.ib = (L.n_in >= 4) and 4 or 1
    L.iblocks = { { start = 0, rows = L.ib, count = L.n_in // L.ib } }
    if L.n_in % L.ib > 0 then
      L.iblocks[2] = { start = L.n_in - L.n_in % L.ib, rows = 1, count = L.n_in % L.ib }
    end
    L.n_out16 = L.n_out - L.n_out % 16
    -- per-sample backward: rows of dx summed together (independent chains)
    L.dx_rows = math.min(8, L.n_in)
    L.dx_blocks = { { start = 0, rows = L.dx_rows, count = L.n_in // L.dx_rows } }
    if L.n_in % L.dx_rows > 0 then
      L.dx_blocks[2] = { start = L.n_in - L.n_in % L.dx_rows, rows = 1, count = L.n_in % L.dx_rows }
    end
    -- inputs that are often exactly zero (pixels, relu outputs) skip their
    -- row of w: adding 0 * w changes no sum, and an update by 0 * d no weight
    L.skip_zero = L.first or (L.prev ~= nil and L.prev.activation == "relu")
  end

  -- the optimizer and its literals
  local tr = m.train
  m.opt = tr.optimizer
  m.opt_slots = ({ sgd = {}, momentum = { "v" }, nesterov = { "v" }, adam = { "m", "v" } })[m.opt]
  m.wd = tr.weight_decay ~= 0 and lit(tr.weight_decay, T) or nil
  m.mu, m.b1, m.b2 = lit(tr.momentum, T), lit(tr.beta1, "double"), lit(tr.beta2, "double")
  m.one_minus_b1, m.one_minus_b2 = lit(1 - tr.beta1, T), lit(1 - tr.beta2, T)
  m.beta1_lit, m.beta2_lit = lit(tr.beta1, T), lit(tr.beta2, T)
  m.eps = lit(tr.epsilon, T)
  local desc = ({ sgd = "plain SGD", momentum = "SGD with momentum " .. tr.momentum,
                  nesterov = "SGD with Nesterov momentum " .. tr.momentum,
                  adam = string.format("Adam, beta1 %s, beta2 %s, epsilon %s", tr.beta1, tr.beta2,
                                       tr.epsilon) })[m.opt]
  if m.wd then desc = desc .. ", L2 weight decay " .. tr.weight_decay end
  m.opt_desc = desc
  -- the per-sample step fuses plain SGD into the backward pass
  m.fused = (m.opt == "sgd" and not m.wd)
  m.opt_enum = ({ sgd = "TRAIN_SGD", momentum = "TRAIN_MOMENTUM", nesterov = "TRAIN_NESTEROV",
                  adam = "TRAIN_ADAM" })[m.opt]
  m.schedule_enum = ({ constant = "TRAIN_CONSTANT", step = "TRAIN_STEP", cosine = "TRAIN_COSINE" })[tr.schedule]

  -- memory, in bytes, exactly as sizeof() will see it (a static assert in
  -- the header checks each one)
  local R = m.real_size
  local units = 0
  for _, L in ipairs(m.layers) do units = units + L.n_out end
  m.mem = {
    params = m.params_bytes,
    acts = m.acts_bytes,
    grads = m.params_bytes,
    -- the step counter (8 bytes, 8-aligned), then the slots, padded to 8
    opt = (8 + #m.opt_slots * m.params_bytes + 7) // 8 * 8,
    deltas = units * R,
    io = (m.n_in + 2 * m.n_out) * R, -- input, target, output of one sample
  }
  m.mem.inference = m.mem.params + m.mem.acts + (m.n_in + m.n_out) * R
  local rows = m.batch
  m.mem.training = m.mem.params + m.mem.grads + m.mem.opt
                   + rows * (m.mem.acts + m.mem.deltas + (m.n_in + m.n_out) * R)

  -- the chain of layers, for the banner: "784 -> 128 sigmoid -> ..."
  local chain = { tostring(m.n_in) }
  for _, L in ipairs(m.layers) do chain[#chain + 1] = L.n_out .. " " .. L.activation end
  m.chain = table.concat(chain, " -> ")
  local sizes = { tostring(m.n_in) }
  for _, L in ipairs(m.layers) do sizes[#sizes + 1] = tostring(L.n_out) end
  m.sizes_list = table.concat(sizes, ", ")
  M.input_fields(m, spec)
  return m
end

-- The input as the runtime sees it: the spec's normalization ("none",
-- "standardize", "minmax", computed by the trainer on the training split) and
-- its shape as an image, channels x height x width: a flat input of n values
-- is 1 x s x s when n = s * s, else 1 x 1 x n.
function M.input_fields(m, spec)
  m.normalize = spec.normalize or "none"
  m.normalize_enum = ({ none = "DATA_NORM_NONE", standardize = "DATA_NORM_STANDARDIZE",
                        minmax = "DATA_NORM_MINMAX" })[m.normalize]
  local side = math.floor(math.sqrt(m.n_in) + 0.5)
  if side * side == m.n_in then
    m.in_c, m.in_h, m.in_w = 1, side, side
  else
    m.in_c, m.in_h, m.in_w = 1, 1, m.n_in
  end
end

local function human(bytes)
  if bytes >= 1024 * 1024 then return string.format("%.1f MiB", bytes / (1024 * 1024)) end
  if bytes >= 1024 then return string.format("%.1f KiB", bytes / 1024) end
  return bytes .. " B"
end
M.human = human

-- Problems with the spec's memory budget, as spec problems: { line, level, msg }.
function M.budget_problems(m, spec)
  local out = {}
  for _, k in ipairs({ "inference", "training" }) do
    local b = spec.budget and spec.budget[k]
    if b and m.mem[k] > b.bytes then
      out[#out + 1] = { level = "error", line = b.line, seq = #out, msg = string.format(
        "budget: %s needs %d bytes (%s), over the budget of %s", k, m.mem[k], human(m.mem[k]), b.text) }
    end
  end
  return out
end

return M
