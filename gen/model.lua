-- gen/model.lua: from a validated spec to everything the templates print.
--
-- model.build(spec, spec_path) -> model
--
-- All shape arithmetic, naming and per-layer choices (unrolling, init bounds)
-- happen here, so the templates only print what they are given. Pure: no I/O.

local M = {}

-- C literal for a Lua number: the shortest decimal that reads back as the
-- same double.
local function lit(x, T)
  if x ~= x or x == math.huge or x == -math.huge then
    error("no C literal for " .. tostring(x) .. " (the spec checks should have refused it)")
  end
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

local layers = require("gen.layers")
local common = require("gen.layers.common")
local gemm = require("gen.layers.gemm")

-- The stack bound of a generated function: twice its largest arrays (the
-- compiler may keep two blocks' arrays apart), plus this for scalars, spills,
-- saved registers and alignment. Measured with gcc -fstack-usage at -O2 and
-- -Os (tests/test_compile.c).
M.STACK_SLACK = 1024

local DERIV = {
  -- derivative of the activation, written in terms of its output a; each a
  -- factor that binds as one (kinds print it after "d * ")
  sigmoid = "(%s * (ONE - %s))",
  tanh = "(ONE - %s * %s)",
  relu = "(%s > ZERO ? ONE : ZERO)",
  leaky_relu = "(%s > ZERO ? ONE : SLOPE)",
  identity = "ONE",
}

-- The C constant for a layer's output size (flat), and per dimension.
local function dims_consts(prefix, dims)
  if #dims == 1 then return { prefix } end
  return { prefix .. "_C", prefix .. "_H", prefix .. "_W" }
end

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
    in_dims = spec.input_dims,
    n_in = common.count(spec.input_dims),
    unroll = spec.unroll,
    budget = spec.budget,
    budgets = M.BUDGETS,
    layers = {},
    nonzero_list = false, -- a kind's build sets it where its passes call NAME_nonzero
    ksplit = false, -- dense sets it where a layer sums in halves of its inputs (NAME_kparts)
  }
  local T = m.T
  m.ONE, m.ZERO, m.TWO = lit(1, T), lit(0, T), lit(2, T)
  m.fma_macro = (T == "float") and "FP_FAST_FMAF" or "FP_FAST_FMA"
  m.in_consts = dims_consts(m.NAME .. "_IN", m.in_dims)
  m.in_text = common.text(m.in_dims)

  -- rows of the batch per block in the batched passes over samples, one for
  -- the whole net so that threads split the batch on block boundaries: the
  -- best for the products the kinds report (gen/layers/gemm.lua)
  local products = {}
  -- learns_before[i]: whether a layer before layer i has parameters; where
  -- none has, layer i computes no input gradient (its L.grad_prev is false)
  local learns_before, learns = {}, false
  for i, S in ipairs(spec.layers) do
    local K = layers[S.kind]
    learns_before[i] = learns
    local sp = K.sample_products
    for _, p in ipairs(sp and sp(S, not learns) or {}) do products[#products + 1] = p end
    learns = learns or (K.param_count and K.param_count(S) > 0) or false
  end
  m.lanes = gemm.lanes(m.T) -- reals per vector of the batched kernels
  m.sb = (#products > 0) and gemm.sample_rows(m.batch, products, m.lanes) or 1

  local n = #spec.layers
  -- the output layer keeps its logits when the loss is computed from them
  local lastS = spec.layers[n]
  m.keep_logits = (m.loss == "cross_entropy" or m.loss == "binary_cross_entropy"
                   or lastS.activation == "softmax")

  local prev = false
  local n_params = 0
  local shape = { m.name, T, m.in_text }
  local acts_used = {}
  m.kinds_used = {}
  for i, S in ipairs(spec.layers) do
    local K = layers[S.kind]
    local L = {
      index = i,
      id = "l" .. i,
      kind = S.kind,
      last = (i == n),
      in_dims = prev and prev.out_dims or m.in_dims,
      out_dims = S.out_dims,
      activation = S.activation or false,
      slope = S.slope and lit(S.slope, T) or false,
      line = S.line,
      prev = prev,
      -- the layer before where the gradient flows into it (a layer at or
      -- before it has parameters); false where nothing before this layer
      -- learns, so that its input gradient is never computed
      grad_prev = learns_before[i] and prev,
      model_name = m.name,
    }
    L.n_in = common.count(L.in_dims)
    L.n_out = common.count(L.out_dims)
    L.in_const = prev and prev.out_const or (m.NAME .. "_IN")
    L.in_consts = prev and prev.out_consts or m.in_consts
    L.out_const = L.last and (m.NAME .. "_OUT") or (m.NAME .. "_L" .. i)
    L.out_consts = dims_consts(L.out_const, L.out_dims)
    L.in_type = prev and prev.out_type or (m.name .. "_input")
    L.out_type = L.last and (m.name .. "_output") or (m.name .. "_l" .. i .. "_act")
    L.delta_type = m.name .. "_l" .. i .. "_delta"
    L.params_type = m.name .. "_l" .. i .. "_params"
    L.opt_type = m.name .. "_l" .. i .. "_opt"
    L.grads_type = m.name .. "_l" .. i .. "_grads"
    L.batch_out_type = L.last and (m.name .. "_batch_output") or (m.name .. "_l" .. i .. "_batch_act")
    L.batch_in_type = prev and prev.batch_out_type or (m.name .. "_batch_input")
    L.batch_delta_type = m.name .. "_l" .. i .. "_batch_delta"
    -- inputs that are often exactly zero: pixels, and what a kind says of its outputs
    L.in_often_zero = (not prev) or prev.out_often_zero
    if K.zeros_out then
      L.out_often_zero = K.zeros_out(L)
    else
      L.out_often_zero = (L.activation == "relu")
    end
    -- references the frame and the calls use
    L.in_ref = prev and ("&a->" .. prev.id) or "x"
    L.out_ref = L.last and "&a->out" or ("&a->" .. L.id)
    L.p_ref, L.g_ref = "&p->" .. L.id, "&g->" .. L.id
    L.d_ref = "&d->" .. L.id
    L.dx_ref = L.grad_prev and ("&d->" .. prev.id) or false
    K.build(L, S, m, lit)
    L.tensors = L.tensors or {}
    L.has_params = #L.tensors > 0
    L.n_params = 0
    for _, t in ipairs(L.tensors) do L.n_params = L.n_params + t.n end
    n_params = n_params + L.n_params
    L.scratch_wt = L.scratch_wt or false
    L.batch_scratch = L.batch_scratch or { acts = {}, deltas = {}, bytes = 0 }
    L.masks = L.masks or false
    L.layout_note = L.layout_note or false
    L.stack_reals = L.stack_reals or 0
    L.real_type = T
    if L.activation then acts_used[L.activation] = true end
    m.kinds_used[S.kind] = true
    shape[#shape + 1] = K.fingerprint(S)
    m.layers[i] = L
    prev = L
  end
  m.n_out = m.layers[n].n_out
  m.n_params = n_params
  m.real_size = (T == "float") and 4 or 8
  m.params_bytes = n_params * m.real_size
  m.shape_string = table.concat(shape, ";")
  m.fingerprint = string.format("0x%08xu", fnv1a(m.shape_string))
  m.last = m.layers[n]

  -- derivative expressions, per layer, in terms of the layer's own output;
  -- a kind without an activation passes its gradient through unchanged
  for _, L in ipairs(m.layers) do
    local d = DERIV[L.activation or "identity"]
    if d then
      d = d:gsub("ONE", m.ONE):gsub("ZERO", m.ZERO):gsub("SLOPE", L.slope or "")
      L.deriv = function(a) return (d:gsub("%%s", a)) end
    else
      L.deriv = false
    end
    L.deriv_name = L.activation or "identity"
    -- whether a gradient through this layer's output is scaled by anything
    L.has_deriv = (L.activation and L.activation ~= "identity") and true or false
  end
  for _, L in ipairs(m.layers) do
    L.calls = layers[L.kind].calls(L, m)
    L.calls.forward_train = L.calls.forward_train or L.calls.forward
    L.template = layers[L.kind].template
  end

  -- activation helpers actually used, in a fixed order
  m.activations = {}
  for _, a in ipairs(common.ACTIVATIONS) do
    if acts_used[a] then m.activations[#m.activations + 1] = a end
  end
  m.acts_used = acts_used
  m.masks = false -- any layer with a training-time mask (dropout)
  m.any_normal, m.any_random = false, false
  m.params_layers = {}
  for _, L in ipairs(m.layers) do
    if L.masks then m.masks = true end
    if L.has_params then m.params_layers[#m.params_layers + 1] = L end
    for _, t in ipairs(L.tensors) do
      if t.init.kind == "normal" then m.any_normal = true end
      if t.init.kind ~= "zeros" then m.any_random = true end
      t.init.low_lit = t.init.low and lit(t.init.low, "double") or false
      t.init.high_lit = t.init.high and lit(t.init.high, "double") or false
      t.init.span_lit = t.init.low and lit(t.init.high - t.init.low, "double") or false
      t.init.std_lit = t.init.std and lit(t.init.std, "double") or false
      t.decl = common.brackets(t.dims)
      local ix = {}
      for k, v in ipairs(t.idx) do ix[k] = "[" .. v .. "]" end
      t.index = table.concat(ix)
    end
  end
  -- the parameter block, tensor by tensor, for the runtime's messages and files
  m.tensor_table = {}
  local offset = 0
  for _, L in ipairs(m.params_layers) do
    for _, t in ipairs(L.tensors) do
      local dims = {}
      for k, b in ipairs(t.bounds) do dims[k] = tostring(b) end
      m.tensor_table[#m.tensor_table + 1] = { name = L.id .. "." .. t.name, rank = #t.bounds,
                                              dims = table.concat(dims, ", "), offset = offset }
      offset = offset + t.n
    end
  end
  -- the per-sample step fuses plain SGD into the backward pass, where every kind can
  m.fusable = true
  for _, L in ipairs(m.layers) do
    if not layers[L.kind].fuses_sgd then m.fusable = false end
  end
  -- the backward passes read the network input only where the first layer has one
  m.backward_reads_x = m.layers[1].calls.backward and true or false
  -- what the passes read, from their calls' text: the per-sample backward
  -- reads p, and the batched weight gradient x, only where some layer's does
  local function reads(key, ref)
    for _, L in ipairs(m.layers) do
      if L.calls[key] and L.calls[key]:find(ref, 1, true) then return true end
    end
    return false
  end
  m.backward_reads_p = reads("backward", "&p->")
  m.batch_grads_reads_x = reads("batch_grads", ", x, ")

  -- memory, in bytes
  local units, masks = 0, 0
  for _, L in ipairs(m.layers) do
    units = units + L.n_out
    if L.masks then masks = masks + L.n_out end
  end
  m.acts_bytes = (units + masks) * m.real_size
  if m.keep_logits then m.acts_bytes = m.acts_bytes + m.n_out * m.real_size end

  -- stack: the largest arrays any one function keeps, plus room for its
  -- scalars, spills and saved registers (tests/test_compile.c checks the
  -- bound against gcc -fstack-usage)
  local reals = 0
  for _, L in ipairs(m.layers) do reals = math.max(reals, L.stack_reals) end
  m.stack_bytes = 2 * reals * ((T == "float") and 4 or 8) + M.STACK_SLACK

  -- the optimizer and its literals
  local tr = m.train
  m.opt = tr.optimizer
  m.opt_slots = ({ sgd = {}, momentum = { "v" }, nesterov = { "v" }, adam = { "m", "v" } })[m.opt]
  m.wd = tr.weight_decay ~= 0 and lit(tr.weight_decay, T) or false
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
  m.fused = (m.opt == "sgd" and not m.wd and m.fusable) -- dropout has no fused step
  -- the batched weight gradient with plain SGD fused in, where every layer
  -- with parameters has one (dense)
  m.batch_fused = (m.batch > 1 and m.opt == "sgd" and not m.wd) and true or false
  for _, L in ipairs(m.layers) do
    if L.has_params and not L.calls.batch_step then m.batch_fused = false end
  end
  if m.batch > 1 then M.plan_stages(m) end
  m.opt_enum = ({ sgd = "TRAIN_SGD", momentum = "TRAIN_MOMENTUM", nesterov = "TRAIN_NESTEROV",
                  adam = "TRAIN_ADAM" })[m.opt]
  m.schedule_enum = ({ constant = "TRAIN_CONSTANT", step = "TRAIN_STEP", cosine = "TRAIN_COSINE" })[tr.schedule]
  m.augment_shift = tr.augment_shift or 0

  -- memory, in bytes, exactly as sizeof() will see it (a static assert in
  -- the header checks each one)
  local R = m.real_size
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
  -- for firmware: the weights, const, in flash; the rest of inference in RAM
  m.mem.flash = m.mem.params
  m.mem.ram = m.mem.inference - m.mem.params
  local rows = m.batch
  m.mem.training = m.mem.params + m.mem.grads + m.mem.opt
                   + rows * (m.mem.acts + m.mem.deltas + (m.n_in + m.n_out) * R)
  if m.batch > 1 then -- the batched passes' scratch that kinds declare
    for _, L in ipairs(m.layers) do m.mem.training = m.mem.training + L.batch_scratch.bytes end
  end

  -- the chain of layers, for the banner: "784 -> 128 sigmoid -> ..."
  local chain = { m.in_text }
  for _, L in ipairs(m.layers) do chain[#chain + 1] = layers[L.kind].chain(L) end
  m.chain = table.concat(chain, " -> ")
  local sizes = { tostring(m.n_in) }
  for _, L in ipairs(m.layers) do sizes[#sizes + 1] = tostring(L.n_out) end
  m.sizes_list = table.concat(sizes, ", ")
  M.input_fields(m, spec)
  return m
end

-- The input as the runtime sees it: the spec's normalization ("none",
-- "standardize", "minmax", computed by the trainer on the training split) and
-- its shape as an image, channels x height x width: the spec's { C, H, W }, or
-- for a flat input of n values 1 x s x s when n = s * s, else 1 x 1 x n.
function M.input_fields(m, spec)
  m.normalize = spec.normalize or "none"
  m.normalize_enum = ({ none = "DATA_NORM_NONE", standardize = "DATA_NORM_STANDARDIZE",
                        minmax = "DATA_NORM_MINMAX" })[m.normalize]
  local side = math.floor(math.sqrt(m.n_in) + 0.5)
  if #m.in_dims == 3 then
    m.in_c, m.in_h, m.in_w = m.in_dims[1], m.in_dims[2], m.in_dims[3]
  elseif side * side == m.n_in then
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

-- The budgets a spec can set, each a key of m.mem (build reads it at call time).
M.BUDGETS = { "flash", "ram", "inference", "training" }

-- Problems with the spec's memory budget, as spec problems: { line, level, msg }.
function M.budget_problems(m, spec)
  local out = {}
  for _, k in ipairs(M.BUDGETS) do
    local b = spec.budget and spec.budget[k]
    if b and m.mem[k] > b.bytes then
      out[#out + 1] = { level = "error", line = b.line, seq = #out, msg = string.format(
        "budget: %s needs %d bytes (%s), over the budget of %s", k, m.mem[k], human(m.mem[k]), b.text) }
    end
  end
  return out
end

-- The stages of a batched training step (NAME_batch_train_stage): what every
-- part (thread) does between two barriers. A pass goes by a split of its own
-- where its call takes "part, parts" (dense: its output columns or halves of
-- its inputs; weight gradients: columns, rows of w or channels), and then
-- reads rows that other parts wrote; otherwise by rows (the part's rows of
-- the batch, s0..s1). So a barrier comes before every pass but one by rows
-- that reads only what passes by rows wrote, and before every weight
-- gradient (it sums over all the rows). m.stages = { { note, calls }, ... }
function M.plan_stages(m)
  local stages, cur = {}, nil
  local function by_rows(call) return not call:find("part, parts", 1, true) end
  local function stage()
    cur = { notes = {}, calls = {} }
    stages[#stages + 1] = cur
  end
  local function add(call, note)
    cur.calls[#cur.calls + 1] = call
    if note and cur.notes[#cur.notes] ~= note then cur.notes[#cur.notes + 1] = note end
  end
  local rows = false -- whether the last pass went by rows
  stage()
  for _, L in ipairs(m.layers) do
    if L.calls.batch_prepare then add(L.calls.batch_prepare, "weights transposed") end
  end
  for i, L in ipairs(m.layers) do
    local c = L.calls
    local call = c.batch_forward_k or c.batch_forward_cols or c.batch_forward
    if i > 1 and not (rows and by_rows(call)) then stage() end
    add(call, L.id .. " forward" .. (by_rows(call) and " by rows" or (c.batch_forward_k and " by inputs"
      or " by columns")))
    rows = by_rows(call)
    if c.batch_combine then -- a layer split by inputs: its halves added by rows
      stage()
      add(c.batch_combine, L.id .. " halves added by rows")
      rows = true
    end
  end
  if not rows then stage() end
  add(string.format("%s_batch_output_deltas(d, a, t, n, s0, s1)", m.name), "output deltas by rows")
  rows = true
  -- a weight gradient sums over all the rows of its layer's deltas: it waits
  -- for the first barrier after they are written
  local waiting = {}
  for i = #m.layers, 1, -1 do
    local L = m.layers[i]
    local dx = L.calls.batch_dx
    -- (an input gradient that reads transposed weights waits for the barrier after the first stage)
    if dx and (not (rows and by_rows(dx)) or (#stages == 1 and dx:find("_wt", 1, true))) then
      stage()
      for _, w in ipairs(waiting) do add(w[1], w[2]) end
      waiting = {}
    end
    if dx then
      add(dx, L.id .. " input gradient" .. (by_rows(dx) and " by rows" or " by columns"))
      rows = by_rows(dx)
    end
    if L.has_params then
      waiting[#waiting + 1] = { m.batch_fused and L.calls.batch_step or L.calls.batch_grads,
        L.id .. (m.batch_fused and " SGD step" or " weight gradient") }
    end
  end
  if #waiting > 0 then
    stage()
    for _, w in ipairs(waiting) do add(w[1], w[2]) end
  end
  if not m.batch_fused then
    stage()
    add(string.format("%s_update_part(p, o, g, rate, part, parts)", m.name), "the update, by parameters")
  end
  for _, st in ipairs(stages) do st.note = table.concat(st.notes, "; ") end
  m.stages = stages
end

return M
