-- gen/spec.lua: load a network spec in a sandbox and validate every field.
--
-- spec.load(path, source) -> spec, problems
--   spec      a plain table (nil when the spec could not run at all)
--   problems  a list of { line = N, level = "error"|"warning", msg = "..." },
--             sorted by line; the spec is usable only when it holds no error.
--
-- This module touches no file: the caller passes the source text in.

local layers = require("gen.layers")
local common = require("gen.layers.common")

local M = {}

-- The vocabulary. Each list is the single source of truth for its key set:
-- docs and tests read these lists (see M.vocabulary).
M.ACTIVATIONS = common.ACTIVATIONS
M.LOSSES = { "squared_error", "cross_entropy", "binary_cross_entropy" }
M.INITS = common.INITS
M.OPTIMIZERS = { "sgd", "momentum", "nesterov", "adam" }
M.SCHEDULES = { "constant", "step", "cosine" }
M.DTYPES = { "float", "double" }
M.UNROLLS = common.UNROLLS
M.NORMALIZES = { "none", "standardize", "minmax" }

-- Keys of each table, in the order the README documents them.
M.NETWORK_KEYS = { "input", "loss", "dtype", "unroll", "train", "budget" }
M.INPUT_KEYS = { "normalize" }
M.BUDGET_KEYS = { "flash", "ram", "inference", "training" }
M.TRAIN_KEYS = { "optimizer", "rate", "batch", "epochs", "seed", "momentum", "beta1", "beta2",
                 "epsilon", "weight_decay", "schedule", "step_size", "gamma", "min_rate",
                 "validation", "augment", "threads" }
M.AUGMENT_KEYS = { "shift" }
-- Each layer kind's keys: layers[kind].keys (the README documents them).
M.LAYER_KINDS = layers.ORDER
M.DENSE_KEYS = layers.dense.keys -- kept for tests/prop/random_spec.lua

