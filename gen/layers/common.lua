-- gen/layers/common.lua: what several kinds share: activation, init and
-- unroll keys, the init bounds, and shapes. Pure functions, no C.
local M = {}

M.ACTIVATIONS = { "sigmoid", "tanh", "relu", "leaky_relu", "identity", "softmax" }
M.INITS = { "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "uniform", "zeros" }
M.UNROLLS = { "auto", "full", "loops" }

-- activation (required), into S.activation
function M.check_activation(lf, S, what, line, V)
  if lf.activation == nil then
    V.err(line, "%s: missing activation (known: %s)", what, table.concat(M.ACTIVATIONS, ", "))
  else
    S.activation = V.enum(lf.activation, M.ACTIVATIONS, what .. ": unknown activation", line)
  end
end

-- slope = N for leaky_relu, into S.slope (after check_activation)
function M.check_slope(lf, S, what, line, V)
  if lf.slope ~= nil then
    if S.activation ~= "leaky_relu" then
      V.err(line, "%s: slope applies only to activation 'leaky_relu'", what)
    elseif type(lf.slope) ~= "number" or not (lf.slope > 0 and lf.slope < 1) then
      V.err(line, "%s: slope must be a number between 0 and 1, got %s", what, V.show(lf.slope))
    else
      S.slope = lf.slope
    end
  end
  if S.activation == "leaky_relu" and S.slope == nil then S.slope = 0.01 end
end

-- init = "name" or { "uniform", LOW, HIGH }, into S.init (+ S.init_low, S.init_high)
function M.check_init(lf, S, what, line, V)
  if type(lf.init) ~= "table" then
    S.init = V.enum(lf.init, M.INITS, what .. ": unknown init", line)
  end
  if lf.init == "uniform" then
    V.err(line, "%s: init 'uniform' needs bounds; write init = { \"uniform\", -0.05, 0.05 }", what)
  end
  if type(lf.init) == "table" then
    local kind, a, b = lf.init[1], lf.init[2], lf.init[3]
    local extra = false
    for _, k in ipairs(V.sorted_keys(lf.init)) do
      if math.type(k) ~= "integer" or k < 1 or k > 3 then extra = true end
    end
    if kind ~= "uniform" or type(a) ~= "number" or type(b) ~= "number" or not (a < b)
       or extra or a ~= a or b ~= b or a == -math.huge or b == math.huge then
      V.err(line, "%s: init table must be { \"uniform\", LOW, HIGH } with LOW < HIGH", what)
    else
      S.init, S.init_low, S.init_high = "uniform", a, b
    end
  end
end

-- The init of a weight tensor with fan_in inputs and fan_out outputs per
-- unit: { kind = "uniform"|"normal"|"zeros", low, high | std, name }.
function M.init_of(S, fan_in, fan_out)
  local init = S.init
  if init == nil then
    init = (S.activation == "relu" or S.activation == "leaky_relu") and "he_uniform" or "glorot_uniform"
  end
  local I = { name = init, kind = "uniform", low = false, high = false, std = false }
  if init == "glorot_uniform" then
    I.high = math.sqrt(6 / (fan_in + fan_out))
    I.low = -I.high
  elseif init == "he_uniform" then
    I.high = math.sqrt(6 / fan_in)
    I.low = -I.high
  elseif init == "uniform" then
    I.low, I.high = S.init_low, S.init_high
  elseif init == "glorot_normal" then
    I.kind, I.std = "normal", math.sqrt(2 / (fan_in + fan_out))
  elseif init == "he_normal" then
    I.kind, I.std = "normal", math.sqrt(2 / fan_in)
  else
    I.kind = "zeros"
  end
  return I
end

-- Shapes are lists of dimensions: { n } or { c, h, w }.
function M.count(dims)
  local n = 1
  for _, d in ipairs(dims) do n = n * d end
  return n
end

function M.text(dims)
  local t = {}
  for i, d in ipairs(dims) do t[i] = tostring(d) end
  return table.concat(t, "x")
end

-- "[A][B]" for C declarations, from a list of constants or numbers
function M.brackets(list)
  local t = {}
  for i, d in ipairs(list) do t[i] = "[" .. tostring(d) .. "]" end
  return table.concat(t)
end

-- A size written as n or { a, b }: two positive integers, or nil and a message.
function M.pair(v, what, V, line, lo)
  lo = lo or 1
  local a, b
  if type(v) == "table" then
    a, b = v[1], v[2]
    for _, k in ipairs(V.sorted_keys(v)) do
      if math.type(k) ~= "integer" or k < 1 or k > 2 then a = nil end
    end
  else
    a, b = v, v
  end
  local function ok(x) return math.type(x) == "integer" and x >= lo and x <= 4096 end
  if not (ok(a) and ok(b)) then
    V.err(line, "%s must be an integer from %d to 4096 or a pair { H, W } of them, got %s",
      what, lo, V.show(v))
    return nil
  end
  return { a, b }
end

return M
