-- gen/emit.lua: render the templates with a model.
--
-- emit.render(model, read_template) -> { {name = "x.h", text = ...}, ... } or nil, err
--   read_template(name) returns the text of templates/<name>; the caller does
--   the I/O, so this module stays a pure function of its inputs.

local template = require("gen.template")
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

-- Nested loops over every element of tensor t (its idx names, its bounds),
-- around body: one statement or a list of them, indented under indent; the
-- first loop runs from lo to hi (C expressions) where they are given.
local function loops(t, indent, body, lo, hi)
  if type(body) == "string" then body = { body } end
  local out = {}
  local ind = indent
  for k, v in ipairs(t.idx) do
    local last = (k == #t.idx)
    out[#out + 1] = string.format("%sfor (int %s = %s; %s < %s; ++%s)%s", ind, v, (k == 1 and lo) or "0", v,
      (k == 1 and hi) or tostring(t.bounds[k]), v,
      (last and #body > 1) and " {" or "")
    ind = ind .. "    "
  end
  for _, line in ipairs(body) do out[#out + 1] = ind .. line end
  if #body > 1 then out[#out + 1] = ind:sub(5) .. "}" end
  return table.concat(out, "\n")
end

-- "[A][B]" from a list of dimensions
local brackets = require("gen.layers.common").brackets

-- The fields of a layer's parameter tensors, "T w[A][B]; T b[B];", each
-- name prefixed (optimizer slots: "v_"), joined by sep (default " ").
local function tensor_fields(L, prefix, sep)
  local out = {}
  for _, t in ipairs(L.tensors) do
    out[#out + 1] = string.format("%s %s%s%s;", L.real_type, prefix, t.name, t.decl)
  end
  return table.concat(out, sep or " ")
end

-- The tables a template reads raise on a missing field while it renders.
local function with_strict(m, fn)
  template.strict(m)
  for _, L in ipairs(m.layers) do template.strict(L) end
  local a, b = fn()
  template.unstrict(m)
  for _, L in ipairs(m.layers) do template.unstrict(L) end
  return a, b
end

local compiled = {}
local function render_one(read_template, name, env)
  local ct = compiled[name]
  if not ct then
    local cerr
    ct, cerr = template.compile(read_template(name), "templates/" .. name)
    if not ct then return nil, cerr end
    compiled[name] = ct
  end
  return ct(env)
end

local function tidy(text)
  -- no trailing blanks, exactly one final newline
  return (text:gsub("[ \t]+\n", "\n"):gsub("\n\n\n+", "\n\n"):gsub("\n*$", "\n"))
end

function M.render(m, read_template)
  return with_strict(m, function()
    local env = { m = m, sum = sum, act = act, pad = pad, lit = model_mod.lit, zero_test = zero_test,
                  loops = loops, brackets = brackets, tensor_fields = tensor_fields }
    -- each layer's passes, from its kind's template
    local layer_code = {}
    for _, L in ipairs(m.layers) do
      env.L, env.P = L, L.grad_prev
      local text, err = render_one(read_template, L.template, env)
      if not text then return nil, err end
      layer_code[L.index] = (text:gsub("\n+$", ""))
    end
    env.L, env.P = nil, nil
    env.layer_code = layer_code

    local glue, gerr = render_one(read_template, "runtime_glue.c.tpl", env)
    if not glue then return nil, gerr end
    env.runtime_glue = glue

    local files = {}
    for _, spec in ipairs({ { "net.h.tpl", m.name .. ".h" }, { "net.c.tpl", m.name .. ".c" } }) do
      local text, err = render_one(read_template, spec[1], env)
      if not text then return nil, err end
      files[#files + 1] = { name = spec[2], text = tidy(text) }
    end
    return files
  end)
end

return M
