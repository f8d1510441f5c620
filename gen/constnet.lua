#!/usr/bin/env lua5.4
-- gen/constnet.lua: the generator's entry point. The only module that reads
-- or writes files, parses arguments or exits.
--
--   lua5.4 gen/constnet.lua nets/mnist.lua            -> out/mnist/mnist.{h,c}
--   lua5.4 gen/constnet.lua nets/mnist.lua -o build/  -> build/mnist.{h,c}

-- Find our own modules and templates from the script's location.
local script = arg and arg[0] or "gen/constnet.lua"
local root = script:match("^(.*)[/\\]gen[/\\][^/\\]*$") or (script:match("^gen[/\\]") and ".") or "."
package.path = root .. "/?.lua;" .. root .. "/?/init.lua;" .. package.path

local argparse = require("argparse")
local spec_mod = require("gen.spec")
local model_mod = require("gen.model")
local emit = require("gen.emit")
local torch_backend = require("gen.torch")
local size_mod = require("gen.size")
local q8 = require("gen.q8")
local pldir = require("pl.dir")
local plpath = require("pl.path")

local function read_file(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local text = f:read("a")
  f:close()
  return text
end

-- Write every file to a temporary name first, then rename them all, so a
-- failure never leaves a half-written file under the real name.
local function write_atomically(dir, files)
  if not plpath.isdir(dir) then
    local ok, err = pldir.makepath(dir)
    if not ok then return nil, dir .. ": cannot create directory: " .. tostring(err) end
  end
  local tmps = {}
  -- a name no other run writing into dir at the same time will pick
  local unique = string.format(".tmp.%d.%s", os.time(), tostring(tmps):match("0x(%x+)") or "0")
  for _, f in ipairs(files) do
    local path = dir .. "/" .. f.name
    local tmp = path .. unique
    local h, err = io.open(tmp, "wb")
    local ok = h ~= nil
    if h then
      local wok, werr = h:write(f.text)
      local cok, cerr = h:close()
      ok = wok and cok
      err = werr or cerr
    end
    if not ok then
      os.remove(tmp)
      for _, t in ipairs(tmps) do os.remove(t[1]) end
      return nil, path .. ": cannot write: " .. tostring(err or "unknown error"):gsub("^[^:]*: ", "")
    end
    tmps[#tmps + 1] = { tmp, path }
  end
  for _, t in ipairs(tmps) do
    local ok, err = os.rename(t[1], t[2])
    if not ok then
      for _, u in ipairs(tmps) do os.remove(u[1]) end
      return nil, t[2] .. ": cannot rename into place: " .. tostring(err)
    end
  end
  return true
end

local human = model_mod.human

-- The spec's path as the generated files record it (banner comment, the
-- trainer's .spec string): relative to the current folder when it is under
-- it, so that the same spec gives the same bytes on every machine, and with
-- every character outside [A-Za-z0-9._/+-] replaced by '_', so that no path
-- can close the comment or the string, or form a trigraph.
local function recorded_path(path)
  local cwd = os.getenv("PWD")
  if cwd and cwd ~= "" and path:sub(1, 1) == "/" then
    local prefix = cwd:gsub("/*$", "") .. "/"
    if path:sub(1, #prefix) == prefix then path = path:sub(#prefix + 1) end
  end
  path = path:gsub("^%./", "")
  return (path:gsub("[^%w%._/%+%-]", "_"))
end

-- --int8 QFILE: the int8 backend's files only (gen/q8.lua), from the
-- quantization file the trainer's quantize command wrote
local function main_int8(args, path, model)
  local qpath = args.int8
  local text, rerr = read_file(qpath)
  local q, qerr
  if not text then
    qerr = string.format("%s: error: cannot read: %s", qpath, (tostring(rerr):gsub("^[^:]*: ", "")))
  else
    q, qerr = q8.load(qpath, text, model)
  end
  local qm = q and q8.build(model, q, qpath)
  local files, eerr
  if qm then
    files, eerr = q8.render(qm, function(name)
      local t, err = read_file(root .. "/templates/" .. name)
      if not t then error(root .. "/templates/" .. name .. ": " .. tostring(err), 0) end
      return t
    end)
    qerr = eerr and ("constnet: error: " .. eerr)
  end
  local dir = args.out or ("out/" .. model.name)
  local ok, werr = true, nil
  if files then ok, werr = write_atomically(dir, files) end
  if not files or not ok then
    io.stderr:write(qerr or werr:gsub(": cannot", ": error: cannot", 1), "\n")
    return 1
  end
  if not args.quiet then
    io.stdout:write(string.format("constnet: %s + %s -> %s/%s.h, %s/%s.c\n", path, qpath, dir, qm.name, dir, qm.name))
    io.stdout:write(string.format("  int8: flash %d bytes (%s), RAM %d bytes per predict\n", qm.flash_bytes,
      human(qm.flash_bytes), qm.ram_bytes))
  end
  return 0
end

local function main(argv)
  local parser = argparse("constnet", "Generate shape-specialized C for the neural network in SPEC.")
    :epilog([[
Examples:
  lua5.4 gen/constnet.lua nets/mnist.lua              writes out/mnist/mnist.h and mnist.c
  lua5.4 gen/constnet.lua nets/mnist.lua -o build/    writes build/mnist.h and mnist.c
  lua5.4 gen/constnet.lua --check nets/mnist.lua      validates the spec, writes nothing
  lua5.4 gen/constnet.lua --torch nets/mnist.lua      writes out/mnist/mnist_torch.py
  lua5.4 gen/constnet.lua nets/mnist.lua --int8 out/mnist/mnist_q8.lua
                                                      writes out/mnist/mnist_q8.h and mnist_q8.c

Errors are printed as SPEC:LINE: error: MESSAGE and nothing is written.
Exit status: 0 on success, 1 on a bad spec, 2 on a usage error.]])
  parser:argument("spec", "Network spec, a Lua file such as nets/mnist.lua.")
  parser:option("-o --out", "Directory for the generated files (default: out/NAME).")
  parser:flag("--check", "Validate the spec only; write nothing.")
  parser:flag("-q --quiet", "Print nothing on success.")
  parser:option("--name", "Override the network's name, the prefix of every C identifier.")
  parser:option("--batch", "Override the spec's batch size (1 to 65536).")
  parser:option("--unroll", "Override the spec's unroll setting: auto, full or loops.")
    :choices(spec_mod.UNROLLS)
  parser:flag("--torch", "Write NAME_torch.py, the network as a PyTorch module, instead of the C.")
  parser:flag("--fingerprint",
    "Print what a model file's header holds for this network (name, fingerprint, dtype, parameter count); write nothing.")
  parser:option("--max-c-mib", "Refuse a spec that would generate more than this many MiB of C "
    .. "(default " .. size_mod.MAX_C_BYTES // (1024 * 1024) .. "; 0: no limit, for measurements).")
  parser:option("--expect-name", "Fail unless the spec's network has this name (make's NET=NAME.lua "
    .. "builds out/NAME/NAME from it).")
  parser:option("--spec-name", "The spec's path as the generated files record it (default: SPEC, "
    .. "relative to the current folder).")
  parser:option("--int8", "Write the int8 network NAME_q8.{h,c} (only) from this quantization file, "
    .. "written by the trainer's quantize command.")
  local parsed, args = parser:pparse(argv)
  if not parsed then
    io.stderr:write(string.format("constnet: error: %s\nTry 'lua5.4 gen/constnet.lua --help'.\n", args))
    return 2
  end

  local path = args.spec
  local source, rerr = read_file(path)
  if not source then
    io.stderr:write(string.format("%s: error: cannot read spec: %s\n", path,
      tostring(rerr):gsub("^[^:]*: ", "")))
    return 1
  end

  local spec, problems = spec_mod.load(path, source)
  for _, p in ipairs(problems) do io.stderr:write(spec_mod.format(path, p), "\n") end
  if not spec or spec_mod.has_error(problems) then return 1 end
  if args.expect_name and args.expect_name ~= spec.name and not args.name then
    io.stderr:write(spec_mod.format(path, { level = "error", line = spec.line, msg = string.format(
      "network: the spec names its network '%s', but it is built as '%s' (from the file name); "
      .. "name the network \"%s\" or the file %s.lua", spec.name, args.expect_name, args.expect_name,
      spec.name) }), "\n")
    return 1
  end
  if args.unroll then
    spec.unroll = args.unroll
    for _, L in ipairs(spec.layers) do L.unroll = nil end
  end
  if args.batch then
    local b = math.tointeger(tonumber(args.batch))
    if not b or b < 1 or b > 65536 then
      io.stderr:write(string.format("constnet: error: --batch '%s' must be an integer from 1 to 65536\n", args.batch))
      return 2
    end
    spec.train.batch = b
  end
  if args.name then
    if not args.name:match("^[%a_][%w_]*$") or #args.name > 32 then
      io.stderr:write(string.format("constnet: error: --name '%s' must be a C identifier of at most 32 characters\n", args.name))
      return 2
    end
    if spec_mod.name_problem(args.name) then
      io.stderr:write(string.format("constnet: error: --name: %s\n", spec_mod.name_problem(args.name)))
      return 2
    end
    spec.name = args.name
  end

  local model = model_mod.build(spec, recorded_path(args.spec_name or path))
  local over = model_mod.budget_problems(model, spec)
  local max_c = size_mod.MAX_C_BYTES
  if args.max_c_mib then
    local mib = math.tointeger(tonumber(args.max_c_mib))
    if not mib or mib < 0 then
      io.stderr:write(string.format("constnet: error: --max-c-mib '%s' must be a whole number of MiB (0: no limit)\n",
        args.max_c_mib))
      return 2
    end
    max_c = mib > 0 and mib * 1024 * 1024 or math.maxinteger
  end
  for _, p in ipairs(size_mod.problems(model, spec, max_c)) do over[#over + 1] = p end
  for _, p in ipairs(over) do io.stderr:write(spec_mod.format(path, p), "\n") end
  if #over > 0 then return 1 end
  if args.fingerprint then
    io.stdout:write(string.format("%s %s %s %d\n", model.name, model.fingerprint:gsub("u$", ""), model.T,
      model.n_params))
    return 0
  end
  if args.check then
    if not args.quiet then
      io.stdout:write(string.format("%s: ok: %s, %d parameters\n", path, model.chain, model.n_params))
    end
    return 0
  end

  if args.int8 then return main_int8(args, path, model) end
  local files, eerr = (args.torch and torch_backend or emit).render(model, function(name)
    local text, err = read_file(root .. "/templates/" .. name)
    if not text then error(root .. "/templates/" .. name .. ": " .. tostring(err), 0) end
    return text
  end)
  if not files then
    io.stderr:write("constnet: error: ", eerr, "\n")
    return 1
  end

  local dir = args.out or ("out/" .. model.name)
  local ok, werr = write_atomically(dir, files)
  if not ok then
    io.stderr:write(werr:gsub(": cannot", ": error: cannot", 1), "\n")
    return 1
  end
  if not args.quiet and args.torch then
    io.stdout:write(string.format("constnet: %s -> %s/%s\n", path, dir, files[1].name))
  elseif not args.quiet then
    io.stdout:write(string.format("constnet: %s -> %s/%s.h, %s/%s.c\n", path, dir, model.name, dir,
      model.name))
    io.stdout:write(string.format("  %s; %d parameters\n", model.chain, model.n_params))
    io.stdout:write(string.format("  memory: inference %s (parameters %s, activations %s); training %s%s\n",
      human(model.mem.inference), human(model.mem.params), human(model.mem.acts),
      human(model.mem.training), model.batch > 1 and (" at batch " .. model.batch) or ""))
  end
  return 0
end

local ok, status = xpcall(main, debug.traceback, arg)
if not ok then
  local msg = tostring(status)
  io.stderr:write("constnet: internal error: ", msg:match("^[^\n]*"), "\n")
  if os.getenv("CONSTNET_DEBUG") then io.stderr:write(msg, "\n")
  else io.stderr:write("(set CONSTNET_DEBUG=1 for a traceback; please report this)\n") end
  os.exit(70)
end
os.exit(status)
