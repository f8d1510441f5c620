-- gen/q8.lua: the int8 backend. Reads the quantization file the trainer's
-- `quantize` command writes (runtime/quant.c), checks it against the model,
-- and gives the templates under templates/int8/ what they print.
--
-- q8.load(path, text, model) -> q or nil, "PATH[:LINE]: error: MESSAGE"
-- q8.build(model, q, path)  -> qm, the render model of NAME_q8.{h,c}
-- q8.render(qm, read_template) -> files or nil, err
--
-- A layer kind is a line in KINDS: its template renders the layer's forward
-- function; a kind with weights (dense, conv2d) has per-channel constants that
-- check_weights checks, the others keep their input's scale (check_pass).
-- The frame templates never name a kind.
-- Pure: no I/O.

local lit = require("gen.model").lit

local M = {}

M.FORMAT, M.VERSION = "constnet-q8", 1

-- per kind: the template of its forward function, and whether it has
-- weights (per output channel: a dense unit, a conv2d filter) or passes its
-- input's scale and zero point through
local KINDS = {
  dense     = { template = "int8/layers/dense.c.tpl", weights = true },
  conv2d    = { template = "int8/layers/conv2d.c.tpl", weights = true },
  maxpool2d = { template = "int8/layers/pool2d.c.tpl" },
  avgpool2d = { template = "int8/layers/pool2d.c.tpl" },
  flatten   = { template = "int8/layers/copy.c.tpl" },
  dropout   = { template = "int8/layers/copy.c.tpl" },
}
M.KINDS = KINDS

-- activations with an int8 form, and how the layer's output is computed:
-- through a table over z, or by saturating around the output zero point
local ACTIVATIONS = {
  sigmoid = "table", tanh = "table", relu = "saturate", identity = "saturate", softmax = "saturate",
}

local INT32_MIN, INT32_MAX = -2147483648, 2147483647

local function is_int(v, lo, hi)
  return math.type(v) == "integer" and v >= lo and v <= hi
end

-- every entry of t[1..n] an integer in lo..hi; nil or a message
local function check_ints(t, n, lo, hi, what)
  if type(t) ~= "table" then return what .. " is missing" end
  if #t ~= n then return string.format("%s has %d entries, expected %d", what, #t, n) end
  for k = 1, n do
    if not is_int(t[k], lo, hi) then
      return string.format("%s[%d] is %s, expected an integer from %d to %d", what, k, tostring(t[k]), lo, hi)
    end
  end
end

local function check_tensor(t, what)
  if type(t) ~= "table" then return what .. " is missing" end
  if type(t.scale) ~= "number" or not (t.scale > 0 and t.scale < math.huge) then
    return what .. ".scale must be a positive number"
  end
  if not is_int(t.zero_point, -128, 127) then return what .. ".zero_point must be an integer from -128 to 127" end
end

