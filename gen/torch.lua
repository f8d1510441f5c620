-- gen/torch.lua: the PyTorch backend.
--
-- torch.render(model, read_template) -> { {name = "NAME_torch.py", text = ...} } or nil, err
--
-- Prints the model gen/model.lua built for the C as a torch.nn.Module: the frame is
-- templates/torch/net.py.tpl, and each layer kind prints its own parts from
-- templates/torch/layers/KIND.py.tpl (see KINDS), so the frame never names a kind.
-- Pure, like gen/emit.lua: the caller reads templates and writes files.

local emit = require("gen.emit")
local model_mod = require("gen.model")

local M = {}

-- One line per layer kind: the template that prints its parts. A kind template is
-- rendered once per layer and part, with L (the layer) and part, one of
--   "new"        constructor lines in Net.__init__ (8 spaces in)
--   "expr"       the layer applied to x, an expression (before the activation)
--   "init"       lines of init_params: the C's init, draw for draw (4 spaces in)
--   "to_flat"    lines of to_flat: append the layer's tensors in model-file layout
--   "from_flat"  lines of from_flat: read them back
M.KINDS = { dense = "torch/layers/dense.py.tpl" }

-- The activation applied to a Python expression.
local ACT = {
  sigmoid = "torch.sigmoid(%s)", tanh = "torch.tanh(%s)", relu = "torch.relu(%s)",
  identity = "%s", softmax = "torch.softmax(%s, dim=1)",
}
local function act(L, expr)
  if L.activation == "leaky_relu" then
    return string.format("nn.functional.leaky_relu(%s, %s)", expr, L.slope_py)
  end
  return (ACT[L.activation]:gsub("%%s", function() return expr end))
end

-- A Python string literal.
local function pystr(s)
  return '"' .. s:gsub('[%c"\\\127-\255]', function(c)
    if c:byte() >= 128 then return c end -- UTF-8 passes through
    return string.format("\\x%02x", c:byte())
  end) .. '"'
end

local function pylit(x) return model_mod.lit(x, "double") end

function M.render(m, read_template)
  local base = {
    m = m, act = act, pystr = pystr, lit = pylit,
    -- a comment stays one line whatever the spec path holds
    spec_shown = m.spec_path:gsub("%c", function(c) return string.format("\\x%02x", c:byte()) end),
    fingerprint_hex = string.format("0x%08x", m.fingerprint_value),
    dtype = (m.T == "float") and "torch.float32" or "torch.float64",
  }
  for _, L in ipairs(m.layers) do
    L.slope_py = L.slope and pylit(tonumber((L.slope:gsub("f$", ""))))
    L.torch_kind = L.kind or "dense"
  end
  local function env_with(extra)
    local env = {}
    for k, v in pairs(base) do env[k] = v end
    for k, v in pairs(extra) do env[k] = v end
    return env
  end
  -- each kind's template, compiled by render_one on every call; small enough
  base.layer = function(L, part)
    local name = M.KINDS[L.torch_kind]
    if not name then error("torch backend: no template for layer kind '" .. L.torch_kind .. "'", 0) end
    local out, err = emit.render_one(read_template(name), name, env_with({ L = L, part = part }))
    if not out then error(err, 0) end
    return (out:gsub("\n+$", ""))
  end
  local text, err = emit.render_one(read_template("torch/net.py.tpl"), "torch/net.py.tpl", env_with({}))
  if not text then return nil, err end
  text = text:gsub("[ \t]+\n", "\n"):gsub("\n\n\n\n+", "\n\n\n"):gsub("\n*$", "\n")
  return { { name = m.name .. "_torch.py", text = text } }
end

return M
