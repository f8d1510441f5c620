-- gen/layers/dense.lua: fully connected, z[j] = b[j] + sum_i x[i] * w[i][j], y = act(z).
-- Weights are w[in][out]: input i to output j, so both passes run their
-- inner loops over contiguous memory. C in templates/layers/dense.c.tpl.
local common = require("gen.layers.common")
local gemm = require("gen.layers.gemm")

local K = {
  name = "dense",
  usage = 'dense { 128, activation = "relu" }',
  keys = { "activation", "init", "slope", "unroll" },
  template = "layers/dense.c.tpl",
  has_activation = true,
  fuses_sgd = true, -- has a _step with plain SGD fused into its backward pass
}

-- Layers with at most this many weights are unrolled into straight-line code
-- under unroll = "auto"; larger layers keep loops with literal bounds. Chosen
-- by measurement (bench/RESULTS.md, "Unroll policy"): at the default -O3, gcc
-- unrolls constant-bound loops itself, and loops beat straight-line code on
-- every net measured, from 2-4-2 to 16-8-4 (at -O2 full unrolling gains up to
-- 10% on nets of about 20 weights); full unrolling of a 784x128 layer takes gcc
-- minutes and gigabytes. So "auto" means loops; unroll = "full" stays for
-- builds that want straight-line code.
K.UNROLL_MAX_WEIGHTS = 0

-- Output columns summed together in the per-sample forward pass: 128 floats
-- are 8 AVX-512 registers, so layer 1 of nets/mnist.lua (784-128) keeps all
-- of z in registers and reads each input once (bench/RESULTS.md).
K.FORWARD_COLUMNS = 128

-- Inputs listed at a time (a multiple of 16) where the per-sample passes
-- list the inputs that are not 0 (L.list_forward): the list, LIST_INPUTS + 1
-- ints, is all they keep on the stack besides z. On nets/mnist.lua (AVX-512,
-- gcc 12) 128, 256 and one list of all 784 pixels infer at the same speed.
K.LIST_INPUTS = 128

-- A first layer (no layer before it has parameters, so it computes no input
-- gradient) with at least this many inputs sums z in two halves of its
-- inputs, z = (b + sum_{i < kb} x[i] w[i][j]) + (sum_{i >= kb} x[i] w[i][j]),
-- in every pass (per-sample and batched alike), so that the stages of a
-- training step can split it by inputs: each thread then owns whole rows of
-- w, contiguous in memory, in the forward pass and in the update, and only
-- the partial sums (batch x outputs) move between threads, not w (inputs x
-- outputs). The halves are fixed by the shape, so every thread count computes
-- the same bits. Chosen on nets/mnist.lua (784-128, batch 64, two threads of
-- an AMD EPYC VM): split by output columns, every 512-byte row of w is shared
-- by both threads' prefetchers and each update waits for its lines
-- (bench/BOUNDS.md).
K.SPLIT_INPUTS = 256

-- Partial sums of the per-sample input gradient (at most; a power of two).
-- Chosen by measurement on nets/mnist.lua (AVX-512, gcc 12): 8 trains 7%
-- faster than 16, and 30% faster than 4.
K.DX_LANES = 8

function K.check(lf, line, V)
  local S = {}
  if lf[1] == nil then
    V.err(line, "dense: missing size, as in %s", K.usage)
  else
    S.units = V.size(lf[1], "dense: size", line)
  end
  V.positional(lf, "dense", line, 1, "only the size comes without a key")
  common.check_activation(lf, S, "dense", line, V)
  common.check_init(lf, S, "dense", line, V)
  common.check_slope(lf, S, "dense", line, V)
  S.unroll = V.enum(lf.unroll, common.UNROLLS, "dense: unknown unroll", line, nil)
  return S
end

function K.output(S, in_dims, V, line)
  if #in_dims ~= 1 then
    V.err(line, "dense: its input is %s, not a flat vector; put flatten {} before it",
      common.text(in_dims))
    return nil
  end
  return { S.units }
end

function K.param_count(S) return common.count(S.in_dims) * S.units + S.units end

function K.fingerprint(S)
  return string.format("dense:%d:%s:%s", S.units, S.activation, S.slope or "")
end

function K.chain(L) return L.n_out .. " " .. L.activation end

