-- gen/emit.lua: render the templates with a model.
--
-- emit.render(model, read_template) -> { {name = "x.h", text = ...}, ... } or nil, err
--   read_template(name) returns the text of templates/<name>; the caller does
--   the I/O, so this module stays a pure function of its inputs.

local template = require("pl.template")
local model_mod = require("gen.model")

local M = {}

-- Terms of a sum, "first + t0 + t1 + ...", where each term is fmt with {i}
-- replaced by the index. Long sums wrap every four terms.
local function sum(first, n, fmt)
  local parts = { first }
  for i = 0, n - 1 do
    parts[#parts + 1] = (fmt:gsub("{i}", tostring(i)))
  end
  local out = {}
  for k = 1, #parts, 4 do
    out[#out + 1] = table.concat(parts, " + ", k, math.min(k + 3, #parts))
  end
  return table.concat(out, "\n        + ")
end

-- The activation applied to a C expression.
local function act(L, expr)
  local a = L.activation
  if a == "identity" then return expr end
  if a == "leaky_relu" then
    return string.format("%s_leaky_relu(%s, %s)", L.model_name, expr, L.slope)
  end
  return string.format("%s_%s(%s)", L.model_name, a, expr)
end

-- Spaces to line up continued parameters under the first, after "NAME(".
-- "x0 == 0 && x1 == 0 && ...": all of n numbered values are zero.
local function zero_test(name, n, zero)
  local parts = {}
  for r = 0, n - 1 do parts[#parts + 1] = string.format("%s%d == %s", name, r, zero) end
  return table.concat(parts, " && ")
end

local function pad(s) return string.rep(" ", #s + 1) end

local function render_one(text, name, env)
  local ct, cerr = template.compile(text, { chunk_name = "@templates/" .. name, escape = "@" })
  if not ct then return nil, "templates/" .. name .. ": " .. tostring(cerr) end
  local out, rerr = ct:render(env, _G)
  if not out then return nil, "templates/" .. name .. ": " .. tostring(rerr) end
  return out
end

function M.render(m, read_template)
  for _, L in ipairs(m.layers) do L.model_name = m.name end
  local env = { m = m, sum = sum, act = act, pad = pad, lit = model_mod.lit, zero_test = zero_test }

  local glue, gerr = render_one(read_template("runtime_glue.c.tpl"), "runtime_glue.c.tpl", env)
  if not glue then return nil, gerr end
  env.runtime_glue = glue

  local files = {}
  for _, spec in ipairs({ { "net.h.tpl", m.name .. ".h" }, { "net.c.tpl", m.name .. ".c" } }) do
    local text, err = render_one(read_template(spec[1]), spec[1], env)
    if not text then return nil, err end
    -- no trailing blanks, exactly one final newline
    text = text:gsub("[ \t]+\n", "\n"):gsub("\n\n\n+", "\n\n"):gsub("\n*$", "\n")
    files[#files + 1] = { name = spec[2], text = text }
  end
  return files
end

return M
