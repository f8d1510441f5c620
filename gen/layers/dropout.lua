-- gen/layers/dropout.lua: inverted dropout. While training, each unit is kept
-- with probability 1 - rate and scaled by 1/(1 - rate) (a mask in the
-- activations, drawn by <net>_draw_masks from the caller's uniform01); at
-- inference it is the identity, and NAME_INFERENCE_ONLY builds hold no mask.
-- C in templates/layers/dropout.c.tpl.
local common = require("gen.layers.common")
local flatten = require("gen.layers.flatten")

local K = {
  name = "dropout",
  usage = "dropout { 0.5 }",
  keys = {},
  template = "layers/dropout.c.tpl",
}

function K.check(lf, line, V)
  local S = {}
  local r = lf[1]
  if r == nil then
    V.err(line, "dropout: missing rate, as in %s", K.usage)
  elseif type(r) ~= "number" or not (r > 0 and r < 1) then
    V.err(line, "dropout: rate must be a number between 0 and 1 (the fraction of units dropped), got %s",
      V.show(r))
  else
    S.rate = r
  end
  V.positional(lf, "dropout", line, 1, "only the rate comes without a key")
  return S
end

function K.output(S, in_dims)
  local out = {}
  for i, d in ipairs(in_dims) do out[i] = d end
  return out
end

function K.fingerprint() return "dropout" end -- no parameters: the rate is free to change
function K.chain(L) return "dropout " .. L.rate end
function K.zeros_out(L) return L.in_often_zero end

function K.build(L, S, m, lit)
  L.rate = S.rate
  L.rate_lit = lit(S.rate, "double")
  L.scale_lit = lit(1 / (1 - S.rate), m.T)
  L.masks = true
  L.in_text = common.text(L.in_dims)
end

function K.calls(L, m)
  local f = m.name .. "_" .. L.id
  local keep = "&a->" .. L.id .. "_keep, "
  local c = flatten.elementwise_calls(L, m, keep, keep)
  c.forward = string.format("%s_forward(%s, %s)", f, L.out_ref, L.in_ref) -- inference: the identity
  c.forward_train = string.format("%s_forward_train(%s, %s%s)", f, L.out_ref, keep, L.in_ref)
  c.draw = string.format("%s_draw(&a->%s_keep, uniform01, ctx)", f, L.id)
  c.batch_draw = string.format("%s_batch_draw(&a->%s_keep, uniform01, ctx)", f, L.id)
  return c
end

return K