local function check_table(t, name, top)
  if type(t) ~= "table" then return string.format("a %s layer needs the %s table", name, name) end
  if not is_int(t.step_log2, 0, 16) then return name .. ".step_log2 must be an integer from 0 to 16" end
  if type(t.values) ~= "table" or #t.values < 1 or #t.values > 1024 then
    return name .. ".values must hold 1 to 1024 entries"
  end
  return check_ints(t.values, #t.values, name == "sigmoid" and 0 or -127, top, name .. ".values")
end

-- every entry of t[1..n] a positive finite number; nil or a message
local function check_scales(t, n, what)
  if type(t) ~= "table" then return what .. " is missing" end
  for k = 1, #t do
    if type(t[k]) ~= "number" or not (t[k] > 0 and t[k] < math.huge) then
      return string.format("%s[%d] is %s, expected a positive number", what, k, tostring(t[k]))
    end
  end
  if #t ~= n then return string.format("%s has %d entries, expected %d", what, #t, n) end
end

-- output channels and the weights of each: a dense unit, a conv2d filter
local function channels(L)
  if L.kind == "conv2d" then return L.O, L.C * L.KH * L.KW end
  return L.n_out, L.n_in
end

local function check_weights(Q, L, where)
  local n_ch, fan = channels(L)
  return check_scales(Q.w_scale, n_ch, where .. ".w_scale")
    or check_ints(Q.w, n_ch * fan, -127, 127, where .. ".w")
    or check_ints(Q.b, n_ch, INT32_MIN, INT32_MAX, where .. ".b")
    or check_ints(Q.mult, n_ch, 1 << 30, (1 << 31) - 1, where .. ".mult")
    or check_ints(Q.shift, n_ch, 1, 62, where .. ".shift")
end

-- a kind without weights keeps its input's scale and zero point
local function check_pass(Q, _, where)
  if Q.output.scale ~= Q.input.scale or Q.output.zero_point ~= Q.input.zero_point then
    return where .. ".output differs from its input: a " .. Q.kind .. " layer keeps its input's scale"
  end
end

local function validate(q, m)
  if type(q) ~= "table" then return "does not return a table" end
  if q.format ~= M.FORMAT then return string.format("format is %s, expected \"%s\"", tostring(q.format), M.FORMAT) end
  if q.version ~= M.VERSION then
    return string.format("version %s, this generator reads version %d", tostring(q.version), M.VERSION)
  end
  local fp = tonumber(m.fingerprint:sub(3, -2), 16)
  if q.name ~= m.name or q.fingerprint ~= fp then
    return string.format("quantized from %s (fingerprint 0x%08x), not from this spec's %s (%s); "
      .. "quantize the model of this spec", tostring(q.name), math.tointeger(q.fingerprint) or 0, m.name,
      m.fingerprint:sub(1, -2))
  end
  if type(q.layers) ~= "table" or #q.layers ~= #m.layers then
    return string.format("has %d layers, the spec %d", type(q.layers) == "table" and #q.layers or 0, #m.layers)
  end
  local prev_out
  for i, L in ipairs(m.layers) do
    local Q, where = q.layers[i], "layer " .. i
    if type(Q) ~= "table" then return where .. " is not a table" end
    local kind, act = L.kind or "dense", L.activation or "none"
    if Q.kind ~= kind or not KINDS[kind] then
      return string.format("%s: kind %s, the spec's is %s", where, tostring(Q.kind), kind)
    end
    if Q.n_in ~= L.n_in or Q.n_out ~= L.n_out or Q.activation ~= act then
      return string.format("%s: %s %s -> %s %s, the spec's is %d -> %d %s", where, tostring(Q.kind),
        tostring(Q.n_in), tostring(Q.n_out), tostring(Q.activation), L.n_in, L.n_out, act)
    end
    local weights = KINDS[kind].weights
    local how = weights and ACTIVATIONS[act] or "pass"
    if weights and not ACTIVATIONS[act] then
      return string.format("%s: activation %s has no int8 form (%s)", where, act,
        "sigmoid, tanh, relu, identity, softmax")
    end
    local e = check_tensor(Q.input, where .. ".input") or check_tensor(Q.output, where .. ".output")
      or (weights and check_weights or check_pass)(Q, L, where)
    if e then return e end
    if prev_out and (Q.input.zero_point ~= prev_out.zero_point or Q.input.scale ~= prev_out.scale) then
      return string.format("%s.input differs from layer %d's output", where, i - 1)
    end
    if how == "table" then
      e = check_table(q[L.activation], L.activation, L.activation == "sigmoid" and 255 or 127)
      if e then return e end
    end
    prev_out = Q.output
  end
end

function M.load(path, text, m)
  local chunk, err = load(text, "@" .. path, "t", {})
  if not chunk then
    local line, msg = tostring(err):match("^[^:]*:(%d+): (.*)$")
    return nil, string.format("%s:%s: error: %s", path, line or "1", msg or tostring(err))
  end
  local ok, q = pcall(chunk)
  if not ok then return nil, string.format("%s: error: %s", path, tostring(q)) end
  local e = validate(q, m)
  if e then return nil, string.format("%s: error: %s", path, e) end
  return q
end

-- "v, v, ..." in lines of per_line, each line after the first indented
local function list(t, first, n, per_line, indent)
  local lines = {}
  for k = first, first + n - 1, per_line do
    lines[#lines + 1] = table.concat(t, ", ", k, math.min(k + per_line - 1, first + n - 1))
  end
  return table.concat(lines, ",\n" .. indent)
end

local function round4(n) return (n + 3) // 4 * 4 end

local function dims_text(d) return table.concat(d, "x") end

-- "2 * i - 1": the input row (column) that output v reads at offset off
local function at(v, s, off)
  local e = (s == 1) and v or (s .. " * " .. v)
  if off > 0 then return e .. " + " .. off end
  if off < 0 then return e .. " - " .. -off end
  return e
end

-- { lo, hi }: C expressions for the window offsets k in [lo, hi) whose input
-- row s * i + k - p lies inside 0..n-1, for a window of kn
local function span_expr(i, s, p, n, kn)
  local si = (s == 1) and i or (s .. " * " .. i)
  local lo = p > 0 and string.format("%s < %d ? %d - %s : 0", si, p, p, si) or "0"
  local hi = string.format("%s > %d ? %d - %s : %d", si, n + p - kn, n + p, si, kn)
  return { lo = lo, hi = hi }
end

function M.build(m, q, qpath)
  local P = m.name .. "_q8"
  local qm = {
    net = m, name = P, NAME = P:upper(), qfile = qpath, layers = {}, tables = {},
    calibration = q.calibration or {},
  }
  local input = q.layers[1].input
  qm.in_scale, qm.in_zp = lit(input.scale, "double"), input.zero_point
  -- raw 8-bit pixels map to the input by q = pixel - 128 when the scale is 1/255
  qm.pixels = (input.zero_point == -128 and math.abs(input.scale * 255 - 1) < 1e-12)
  -- an image is int8_t v[C][H][W], as in the float code; a vector v[N]
  local function decl(d, const) return #d == 3 and string.format("[%d][%d][%d]", d[1], d[2], d[3]) or "[" .. const .. "]" end
  qm.in_decl = decl(m.layers[1].in_dims, qm.NAME .. "_IN")
  qm.in_flat = #m.layers[1].in_dims == 3 and "((int8_t *)(void *)x->v)" or "x->v"
  local prev_type, prev_const = P .. "_input", qm.NAME .. "_IN"
  local widest, params_bytes, acts_bytes = 0, 0, 0
  for i, L in ipairs(m.layers) do
    local Q = q.layers[i]
    local weights = KINDS[Q.kind].weights
    local QL = {
      index = i, id = "l" .. i, kind = Q.kind, first = (i == 1), last = L.last,
      n_in = L.n_in, n_out = L.n_out, activation = L.activation or "none",
      how = weights and ACTIVATIONS[L.activation] or "pass", has_params = weights,
      in_zp = Q.input.zero_point, out_zp = Q.output.zero_point,
      in_scale = lit(Q.input.scale, "double"), out_scale = lit(Q.output.scale, "double"),
      in_type = prev_type, in_const = prev_const,
      out_const = L.last and (qm.NAME .. "_OUT") or (qm.NAME .. "_L" .. i),
      out_type = L.last and (P .. "_output") or (P .. "_l" .. i .. "_act"),
      params_type = P .. "_l" .. i .. "_params",
      in_text = dims_text(L.in_dims), out_text = dims_text(L.out_dims),
    }
    QL.ref = L.last and "out" or QL.id
    QL.out_decl = decl(L.out_dims, QL.out_const)
    -- "x - zero_point" as C ("x + 128", "x - 3", "x"), and the range of that difference
    local zp = Q.input.zero_point
    QL.minus_zp = zp < 0 and (" + " .. -zp) or zp > 0 and (" - " .. zp) or ""
    QL.x_range = string.format("%d..%d", -128 - Q.input.zero_point, 127 - Q.input.zero_point)
    QL.in_ref = (i == 1) and "x" or ("&a->" .. qm.layers[i - 1].ref)
    QL.p_arg = weights and ("&p->" .. QL.id .. ", ") or ""
    local acc_n = 0
    if L.kind == "conv2d" or L.kind == "maxpool2d" or L.kind == "avgpool2d" then
      for _, k in ipairs({ "C", "H", "W", "OH", "OW", "KH", "KW", "SH", "SW" }) do QL[k] = L[k] end
    end
    if L.kind == "conv2d" then
      QL.PH, QL.PW = L.PH, L.PW
      QL.x_index = string.format("[c][%s + u%s][%s + v%s]", at("i", L.SH, 0), L.PH > 0 and " - " .. L.PH or "",
        at("j", L.SW, 0), L.PW > 0 and " - " .. L.PW or "")
    end
    if L.kind == "maxpool2d" or L.kind == "avgpool2d" then
      QL.area = L.KH * L.KW
      QL.win_at = string.format("[c][%s + u][%s + v]", at("i", L.SH, 0), at("j", L.SW, 0))
    end
    if weights then
      local n_ch, fan = channels(L)
      QL.n_ch = n_ch
      if L.kind == "dense" then
        -- the input row of a zero-valued input adds nothing: skip it, as the
        -- float code does for pixels and relu outputs
        QL.skip_zero = (i == 1) or m.layers[i - 1].out_often_zero
        QL.ch_const = QL.out_const
        QL.w_decl = string.format("w[%s][%s]", QL.in_const, QL.out_const)
        local rows = {}
        for r = 0, L.n_in - 1 do rows[#rows + 1] = "{" .. list(Q.w, r * L.n_out + 1, L.n_out, 32, "          ") .. "}" end
        QL.w_rows = rows
        acc_n = L.n_out
      else
        QL.O = L.O
        QL.ch_const = tostring(L.O)
        -- printed input-major, w[c][u][v][o] (the file's is w[o][c][u][v]), so
        -- the innermost loop runs over the filters, as a dense layer's does
        QL.w_decl = string.format("w[%d][%d][%d][%d]", L.C, L.KH, L.KW, L.O)
        local rows = {}
        for c = 0, L.C - 1 do
          local us = {}
          for u = 0, L.KH - 1 do
            local vs = {}
            for v = 0, L.KW - 1 do
              local os = {}
              for o = 0, L.O - 1 do os[#os + 1] = Q.w[((o * L.C + c) * L.KH + u) * L.KW + v + 1] end
              vs[#vs + 1] = "{" .. list(os, 1, L.O, 32, "           ") .. "}"
            end
            us[#us + 1] = "{" .. table.concat(vs, ",\n          ") .. "}"
          end
          rows[#rows + 1] = "{" .. table.concat(us, ",\n         ") .. "}"
        end
        QL.w_rows = rows
        -- the rows (columns) of the window inside the image at output row i (column j)
        QL.u_span = span_expr("i", L.SH, L.PH, L.H, L.KH)
        QL.v_span = span_expr("j", L.SW, L.PW, L.W, L.KW)
        acc_n = L.O
      end
      QL.b = list(Q.b, 1, n_ch, 8, "              ")
      QL.mult = list(Q.mult, 1, n_ch, 8, "                 ")
      QL.shift = list(Q.shift, 1, n_ch, 24, "                  ")
      local lo, hi = math.huge, 0
      for _, v in ipairs(Q.w_scale) do lo, hi = math.min(lo, v), math.max(hi, v) end
      QL.w_scale_range = string.format("%.3g to %.3g", lo, hi)
      QL.bytes = round4(8 * n_ch + n_ch * fan + n_ch)
      params_bytes = params_bytes + QL.bytes
    end
    acts_bytes = acts_bytes + L.n_out
    widest = math.max(widest, acc_n)
    qm.layers[i] = QL
    prev_type, prev_const = QL.out_type, QL.out_const
  end
  for _, a in ipairs({ "sigmoid", "tanh" }) do
    local t = q[a]
    local used = false
    for _, QL in ipairs(qm.layers) do used = used or QL.activation == a end
    if used then
      qm.tables[#qm.tables + 1] = {
        name = a, n = #t.values, step_log2 = t.step_log2, ctype = a == "sigmoid" and "uint8_t" or "int8_t",
        values = list(t.values, 1, #t.values, 16, "    "),
      }
    end
  end
  local table_bytes = 0
  for _, t in ipairs(qm.tables) do table_bytes = table_bytes + t.n end
  qm.n_in, qm.n_out = m.n_in, m.n_out
  qm.last = qm.layers[#qm.layers]
  qm.params_bytes, qm.acts_bytes, qm.table_bytes = params_bytes, acts_bytes, table_bytes
  qm.flash_bytes = params_bytes + table_bytes
  -- one predict: the input, every layer's output, the output copy, the
  -- accumulators of the widest layer
  qm.ram_bytes = m.n_in + acts_bytes + m.n_out + 4 * widest
  qm.widest = widest
  local sizes = { tostring(m.n_in) }
  for _, QL in ipairs(qm.layers) do sizes[#sizes + 1] = tostring(QL.n_out) end
  qm.sizes_list = table.concat(sizes, ", ")
  return qm
end

-- Render one template: gen/template.lua where the tree has it (strict: a nil
-- $(expr) is an error at the template's line), else Penlight's, as gen/emit.lua.
local has_template, template = pcall(require, "gen.template")
local function render_one(text, name, env)
  if has_template then
    local t, err = template.compile(text, "templates/" .. name)
    if not t then return nil, err end
    return t(env)
  end
  local pl = require("pl.template")
  local ct, cerr = pl.compile(text, { chunk_name = "@templates/" .. name, escape = "@" })
  if not ct then return nil, "templates/" .. name .. ": " .. tostring(cerr) end
  local out, rerr = ct:render(env, { ipairs = ipairs, string = string, math = math })
  if not out then return nil, "templates/" .. name .. ": " .. tostring(rerr) end
  return out
end

-- Render NAME_q8.h and NAME_q8.c. Each layer's forward comes from its kind's
-- template; the frame prints them in order.
function M.render(qm, read_template)
  for _, QL in ipairs(qm.layers) do
    local tpl = KINDS[QL.kind].template
    local code, err = render_one(read_template(tpl), tpl, { qm = qm, L = QL, ipairs = ipairs })
    if not code then return nil, err end
    QL.code = code
  end
  local files = {}
  for _, f in ipairs({ { "int8/net_q8.h.tpl", qm.name .. ".h" }, { "int8/net_q8.c.tpl", qm.name .. ".c" } }) do
    local text, err = render_one(read_template(f[1]), f[1], { qm = qm, m = qm.net, ipairs = ipairs })
    if not text then return nil, err end
    -- no trailing blanks, exactly one final newline
    files[#files + 1] = { name = f[2], text = (text:gsub("[ \t]+\n", "\n"):gsub("\n\n\n+", "\n\n"):gsub("\n*$", "\n")) }
  end
  return files
end

return M
