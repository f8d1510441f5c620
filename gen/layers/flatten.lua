-- gen/layers/flatten.lua: an image C x H x W as one vector of C*H*W values,
-- in C order (channel, then row, then column), as PyTorch's flatten. No
-- parameters; the values are copied. C in templates/layers/flatten.c.tpl.
local common = require("gen.layers.common")

local K = {
  name = "flatten",
  usage = "flatten {}",
  keys = {},
  template = "layers/flatten.c.tpl",
}

function K.check(lf, line, V)
  V.positional(lf, "flatten", line, 0, "flatten takes no values")
  return {}
end

function K.output(S, in_dims)
  return { common.count(in_dims) }
end

function K.fingerprint() return "flatten" end
function K.chain(L) return "flatten " .. L.n_out end
function K.zeros_out(L) return L.in_often_zero end
function K.build(L) L.in_text = common.text(L.in_dims) end

-- flatten and dropout: an element-wise layer with no parameters
function K.elementwise_calls(L, m, forward_extra, backward_extra)
  local f = m.name .. "_" .. L.id
  local P = L.grad_prev
  local c = {}
  c.forward = string.format("%s_forward(%s, %s%s)", f, L.out_ref, forward_extra or "", L.in_ref)
  c.batch_forward = (c.forward:gsub("_forward%(", "_batch_forward(", 1):gsub("%)$", ", s0, s1)"))
  if P then
    c.backward = string.format("%s_backward(%s, %s%s, %s)", f, L.dx_ref, backward_extra or "", L.in_ref, L.d_ref)
    c.batch_dx = (c.backward:gsub("_backward%(", "_batch_dx(", 1):gsub("%)$", ", n, s0, s1)"))
  else
    c.backward, c.batch_dx = false, false -- nothing to compute for the network input
  end
  return c
end

function K.calls(L, m) return K.elementwise_calls(L, m) end

return K
