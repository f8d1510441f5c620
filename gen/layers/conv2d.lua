-- gen/layers/conv2d.lua: 2-D convolution (cross-correlation, as in PyTorch:
-- the kernel is not flipped), y = act(z),
--   z[o][i][j] = b[o] + sum_c sum_kh sum_kw w[o][c][kh][kw] * x[c][i*sh + kh - ph][j*sw + kw - pw]
-- with x read as 0 outside the input. Weights are w[out][in][kh][kw], PyTorch's
-- layout. C in templates/layers/conv2d.c.tpl.
local common = require("gen.layers.common")

local K = {
  name = "conv2d",
  usage = 'conv2d { 32, kernel = 3, padding = "same", activation = "relu" }',
  keys = { "kernel", "stride", "padding", "activation", "init", "slope" },
  template = "layers/conv2d.c.tpl",
  has_activation = true,
  PADDINGS = { "valid", "same" },
  LANES = 16, -- output columns per register block
}

function K.check(lf, line, V)
  local S = {}
  if lf[1] == nil then
    V.err(line, "conv2d: missing filter count, as in %s", K.usage)
  else
    S.filters = V.size(lf[1], "conv2d: filter count", line)
  end
  V.positional(lf, "conv2d", line, 1, "only the filter count comes without a key")
  if lf.kernel == nil then
    V.err(line, "conv2d: missing kernel size, as in kernel = 3 or kernel = { 3, 5 }")
  else
    S.kernel = common.pair(lf.kernel, "conv2d: kernel", V, line)
  end
  S.stride = lf.stride == nil and { 1, 1 } or common.pair(lf.stride, "conv2d: stride", V, line)
  local pad = lf.padding
  if pad == nil or pad == "valid" then
    S.padding = { 0, 0 }
  elseif pad == "same" then
    S.same = true
  elseif type(pad) == "string" then
    V.enum(pad, K.PADDINGS, "conv2d: unknown padding", line)
  else
    S.padding = common.pair(pad, "conv2d: padding", V, line, 0)
  end
  common.check_activation(lf, S, "conv2d", line, V)
  common.check_init(lf, S, "conv2d", line, V)
  common.check_slope(lf, S, "conv2d", line, V)
  return S
end

-- Rows (or columns) of the output that kernel offset k reads inside an input
-- of n, for stride s and padding p: { lo, hi, off } with i in [lo, hi) reading
-- input i*s + off.
local function span(k, n, s, p, n_out)
  local off = k - p
  local lo = 0
  while lo < n_out and lo * s + off < 0 do lo = lo + 1 end
  local hi = lo
  while hi < n_out and hi * s + off < n do hi = hi + 1 end
  return { lo = lo, hi = hi, off = off, k = k }
end

-- "2 * i - 1": the input index that output index v reads
local function at(v, s, off)
  local e = (s == 1) and v or (s .. " * " .. v)
  if off > 0 then return e .. " + " .. off end
  if off < 0 then return e .. " - " .. (-off) end
  return e
end