-- Limits that keep a typo like 1e9 from turning into a 4 GB struct.
M.MAX_UNITS = 1 << 20
M.MAX_PARAMS = 1 << 28
-- Numbers that become C literals: nonzero ones at least this large in
-- magnitude (float's smallest normal is about 1.2e-38), rates at most the
-- trainer's --rate limit, init bounds at most MAX_INIT.
M.MIN_LITERAL = 1e-30
M.MAX_RATE = 1e6
M.MAX_INIT = 1e6

local function list_has(list, v)
  for _, x in ipairs(list) do if x == v then return true end end
  return false
end

-- Levenshtein distance, for "did you mean" hints.
local function distance(a, b)
  local prev = {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = { [0] = i }
    for j = 1, #b do
      local cost = (a:sub(i, i) == b:sub(j, j)) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[#b]
end

local function suggest(word, known)
  if type(word) ~= "string" then return "" end
  local best, bestd = nil, 3
  for _, k in ipairs(known) do
    local d = distance(word, k)
    if d < bestd then best, bestd = k, d end
  end
  return best and (", did you mean '" .. best .. "'?") or ""
end

local function show(v)
  if type(v) == "string" then
    -- control characters shown escaped, so a message stays one line
    return "'" .. v:gsub("%c", function(c) return string.format("\\%d", c:byte()) end) .. "'"
  end
  if type(v) ~= "number" then return "a " .. type(v) end
  if math.type(v) == "float" then return string.format("%.17g", v) end
  return tostring(v)
end

-- Names a network cannot have: its NAME.h would shadow a runtime header
-- (out/NAME is on the trainer's include path) or a standard C header, NAME.c
-- and the trainer a file of the runtime, or its rules the Makefile's.
M.RESERVED_NAMES = {
  "atomic", "ckpt", "cli", "err", "export", "idx", "image", "main", "model", "rng", "train",
  "assert", "complex", "ctype", "errno", "fenv", "float", "inttypes", "iso646", "limits", "locale",
  "math", "setjmp", "signal", "stdalign", "stdarg", "stdatomic", "stdbool", "stddef", "stdint",
  "stdio", "stdlib", "stdnoreturn", "string", "tgmath", "threads", "time", "uchar", "wchar",
  "wctype", "check", "png", "zlib", "runtime", "tests", "gen", "out",
}

-- Why name cannot name a network, or nil.
function M.name_problem(name)
  for _, r in ipairs(M.RESERVED_NAMES) do
    if name == r then
      return string.format("name '%s' is reserved: %s.h and %s.c would clash with the runtime's or "
        .. "the C library's files of that name", name, name, name)
    end
  end
  return nil
end

-- The line on which `key =` first appears at or after `from`, so that an error
-- about a plain-table field can point at the field itself.
local function key_line(lines, key, from, default)
  if type(key) ~= "string" then return default end
  local pat = "%f[%w_]" .. key:gsub("%p", "%%%0") .. "%s*="
  for i = from or 1, #lines do
    local code = lines[i]:gsub("%-%-.*$", "")
    if code:find(pat) then return i end
  end
  return default
end

local sandbox = require("gen.sandbox")

function M.load(path, source)
  local problems = {}
  local lines = {}
  for l in (source .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = l end

  local function problem(level, line, fmt, ...)
    -- control characters (a newline in a key or a name) are escaped here, once
    -- for every message, so that each problem stays one line
    local msg = string.format(fmt, ...):gsub("%c", function(c) return string.format("\\%d", c:byte()) end)
    problems[#problems + 1] = { level = level, line = line or 1, msg = msg, seq = #problems }
  end
  local function err(line, fmt, ...) problem("error", line, fmt, ...) end

  -- Constructors record the spec line that called them.
  local function caller_line()
    local info = debug.getinfo(3, "Sl")
    return info and info.currentline or 1
  end

  local net_calls = 0
  local env = {}
  for _, kind in ipairs(layers.ORDER) do
    local usage = layers[kind].usage
    env[kind] = function(t)
      local line = caller_line()
      if type(t) ~= "table" then
        error(string.format("%s: expected a table like %s, got %s", kind, usage, type(t)), 2)
      end
      return { kind = kind, line = line, fields = t }
    end
  end
  env.network = function(name)
    local line = caller_line()
    net_calls = net_calls + 1
    if type(name) ~= "string" then
      error("network: expected a name, as in network \"mnist\" { ... }", 2)
    end
    return function(t)
      if type(t) ~= "table" then
        error(string.format("network \"%s\": expected a table of fields", name), 2)
      end
      return { kind = "network", line = line, name = name, fields = t }
    end
  end
  local known_names = {}
  for _, kind in ipairs(layers.ORDER) do known_names[#known_names + 1] = kind end
  known_names[#known_names + 1] = "network"
  setmetatable(env, {
    __index = function(_, k)
      error(string.format("unknown name '%s' (a spec can use: %s)%s", tostring(k),
        table.concat(known_names, ", "), suggest(k, known_names)), 2)
    end,
    __newindex = function(_, k)
      error(string.format("a spec cannot set global '%s'; use local", tostring(k)), 2)
    end,
  })

  -- Run the spec. Syntax and runtime errors come back as "path:line: msg".
  -- gen/sandbox.lua bounds its steps, time and memory.
  local chunk, lerr = load(source, "@" .. path, "t", env)
  local ok, result
  if chunk then
    ok, result = sandbox.run(chunk)
    if not ok then lerr = result end
  end
  if not chunk or not ok then
    local line, text = M.error_position(path, source, tostring(lerr))
    err(line, "%s", text)
    return nil, M.sorted(problems)
  end
  local big = sandbox.check_value(result)
  if big then
    err(type(result) == "table" and math.type(rawget(result, "line")) == "integer" and result.line or 1, "%s", big)
    return nil, M.sorted(problems)
  end
  -- only what network "NAME" { ... } makes: a table of another shape is the
  -- spec's error, not the generator's
  if type(result) ~= "table" or result.kind ~= "network" or type(result.name) ~= "string"
     or type(result.fields) ~= "table" or math.type(result.line) ~= "integer" then
    err(1, "a spec must return its network: return network \"NAME\" { ... }")
    return nil, M.sorted(problems)
  end

  local nline = result.line
  local f = result.fields
  local spec = { name = result.name, line = nline, layers = {} }

  -- Network name: it prefixes every C identifier.
  if not result.name:match("^[%a_][%w_]*$") or #result.name > 32 then
    err(nline, "network: name '%s' must be a C identifier of at most 32 characters", result.name)
  elseif M.name_problem(result.name) then
    err(nline, "network: %s", M.name_problem(result.name))
  end

  -- Keys of t in a stable order (pairs order is not deterministic).
  local function sorted_keys(t)
    local keys = {}
    for k in pairs(t) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b)
      if type(a) ~= type(b) then return type(a) < type(b) end
      if type(a) == "number" or type(a) == "string" then return a < b end
      return tostring(a) < tostring(b)
    end)
    return keys
  end

  local function check_keys(t, known, what, line, search_from)
    for _, k in ipairs(sorted_keys(t)) do
      if math.type(k) ~= "integer" and not list_has(known, k) then
        local kl = key_line(lines, k, search_from, line)
        err(kl, "%s: unknown key '%s' (known: %s)%s", what, tostring(k),
          table.concat(known, ", "), suggest(k, known))
      end
    end
  end

  local function check_size(v, what, line)
    if v == nil then return nil end
    if type(v) ~= "number" then
      err(line, "%s must be a positive integer, got %s %s", what, type(v), show(v))
    elseif v ~= v or v < 1 or v ~= math.floor(v) or v == math.huge then
      err(line, "%s must be a positive integer, got %s", what, show(v))
    elseif v > M.MAX_UNITS then
      err(line, "%s is %s, more than the limit of %d", what, show(v), M.MAX_UNITS)
    else
      return math.tointeger(v)
    end
    return nil
  end

  local function check_enum(v, list, what, line, default)
    if v == nil then return default end
    if not list_has(list, v) then
      err(line, "%s %s (known: %s)%s", what, show(v), table.concat(list, ", "), suggest(v, list))
      return default
    end
    return v
  end

  check_keys(f, M.NETWORK_KEYS, "network", nline, nline)

  -- input = N (a flat vector), { C, H, W } (channels, height, width), and in
  -- the table form normalize = "standardize" | "minmax": sets spec.input_dims,
  -- spec.input (the flat size) and spec.normalize ("none" unless given)
  local function check_input(v)
    spec.normalize = "none"
    local line = key_line(lines, "input", nline, nline)
    if v == nil then
      err(nline, "network: missing input size, as in input = 784 or input = { 1, 28, 28 }")
      return
    end
    if type(v) ~= "table" then
      local n_in = check_size(v, "network: input", line)
      if n_in then spec.input_dims = { n_in } end
      return
    end
    check_keys(v, M.INPUT_KEYS, "input", line, line)
    local bad = false
    for _, k in ipairs(sorted_keys(v)) do
      if math.type(k) == "integer" and (k < 1 or k > 3 or v[k] == nil) then bad = true end
    end
    if v[1] == nil then
      err(line, "input: missing size, as in input = { 13, normalize = \"standardize\" }")
    elseif bad or (#v ~= 1 and #v ~= 3) then
      err(line, "network: input must be a size N or { C, H, W } (channels, height, width), got %d dimensions", #v)
    else
      local dims = {}
      for k = 1, #v do
        dims[k] = check_size(v[k], #v == 1 and "input: size" or ("input: dimension " .. k), line)
      end
      if #dims == #v then spec.input_dims = dims end
    end
    spec.normalize = check_enum(v.normalize, M.NORMALIZES, "input: unknown normalize",
      key_line(lines, "normalize", line, line), "none")
  end
  check_input(f.input)
  if spec.input_dims then spec.input = common.count(spec.input_dims) end

  spec.dtype = check_enum(f.dtype, M.DTYPES, "network: unknown dtype",
    key_line(lines, "dtype", nline, nline), "float")
  spec.unroll = check_enum(f.unroll, M.UNROLLS, "network: unknown unroll",
    key_line(lines, "unroll", nline, nline), "auto")

  -- layers: the array part, in order. Each kind checks its own keys.
  local V = {
    err = err, size = check_size, show = show, sorted_keys = sorted_keys,
    enum = function(v, list, what, line, default) return check_enum(v, list, what, line, default) end,
    positional = function(t, what, line, max, hint)
      for _, k in ipairs(sorted_keys(t)) do
        if math.type(k) == "integer" and (k < 1 or k > max) then
          err(line, "%s: unexpected value %s at position %d; %s", what, show(t[k]), k, hint)
        end
      end
    end,
  }
  local n = 0
  local dims = spec.input_dims
  for i, layer in ipairs(f) do
    n = i
    local K = type(layer) == "table" and layers[layer.kind]
    if type(layer) ~= "table" or not K or type(layer.fields) ~= "table" or math.type(layer.line) ~= "integer" then
      err(nline, "network: entry %d is not a layer; write one of: %s", i,
        table.concat(layers.ORDER, " { ... }, ") .. " { ... }")
      dims = nil
    else
      local lf, ll = layer.fields, layer.line
      check_keys(lf, K.keys, layer.kind, ll, ll)
      local L = K.check(lf, ll, V)
      L.kind, L.line = layer.kind, ll
      if dims and not M.has_error_at(problems, ll) then
        L.in_dims = dims
        dims = K.output(L, dims, V, ll)
        L.out_dims = dims
      else
        dims = nil
      end
      spec.layers[i] = L
    end
  end
  if n == 0 then
    err(nline, "network: no layers; add at least one dense { N, activation = \"...\" }")
  end
  for _, k in ipairs(sorted_keys(f)) do
    if math.type(k) == "integer" and (k < 1 or k > n) then
      err(nline, "network: layer list has a hole at position %d (a nil entry?)", n + 1)
      break
    end
  end
  local lastL = spec.layers[n]
  if lastL and lastL.kind ~= "dense" then
    err(lastL.line, "%s: the last layer must be dense, since it computes the outputs the loss compares",
      lastL.kind)
  end

  -- loss
  if f.loss == nil then
    err(nline, "network: missing loss (known: %s)", table.concat(M.LOSSES, ", "))
  else
    spec.loss = check_enum(f.loss, M.LOSSES, "network: unknown loss",
      key_line(lines, "loss", nline, nline))
  end

  -- budget = { inference = "64 KiB", training = "2 MiB" }
  spec.budget = {}
  if f.budget ~= nil then
    local bline = key_line(lines, "budget", nline, nline)
    spec.budget_line = bline
    if type(f.budget) ~= "table" then
      err(bline, "network: budget must be a table, as in budget = { inference = \"64 KiB\" }")
    else
      check_keys(f.budget, M.BUDGET_KEYS, "budget", bline, bline)
      local units = { B = 1, KiB = 1024, MiB = 1024 ^ 2, GiB = 1024 ^ 3, kB = 1000, KB = 1000,
                      MB = 1000 ^ 2, GB = 1000 ^ 3 }
      for _, k in ipairs(M.BUDGET_KEYS) do
        local v = f.budget[k]
        if v ~= nil then
          local bytes
          if math.type(v) == "integer" then
            bytes = v
          elseif type(v) == "string" then
            local num, unit = v:match("^%s*(%d+%.?%d*)%s*(%a*)%s*$")
            if num and (unit == "" or units[unit]) then
              bytes = math.floor(tonumber(num) * (units[unit] or 1))
            end
          end
          if not bytes or bytes < 1 then
            err(key_line(lines, k, bline, bline),
              "budget: %s must be a size such as 65536 or \"64 KiB\" (units: B, KiB, MiB, GiB, kB, MB, GB), got %s",
              k, show(v))
          else
            spec.budget[k] = { bytes = bytes, text = type(v) == "string" and v or (v .. " B"),
                               line = key_line(lines, k, bline, bline) }
          end
        end
      end
    end
  end

  -- train
  local tr = f.train
  local tline = key_line(lines, "train", nline, nline)
  spec.train_line = tline
  if tr ~= nil and type(tr) ~= "table" then
    err(tline, "network: train must be a table, as in train = { rate = 0.1, epochs = 3 }")
    tr = nil
  end
  tr = tr or {}
  check_keys(tr, M.TRAIN_KEYS, "train", tline, tline)
  for _, k in ipairs(sorted_keys(tr)) do
    if math.type(k) == "integer" then
      err(tline, "train: unexpected value %s without a key", show(tr[k]))
    end
  end
  local T = {}
  spec.train = T
  local function tl(k) return key_line(lines, k, tline, tline) end
  local function number(k, default, lo, hi, what)
    local v = tr[k]
    if v == nil then return default end
    if type(v) ~= "number" or v ~= v or v == math.huge or v == -math.huge then
      err(tl(k), "train: %s must be a number, got %s", k, show(v))
      return default
    end
    if (lo and v < lo) or (hi and v > hi) then
      err(tl(k), "train: %s must be %s, got %s", k, what, show(v))
      return default
    end
    return v
  end
  local function integer(k, default, lo, hi)
    local v = tr[k]
    if v == nil then return default end
    if math.type(v) == nil or v ~= math.floor(v) or v < lo or v > hi then
      err(tl(k), "train: %s must be an integer from %d to %d, got %s", k, lo, hi, show(v))
      return default
    end
    return math.tointeger(v)
  end
  T.optimizer = check_enum(tr.optimizer, M.OPTIMIZERS, "train: unknown optimizer",
    tl("optimizer"), "sgd")
  if tr.rate ~= nil and type(tr.rate) == "number" and not (tr.rate > 0) then
    err(tl("rate"), "train: rate must be positive, got %s", show(tr.rate))
    T.rate = 0.01
  else
    T.rate = number("rate", 0.01, nil, nil, "")
  end
  T.batch = integer("batch", 1, 1, 65536)
  T.epochs = integer("epochs", 1, 1, 1000000)
  -- threads split each batch (the trainer's --threads overrides); any count
  -- gives the same bits
  T.threads = integer("threads", 1, 1, 256)
  if T.threads > 1 and T.batch == 1 then
    err(tl("threads"), "train: threads = %d needs batch > 1: threads split each batch", T.threads)
  end
  T.seed = integer("seed", 1, 0, math.maxinteger)
  T.momentum = number("momentum", 0.9, 0, 0.999999, "in [0, 1)")
  T.beta1 = number("beta1", 0.9, 0, 0.999999, "in [0, 1)")
  T.beta2 = number("beta2", 0.999, 0, 0.999999999, "in [0, 1)")
  T.epsilon = number("epsilon", 1e-8, 1e-30, 1, "in (0, 1]")
  T.weight_decay = number("weight_decay", 0, 0, 1, "in [0, 1]")
  T.schedule = check_enum(tr.schedule, M.SCHEDULES, "train: unknown schedule", tl("schedule"),
    "constant")
  T.step_size = integer("step_size", 1, 1, 1000000)
  T.gamma = number("gamma", 0.1, 0, 1, "in [0, 1]")
  T.min_rate = number("min_rate", 0, 0, nil, "non-negative")
  T.validation = number("validation", 0, 0, 0.9, "a fraction in [0, 0.9]")
  -- augment = { shift = N }: random shifts of image inputs by up to N pixels
  T.augment_shift = 0
  if tr.augment ~= nil then
    local al = tl("augment")
    if type(tr.augment) ~= "table" then
      err(al, "train: augment must be a table, as in augment = { shift = 2 }")
    else
      check_keys(tr.augment, M.AUGMENT_KEYS, "augment", al, al)
      local sh = tr.augment.shift
      if sh ~= nil then
        local dims = spec.input_dims
        if math.type(sh) ~= "integer" or sh < 0 or sh > 8 then
          err(al, "augment: shift must be an integer from 0 to 8 pixels, got %s", show(sh))
        elseif dims and #dims ~= 3 then
          err(al, "augment: shift needs an image input, input = { C, H, W }; this input is flat (%d)",
            dims[1])
        elseif dims and (sh >= dims[2] or sh >= dims[3]) then
          err(al, "augment: a shift of %d does not fit the %dx%d input", sh, dims[2], dims[3])
        else
          T.augment_shift = math.tointeger(sh)
        end
      end
    end
  end
  if tr.momentum ~= nil and T.optimizer ~= "momentum" and T.optimizer ~= "nesterov" then
    err(tl("momentum"), "train: momentum applies only to optimizer 'momentum' or 'nesterov'")
  end
  for _, k in ipairs({ "beta1", "beta2", "epsilon" }) do
    if tr[k] ~= nil and T.optimizer ~= "adam" then
      err(tl(k), "train: %s applies only to optimizer 'adam'", k)
    end
  end
  for _, k in ipairs({ "step_size", "gamma" }) do
    if tr[k] ~= nil and T.schedule ~= "step" then
      err(tl(k), "train: %s applies only to schedule 'step'", k)
    end
  end
  if tr.min_rate ~= nil and T.schedule ~= "cosine" then
    err(tl("min_rate"), "train: min_rate applies only to schedule 'cosine'")
  end

  -- Combinations that make no sense.
  local last = spec.layers[n]
  for i, L in ipairs(spec.layers) do
    if L.activation == "softmax" and i ~= n then
      err(L.line, "%s: softmax is allowed only on the last layer (this is layer %d of %d)", L.kind, i, n)
    elseif L.activation == "softmax" and L.units == 1 then
      err(L.line, L.kind .. ": softmax over 1 unit is always 1 and learns nothing; use sigmoid")
    end
  end
  if last and last.activation and spec.loss then
    if spec.loss == "cross_entropy" and last.activation ~= "softmax" then
      err(key_line(lines, "loss", nline, nline),
        "network: loss 'cross_entropy' needs a softmax output layer, the last layer is '%s'%s",
        last.activation, last.activation == "sigmoid"
          and " (for sigmoid outputs use 'binary_cross_entropy')" or "")
    elseif spec.loss == "binary_cross_entropy" and last.activation ~= "sigmoid" then
      err(key_line(lines, "loss", nline, nline),
        "network: loss 'binary_cross_entropy' needs a sigmoid output layer, the last layer is '%s'",
        last.activation)
    elseif spec.loss == "squared_error" and last.activation == "softmax" then
      problem("warning", key_line(lines, "loss", nline, nline),
        "network: softmax trained with squared_error learns slowly; cross_entropy is the usual loss")
    end
  end

  -- Numbers C can hold. Each becomes a literal in the generated C, in float
  -- for a float net: a nonzero one smaller than MIN_LITERAL would round to
  -- zero (an error under -Werror), and rates and init bounds past
  -- MAX_LITERAL overflow float or make no sense.
  for _, k in ipairs({ "rate", "momentum", "beta1", "beta2", "epsilon", "weight_decay", "gamma",
                       "min_rate", "validation" }) do
    local v = tr[k]
    if v ~= nil and T[k] == v and v ~= 0 and math.abs(v) < M.MIN_LITERAL then
      err(tl(k), "train: %s is %s; a nonzero value must be at least %g (float would round it to 0)",
        k, show(v), M.MIN_LITERAL)
    elseif v ~= nil and T[k] == v and (k == "rate" or k == "min_rate") and v > M.MAX_RATE then
      err(tl(k), "train: %s is %s, more than the limit of %g", k, show(v), M.MAX_RATE)
    end
  end
  for _, L in ipairs(spec.layers) do
    if L.slope and L.slope < M.MIN_LITERAL then
      err(L.line, "%s: slope is %s; it must be at least %g (float would round it to 0)", L.kind, show(L.slope),
        M.MIN_LITERAL)
    end
    if L.init == "uniform" then
      for _, b in ipairs({ L.init_low, L.init_high }) do
        if math.abs(b) > M.MAX_INIT or (b ~= 0 and math.abs(b) < M.MIN_LITERAL) then
          err(L.line, "%s: init bound %s must be 0 or between %g and %g in magnitude", L.kind, show(b),
            M.MIN_LITERAL, M.MAX_INIT)
          break
        end
      end
    end
  end

  -- Total size.
  local total = 0
  for _, L in ipairs(spec.layers) do
    if not L.out_dims then total = nil break end
    total = total + (layers[L.kind].param_count and layers[L.kind].param_count(L) or 0)
  end
  if total and total > M.MAX_PARAMS then
    err(nline, "network: %d parameters, more than the limit of %d", total, M.MAX_PARAMS)
  end

  return spec, M.sorted(problems)
end

-- The spec line and message of an error from loading or running a spec:
-- "path:LINE: msg" gives both; a message without a position (the parser's
-- "C stack overflow" on brackets nested too deep) is cut to its first line
-- and placed at the line where the nesting is deepest.
function M.error_position(path, source, msg)
  local first = msg:match("^[^\n]*")
  local prefix = path .. ":"
  if first:sub(1, #prefix) == prefix then
    local line, text = first:sub(#prefix + 1):match("^(%d+): (.*)$")
    if line then return tonumber(line), text end
  end
  if first:find("stack overflow", 1, true) then
    local depth, deepest, at, line = 0, -1, 1, 1
    for c in source:gmatch("[{}()%[%]\n]") do
      if c == "\n" then line = line + 1
      elseif c == "{" or c == "(" or c == "[" then
        depth = depth + 1
        if depth > deepest then deepest, at = depth, line end
      else depth = depth - 1 end
    end
    return at, string.format("brackets nested %d deep, too deep for Lua's parser (%s)", deepest, first)
  end
  return 1, first
end

function M.sorted(problems)
  table.sort(problems, function(a, b)
    if a.line ~= b.line then return a.line < b.line end
    return a.seq < b.seq
  end)
  return problems
end

-- Whether an error was reported at line (so later checks of that layer are skipped).
function M.has_error_at(problems, line)
  for _, p in ipairs(problems) do if p.level == "error" and p.line == line then return true end end
  return false
end

function M.has_error(problems)
  for _, p in ipairs(problems) do if p.level == "error" then return true end end
  return false
end

function M.format(path, p)
  return string.format("%s:%d: %s: %s", path, p.line, p.level, p.msg)
end

return M
