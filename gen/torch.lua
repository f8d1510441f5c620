-- gen/torch.lua: the PyTorch backend.
--
-- torch.render(model, read_template) -> { {name = "NAME_torch.py", text = ...} } or nil, err
--
-- Prints the model gen/model.lua built for the C as a torch.nn.Module: the frame is
-- templates/torch/net.py.tpl, and each layer kind prints its own parts from
-- templates/torch/layers/KIND.py.tpl (see KINDS), so the frame never names a kind.
-- Pure, like gen/emit.lua: the caller reads templates and writes files.

local model_mod = require("gen.model")

local M = {}

-- One line per layer kind: the template that prints its parts. A kind template is
-- rendered once per layer and part, with L (the layer) and part, one of
--   "new"        constructor lines in Net.__init__ (8 spaces in)
--   "expr"       the layer applied to x, an expression (before the activation)
--   "to_flat"    lines of to_flat: append the layer's tensors in model-file layout
--   "from_flat"  lines of from_flat: read them back
-- The frame draws the initial weights itself, tensor by tensor in the C's order
-- (tensors_of), and hands them to from_flat.
M.KINDS = {
  dense = "torch/layers/dense.py.tpl",
  conv2d = "torch/layers/conv2d.py.tpl",
  maxpool2d = "torch/layers/pool2d.py.tpl",
  avgpool2d = "torch/layers/pool2d.py.tpl",
  flatten = "torch/layers/flatten.py.tpl",
  dropout = "torch/layers/dropout.py.tpl",
}

-- The activation applied to a Python expression.
local ACT = {
  sigmoid = "torch.sigmoid(%s)", tanh = "torch.tanh(%s)", relu = "torch.relu(%s)",
  identity = "%s", softmax = "torch.softmax(%s, dim=1)",
}

-- A layer's parameter tensors in the C's order, each with its element count and
-- init, as the layer-kind modules give them in L.tensors.
local function tensors_of(L) return L.tensors end

-- A Python string literal.
local function pystr(s)
  return '"' .. s:gsub('[%c"\\\127]', function(c) return string.format("\\x%02x", c:byte()) end) .. '"'
end

local function pylit(x) return model_mod.lit(x, "double") end

local template = require("gen.template")
local function render_one(text, name, env)
  local t, err = template.compile(text, "templates/" .. name)
  if not t then return nil, err end
  return t(env)
end

function M.render(m, read_template)
  local base = {
    m = m, pystr = pystr, lit = pylit, ipairs = ipairs, tensors_of = tensors_of,
    -- a comment stays one line whatever the spec path holds
    spec_shown = m.spec_path:gsub("%c", function(c) return string.format("\\x%02x", c:byte()) end),
    fingerprint_hex = m.fingerprint:gsub("u$", ""),
    dtype = (m.T == "float") and "torch.float32" or "torch.float64",
  }
  base.act = function(L, expr) -- (a kind without an activation has false)
    if not L.activation then return expr end
    if L.activation == "leaky_relu" then
      -- L.slope is the C literal ("0.01f" for float)
      return string.format("nn.functional.leaky_relu(%s, %s)", expr, pylit(tonumber((L.slope:gsub("f$", "")))))
    end
    return (ACT[L.activation]:gsub("%%s", function() return expr end))
  end
  local function env_with(extra)
    local env = {}
    for k, v in pairs(base) do env[k] = v end
    for k, v in pairs(extra) do env[k] = v end
    return env
  end
  base.layer = function(L, part)
    local name = M.KINDS[L.kind]
    if not name then
      error(string.format("--torch: layer kind '%s' has no PyTorch template yet (templates/torch/layers/)", L.kind), 0)
    end
    local out, err = render_one(read_template(name), name, env_with({ L = L, part = part }))
    if not out then error(err, 0) end
    return (out:gsub("\n+$", ""))
  end
  local text, err = render_one(read_template("torch/net.py.tpl"), "torch/net.py.tpl", env_with({}))
  if not text then return nil, err end
  text = text:gsub("[ \t]+\n", "\n"):gsub("\n\n\n\n+", "\n\n\n"):gsub("\n*$", "\n")
  return { { name = m.name .. "_torch.py", text = text } }
end

return M
