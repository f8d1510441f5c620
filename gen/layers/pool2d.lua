-- gen/layers/pool2d.lua: max and average pooling over windows of each
-- channel, no padding; windows that do not fit at the bottom or right edge
-- are left out (PyTorch's floor mode). One module, two kinds: maxpool2d and
-- avgpool2d. C in templates/layers/pool2d.c.tpl.
local common = require("gen.layers.common")

return function(name, op)
  local K = {
    name = name,
    usage = name .. " { 2 }",
    keys = { "stride" },
    template = "layers/pool2d.c.tpl",
    op = op,
  }

  function K.check(lf, line, V)
    local S = {}
    if lf[1] == nil then
      V.err(line, "%s: missing window size, as in %s or %s { { 2, 3 } }", name, K.usage, name)
    else
      S.size = common.pair(lf[1], name .. ": window", V, line)
    end
    V.positional(lf, name, line, 1, "only the window size comes without a key")
    if lf.stride ~= nil then
      S.stride = common.pair(lf.stride, name .. ": stride", V, line)
    else
      S.stride = S.size
    end
    return S
  end

  function K.output(S, in_dims, V, line)
    if #in_dims ~= 3 then
      V.err(line, "%s: its input is %s, a flat vector; pooling needs an image, C x H x W", name,
        common.text(in_dims))
      return nil
    end
    if not (S.size and S.stride) then return nil end
    local h, w = in_dims[2], in_dims[3]
    if S.size[1] > h or S.size[2] > w then
      V.err(line, "%s: a %dx%d window does not fit the %s input", name, S.size[1], S.size[2],
        common.text(in_dims))
      return nil
    end
    return { in_dims[1], (h - S.size[1]) // S.stride[1] + 1, (w - S.size[2]) // S.stride[2] + 1 }
  end

  function K.fingerprint(S)
    return string.format("%s:%dx%d:%dx%d", name, S.size[1], S.size[2], S.stride[1], S.stride[2])
  end

  function K.chain(L) return (op == "max" and "maxpool " or "avgpool ") .. common.text(L.out_dims) end

  -- the max of outputs that are often 0 is often 0; so is their mean
  function K.zeros_out(L) return L.in_often_zero end

  function K.build(L, S)
    L.C, L.H, L.W = L.in_dims[1], L.in_dims[2], L.in_dims[3]
    L.OH, L.OW = L.out_dims[2], L.out_dims[3]
    L.KH, L.KW, L.SH, L.SW = S.size[1], S.size[2], S.stride[1], S.stride[2]
    L.op = op
    L.area = L.KH * L.KW
    L.inv_area = false
    L.overlap = L.SH < L.KH or L.SW < L.KW
  end

  function K.calls(L, m)
    local f = m.name .. "_" .. L.id
    local P = L.grad_prev
    local c = {}
    c.forward = string.format("%s_forward(%s, %s)", f, L.out_ref, L.in_ref)
    c.batch_forward = (c.forward:gsub("_forward%(", "_batch_forward(", 1):gsub("%)$", ", s0, s1)"))
    if P then
      c.backward = string.format("%s_backward(%s, %s, %s)", f, L.dx_ref, L.in_ref, L.d_ref)
      c.batch_dx = string.format("%s_batch_dx(%s, %s, %s, n, s0, s1)", f, L.dx_ref, L.in_ref, L.d_ref)
    else
      c.backward, c.batch_dx = false, false -- nothing to compute for the network input
    end
    return c
  end

  return K
end