function K.output(S, in_dims, V, line)
  if #in_dims ~= 3 then
    V.err(line, "conv2d: its input is %s, a flat vector; convolution needs input = { C, H, W }",
      common.text(in_dims))
    return nil
  end
  if not (S.filters and S.kernel and S.stride and (S.padding or S.same)) then return nil end
  local kh, kw = S.kernel[1], S.kernel[2]
  if S.same then
    if kh % 2 == 0 or kw % 2 == 0 then
      V.err(line, "conv2d: padding 'same' needs an odd kernel, this one is %dx%d; give padding = { PH, PW }",
        kh, kw)
      return nil
    end
    S.padding = { (kh - 1) // 2, (kw - 1) // 2 }
  end
  local c, h, w = in_dims[1], in_dims[2], in_dims[3]
  local ph, pw = S.padding[1], S.padding[2]
  if ph >= kh or pw >= kw then
    V.err(line, "conv2d: padding %dx%d must be smaller than the %dx%d kernel", ph, pw, kh, kw)
    return nil
  end
  if kh > h + 2 * ph or kw > w + 2 * pw then
    V.err(line, "conv2d: a %dx%d kernel does not fit the %s input (%dx%d with padding)", kh, kw,
      common.text(in_dims), h + 2 * ph, w + 2 * pw)
    return nil
  end
  local oh = (h + 2 * ph - kh) // S.stride[1] + 1
  local ow = (w + 2 * pw - kw) // S.stride[2] + 1
  S.in_c = c
  return { S.filters, oh, ow }
end

function K.param_count(S) return S.filters * S.in_c * S.kernel[1] * S.kernel[2] + S.filters end

function K.fingerprint(S)
  return string.format("conv2d:%d:%dx%d:%dx%d:%dx%d:%s:%s", S.filters, S.kernel[1], S.kernel[2],
    S.stride[1], S.stride[2], S.padding[1], S.padding[2], S.activation, S.slope or "")
end

function K.chain(L) return "conv " .. common.text(L.out_dims) .. " " .. L.activation end

function K.build(L, S, m)
  local C, H, W = L.in_dims[1], L.in_dims[2], L.in_dims[3]
  local O, OH, OW = L.out_dims[1], L.out_dims[2], L.out_dims[3]
  L.C, L.H, L.W, L.O, L.OH, L.OW = C, H, W, O, OH, OW
  L.KH, L.KW = S.kernel[1], S.kernel[2]
  L.SH, L.SW = S.stride[1], S.stride[2]
  L.PH, L.PW = S.padding[1], S.padding[2]
  -- the output rows and columns each kernel offset reaches inside the input:
  -- literal loop bounds, so no test for the padding at run time
  L.rows, L.cols = {}, {}
  for k = 0, L.KH - 1 do
    local r = span(k, H, L.SH, L.PH, OH)
    r.at = at("i", L.SH, r.off)
    L.rows[k + 1] = r
  end
  for k = 0, L.KW - 1 do
    local q = span(k, W, L.SW, L.PW, OW)
    q.at = at("j", L.SW, q.off)
    L.cols[k + 1] = q
  end
  -- register blocks: OB output channels at a time in the forward pass, OBW
  -- channels by all KW taps in the weight gradient, over column blocks of up
  -- to K.LANES outputs (one vector register of floats)
  local function block(n, max)
    local b = max
    while n % b ~= 0 do b = b // 2 end
    return b
  end
  L.OB = block(O, 8)
  L.OBW = block(O, 4)
  local lanes = math.min(K.LANES, OW)
  L.jblocks = { { start = 0, width = lanes, count = OW // lanes } }
  if OW % lanes > 0 then L.jblocks[2] = { start = OW - OW % lanes, width = OW % lanes, count = 1 } end
  -- each block computes vw >= width lanes, a multiple of 8, so that no lane
  -- is left to scalar code; the lanes past width read zeros and are dropped
  for _, jb in ipairs(L.jblocks) do
    jb.vw = math.max(8, (jb.width + 7) // 8 * 8)
    jb.span = (jb.vw - 1) * L.SW + L.KW -- input columns a block reads
  end
  L.XS = L.jblocks[1].span
  L.VW = L.jblocks[1].vw
  L.row_checks = (L.PH > 0) or ((OH - 1) * L.SH + L.KH > H)
  L.at_j = (L.SW == 1) and "jj" or (L.SW .. " * jj")
  -- the batched passes: matrix products over the image unrolled into columns,
  -- col[k][p] = x[c][i*sh + kh - ph][j*sw + kw - pw] (0 outside) with
  -- k = (c, kh, kw) and p = (i, j); w[o][c][kh][kw] is then the matrix w[o][k]
  L.K, L.P = C * L.KH * L.KW, OH * OW
  L.PB = math.min(16, L.P) -- columns of p per register block
  L.pblocks = { { start = 0, width = L.PB, count = L.P // L.PB } }
  if L.P % L.PB > 0 then L.pblocks[2] = { start = L.P - L.P % L.PB, width = L.P % L.PB, count = 1 } end
  L.GO = block(O, 4)       -- rows of w per block in the forward product
  L.GK = block(L.K, 4)     -- rows of col per block in dcol = w^T d
  -- one matrix of columns per row of the batch, kept from the forward pass
  -- for the gradient, and one of their gradients per row, so that rows can
  -- be split across threads
  local R = (m.T == "float" and 4 or 8)
  L.batch_scratch = {
    acts = { string.format("%s %s_col[%s][%d][%d]; /* %s's input as columns, per row, for the batched passes */",
                           m.T, L.id, m.NAME .. "_BATCH", L.K, L.P, L.id) },
    deltas = {},
    bytes = m.batch * L.K * L.P * R,
  }
  if L.grad_prev then
    L.batch_scratch.deltas[1] = string.format("%s %s_dcol[%s][%d][%d]; /* the gradient of those columns */",
                                              m.T, L.id, m.NAME .. "_BATCH", L.K, L.P)
    L.batch_scratch.bytes = 2 * L.batch_scratch.bytes
  end
  -- the largest arrays a function of this layer keeps on the stack, in reals:
  -- the forward pass's row buffer and register blocks, the backward pass's
  -- partial sums, the batched passes' register blocks
  L.stack_reals = math.max(L.XS + L.OB * L.VW, OW,
    m.batch > 1 and (L.GO * L.PB + L.GO * L.GK * L.PB + L.GK * L.PB) or 0)
  local fan_in, fan_out = C * L.KH * L.KW, O * L.KH * L.KW
  L.tensors = {
    { name = "w", dims = { L.out_consts[1], L.in_consts[1], L.KH, L.KW }, idx = { "f", "c", "u", "v" },
      n = O * C * L.KH * L.KW, init = common.init_of(S, fan_in, fan_out), bounds = { O, C, L.KH, L.KW } },
    { name = "b", dims = { L.out_consts[1] }, idx = { "f" }, n = O, init = common.init_of({ init = "zeros" }),
      bounds = { O } },
  }
  L.layout_note = "w[out channel][in channel][kernel row][kernel column]"
  L.pad_text = (L.PH > 0 or L.PW > 0) and string.format("padding %dx%d", L.PH, L.PW) or "no padding"
end

function K.calls(L, m)
  local f = m.name .. "_" .. L.id
  local P = L.grad_prev
  local c = {}
  c.forward = string.format("%s_forward(%s, %s, %s)", f, L.out_ref, L.p_ref, L.in_ref)
  c.backward = string.format("%s_backward(%s, %s%s, %s)", f, L.g_ref,
    P and (L.dx_ref .. ", " .. L.p_ref .. ", ") or "", L.in_ref, L.d_ref)
  c.batch_forward = string.format("%s_batch_forward(%s, a->%s_col, %s, %s, s0, s1)", f, L.out_ref, L.id, L.p_ref,
    L.in_ref)
  c.batch_grads = string.format("%s_batch_grads(%s, (const %s (*)[%d][%d])a->%s_col, %s, n, part, parts)", f,
    L.g_ref, m.T, L.K, L.P, L.id, L.d_ref)
  if P then
    c.batch_dx = string.format("%s_batch_dx(%s, d->%s_dcol, %s, %s, %s, n, s0, s1)", f, L.dx_ref, L.id, L.p_ref,
      L.in_ref, L.d_ref)
  end
  return c
end

return K