-- The products over samples of the batched passes, { cols, k } each, from
-- which gen/model.lua chooses the net's row block m.sb: the forward pass, and
-- the input gradient except where no layer before has parameters (first).
function K.sample_products(S, first)
  local n_in = common.count(S.in_dims)
  local p = { { S.units, n_in } }
  if not first then p[2] = { n_in, S.units } end
  return p
end

-- The end of a chunk of the inputs listed from i0 (C), chunks of n from lo,
-- up to hi.
local function list_end(n, lo, hi)
  if (hi - lo) % n == 0 then return string.format("i0 + %d", n) end
  return string.format("(i0 + %d < %d) ? i0 + %d : %d", n, hi, n, hi)
end

-- Everything the template prints, computed here (no arithmetic in templates).
function K.build(L, S, m, lit)
  L.n_weights = L.n_in * L.n_out
  L.unroll = S.unroll or m.unroll
  if L.unroll == "auto" then
    L.unroll = (L.n_weights <= K.UNROLL_MAX_WEIGHTS) and "full" or "loops"
  end
  local I = common.init_of(S, L.n_in, L.n_out)
  L.tensors = {
    { name = "w", dims = { L.in_const, L.out_const }, idx = { "i", "j" }, n = L.n_weights, init = I,
      bounds = { L.n_in, L.n_out } },
    { name = "b", dims = { L.out_const }, idx = { "j" }, n = L.n_out, init = common.init_of({ init = "zeros" }),
      bounds = { L.n_out } },
  }
  -- the batched passes' register blocks (gen/layers/gemm.lua): rows of
  -- samples (m.sb, one for the whole net) by column blocks, and for dw rows
  -- of inputs by column blocks
  local v = m.lanes
  L.fwd_cols = gemm.blocks(L.n_out, gemm.width(m.sb, L.n_out, v))
  L.fwd_cols1 = gemm.blocks(L.n_out, gemm.width(1, L.n_out, v))
  L.gb = gemm.input_rows(L.n_in, L.n_out, v)
  L.gfull, L.gtail = L.n_in // L.gb, L.n_in % L.gb
  -- the stages of a training step (threads) split the layer by output columns
  -- in whole vectors (the part of the columns a thread owns, in every pass):
  -- blocks of up to vmax(R, n) vectors over a range of columns known at run
  -- time, then the last n % v columns in one masked vector. The blocks of
  -- rows left over (fewer rows) take the same widths: they are rare, and
  -- every width is a case of its own in the C.
  local function vmax(R, n) return math.max(1, math.min(gemm.vectors(R), n // v)) end
  L.vtail_out, L.vtail_in = L.n_out % v, L.n_in % v
  L.fwd_vmax, L.dx_vmax = vmax(m.sb, L.n_out), vmax(m.sb, L.n_in)
  L.grad_vmax = vmax(L.gb, L.n_out)
  -- By columns, the weights stay with the thread that owns them, and the
  -- layer's input and output move between threads; by rows, the weights
  -- move. So a layer goes by columns where its weights outweigh the batch's
  -- inputs and outputs, and its activation goes unit by unit (not softmax;
  -- the last layer goes by rows: the output deltas follow it row by row).
  local by_cols = L.n_in * L.n_out > m.batch * (L.n_in + L.n_out)
  L.split = (by_cols and not L.last and not L.keeps_logits and L.activation ~= "softmax") and "columns" or "rows"
  -- a first layer with many inputs sums over two halves of them (K.SPLIT_INPUTS):
  -- inputs [0, kb) and [kb, n_in), kb a multiple of the vector (and of the
  -- per-sample list's chunk where one fits)
  L.ksplit = not L.grad_prev and not L.last and L.activation ~= "softmax" and L.unroll ~= "full"
    and L.n_in >= K.SPLIT_INPUTS
  if L.ksplit then
    local half = L.n_in // 2
    local unit = (half >= K.LIST_INPUTS) and K.LIST_INPUTS or 16
    L.kb = half // unit * unit
    -- the batched weight gradient's blocks of gb rows: those of the first
    -- half, from 0, and of the second; the weight gradient and the update
    -- split by these rows of w whatever the forward pass does
    L.gkb = L.kb // L.gb
    m.ksplit = true
    -- the stages split the forward pass by halves of the inputs where w
    -- outweighs the partial sums of the second half (B x n_out, in the batch
    -- scratch); elsewhere by rows, each row's halves added in registers
    if L.n_in > m.batch then L.split = "inputs" end
  end
  L.batch_tail_rows = m.batch % m.sb -- rows after the last whole block
  -- "(x0 != 0) | (x1 != 0) | ...": 1 when any of R values is not 0, fmt
  -- holding %d for the row
  L.nonzero = function(fmt, R)
    local t = {}
    for r = 0, R - 1 do t[#t + 1] = "(" .. fmt:format(r) .. " != " .. m.ZERO .. ")" end
    return table.concat(t, " | ")
  end
  -- the same for 16 values at a time: the masks of the R rows of vectors at
  -- fmt (a pointer, %d for the row) that are not 0
  L.nonzero_mask = function(fmt, R)
    local t = {}
    for r = 0, R - 1 do
      t[#t + 1] = "_mm512_cmp_ps_mask(_mm512_loadu_ps(" .. fmt:format(r) .. "), _mm512_setzero_ps(), _CMP_NEQ_UQ)"
    end
    return table.concat(t, "\n                | ")
  end
  -- per-sample forward: z summed in local blocks of up to FORWARD_COLUMNS
  -- outputs (registers where the target has enough of them)
  local fw = math.min(K.FORWARD_COLUMNS, L.n_out)
  L.fwd_blocks = { { start = 0, width = fw, count = L.n_out // fw } }
  if L.n_out % fw > 0 then
    L.fwd_blocks[2] = { start = L.n_out - L.n_out % fw, width = L.n_out % fw, count = 1 }
  end
  -- per-sample input gradient: dx[i] = sum_j w[i][j] * d[j] in dx_lanes
  -- partial sums (lane l over j = l, l + lanes, ... in order), then lanes l
  -- and l + h added for h = lanes / 2, ..., 1. A fixed order, so every target
  -- computes the same numbers; the lanes run along row i of w, so the sum
  -- vectorizes and shares one pass over the row with its update.
  local lanes = 1
  while lanes * 2 <= math.min(K.DX_LANES, L.n_out) do lanes = lanes * 2 end
  L.dx_lanes = lanes
  L.dx_full = L.n_out // lanes
  L.dx_tail = L.n_out % lanes
  if lanes == 1 then
    L.dx_order = "over j in order"
  else
    local hs = {}
    local h = lanes // 2
    while h >= 1 do hs[#hs + 1] = tostring(h); h = h // 2 end
    L.dx_order = string.format("in %d partial sums, lane l over j = l, l + %d, ... in order, then lane l + h\n" ..
      " *   added to lane l for h = %s", lanes, lanes, table.concat(hs, ", "))
  end
  -- the same sum as one C expression, for row i of unrolled code
  L.dx_sum = function(i)
    local function term(j) return string.format("p->w[%d][%d] * d->v[%d]", i, j, j) end
    local function lane(l)
      local e = term(l)
      for j = l + lanes, L.n_out - 1, lanes do e = "(" .. e .. " + " .. term(j) .. ")" end
      return e
    end
    -- after the levels down to h, lane l holds tree(l, h)
    local function tree(l, h)
      if h == lanes then return lane(l) end
      return "(" .. tree(l, 2 * h) .. " + " .. tree(l + h, 2 * h) .. ")"
    end
    return tree(0, 1)
  end
  -- inputs that are often exactly zero (pixels, relu outputs) skip their
  -- row of w: adding 0 * w changes no sum, and an update by 0 * d no weight
  L.skip_zero = L.in_often_zero
  -- the per-sample forward, and the step of a first layer (which computes no
  -- input gradient, so its loop runs over the rows it updates), first list
  -- the inputs that are not 0 without a branch per input (net.c.tpl's
  -- NAME_nonzero), then run over the list: a branch per input mispredicts
  -- where a fifth of the pixels are not 0
  L.list_forward = L.skip_zero and L.unroll ~= "full"
  L.list_step = L.list_forward and not L.grad_prev
  L.list_chunked = false
  if L.list_forward then
    m.nonzero_list = true
    -- inputs i0 <= i < i1 are listed at a time: all of them, or chunks of
    -- LIST_INPUTS (the last one shorter where they do not divide n_in); the
    -- list's room is one chunk and the -1 after it
    L.list_n = math.min(L.n_in, K.LIST_INPUTS)
    L.list_room = L.list_n + 1
    L.list_chunked = L.n_in > L.list_n
    L.list_what = "the inputs that are not 0 in order, "
      .. (L.list_chunked and (L.list_n .. " at a time, ") or "") .. "then -1"
    L.list_i1 = list_end(L.list_n, 0, L.n_in)
  end
  -- the per-sample forward's sums over inputs lo <= i < hi into z: all of
  -- them, or the two halves of a split layer (the second into z2, then added)
  L.franges = { { lo = 0, hi = L.n_in, z = "z", i1 = L.list_i1 } }
  if L.ksplit then
    L.franges = { { lo = 0, hi = L.kb, z = "z", i1 = list_end(L.list_n, 0, L.kb) },
                  { lo = L.kb, hi = L.n_in, z = "z2", i1 = list_end(L.list_n, L.kb, L.n_in) } }
  end
  -- the largest arrays a function of this layer keeps on the stack, in reals
  -- (an int takes no more room than a real): the per-sample forward block of
  -- z and its list of inputs, the batched passes' register blocks and lists
  -- of inputs or samples
  local list = L.list_forward and L.list_room or 0
  L.stack_reals = math.max(fw + list, (m.batch > 1) and math.max(
    m.sb * math.max(L.fwd_cols[1].width, L.fwd_vmax * v) + L.n_in, m.sb * L.dx_vmax * v,
    L.gb * L.grad_vmax * v + m.batch) or 0)
  if L.split == "inputs" then -- the stages' sums over the second half of the inputs
    L.batch_scratch = {
      acts = { string.format("%s %s_zk; /* %s's sums over inputs %d.., added to the first half's */",
                             L.batch_out_type, L.id, L.id, L.kb) },
      deltas = {},
      bytes = m.batch * L.n_out * (m.T == "float" and 4 or 8),
    }
  end
  L.keeps_logits = L.last and m.keep_logits
  L.z = L.keeps_logits and "zo->v" or "y->v"
  L.scratch_wt = L.grad_prev and true or false -- the batched input gradient's transposed weights
end

-- The calls the frame prints, from the references model.lua computed.
function K.calls(L, m)
  local f = m.name .. "_" .. L.id
  local zo = L.keeps_logits and "&a->logits, " or ""
  local P = L.grad_prev
  local c = {}
  c.forward = string.format("%s_forward(%s, %s%s, %s)", f, L.out_ref, zo, L.p_ref, L.in_ref)
  c.backward = string.format("%s_backward(%s, %s%s, %s)", f, L.g_ref,
    P and (L.dx_ref .. ", " .. L.p_ref .. ", ") or "", L.in_ref, L.d_ref)
  c.step = string.format("%s_step(%s, %s%s, %s, rate)", f, L.p_ref, P and (L.dx_ref .. ", ") or "",
    L.in_ref, L.d_ref)
  c.batch_forward = (c.forward:gsub("_forward%(", "_batch_forward(", 1):gsub("%)$", ", s0, s1)"))
  -- the stages (gen/model.lua) split a layer by rows, by columns or by
  -- inputs: its forward pass and input gradient by L.split, its weight
  -- gradient by the part of w each thread owns (rows of w for a layer split
  -- by inputs, else columns)
  if L.split == "inputs" then -- by halves of the inputs, then the halves added by rows
    c.batch_forward_k = string.format("%s_batch_forward_k(%s, &a->%s_zk, %s, %s, part, parts)", f, L.out_ref, L.id,
      L.p_ref, L.in_ref)
    c.batch_combine = string.format("%s_batch_combine(%s, &a->%s_zk, s0, s1)", f, L.out_ref, L.id)
  end
  if L.split == "columns" then
    c.batch_forward_cols = string.format("%s_batch_forward_cols(%s, %s, %s, part, parts)", f, L.out_ref, L.p_ref,
      L.in_ref)
  end
  if P then
    c.batch_prepare = string.format("%s_batch_prepare(d->%s_wt, %s, part, parts)", f, L.id, L.p_ref)
    c.batch_dx = string.format("%s_batch_dx(%s, (const %s (*)[%d])d->%s_wt, %s, %s, n, %s)", f, L.dx_ref,
      m.T, L.n_in, L.id, L.in_ref, L.d_ref, L.split == "columns" and ("0, " .. m.NAME .. "_BATCH, part, parts")
      or "s0, s1, 0, 1")
  end
  c.batch_grads = string.format("%s_batch_grads(%s, %s, %s, n, part, parts)", f, L.g_ref, L.in_ref, L.d_ref)
  c.batch_step = string.format("%s_batch_step(%s, %s, %s, n, rate, part, parts)", f, L.p_ref, L.in_ref, L.d_ref)
  return c
end

return K
