-- gen/template.lua: the templates' language, compiled so that every template
-- line is one line of Lua, and an error points at the template's own line.
--
--   local t = template.compile(text, "templates/layers/dense.c.tpl")
--   local out = t(env)           -- raises "templates/...:LINE: message"
--
-- The language is Penlight's with escape "@" (Debian's lua-penlight 1.13
-- renumbers lines, so its errors point into generated code, and its $(expr)
-- prints '' for nil, hiding a misspelled field):
--   @ lua code            a line of Lua (loops, ifs, locals)
--   text $(expr) text     text with the value of expr; nil or false is an error
--
-- A template sees only env and a few safe globals (ipairs, string, math...),
-- never io or os.

local M = {}

local SAFE = { "ipairs", "pairs", "tostring", "tonumber", "type", "select", "error", "assert",
               "string", "math", "table", "next", "rawget" }

-- The Lua for one text line: _put("lit", _v(expr, "expr"), ...).
local function text_line(line)
  local parts, pos = {}, 1
  while true do
    local s, e = line:find("%$%b()", pos)
    if not s then break end
    if s > pos then parts[#parts + 1] = string.format("%q", line:sub(pos, s - 1)) end
    local expr = line:sub(s + 2, e - 1)
    parts[#parts + 1] = string.format("_v((%s), %q)", expr, expr)
    pos = e + 1
  end
  -- %q would write a newline as backslash-newline, two source lines: the
  -- newline goes in as an escape, so each template line stays one Lua line
  parts[#parts + 1] = string.format("%q", line:sub(pos)) .. ', "\\n"' 
  return "_put(" .. table.concat(parts, ", ") .. ")"
end

-- compile(text, name) -> render(env) or nil, "name:LINE: message"
function M.compile(text, name)
  local code = {}
  local n = 0
  for line in (text .. (text:sub(-1) == "\n" and "" or "\n")):gmatch("([^\n]*)\n") do
    n = n + 1
    local lua = line:match("^%s*@(.*)$")
    code[n] = lua or text_line(line)
  end
  -- the prologue shares line 1, so template line N is chunk line N
  local src = "local _put, _v = ... " .. table.concat(code, "\n")
  local env = {}
  local chunk, err = load(src, "@" .. name, "t", env)
  if not chunk then return nil, (tostring(err):gsub("^@", "")) end
  return function(vars)
    for k in pairs(env) do env[k] = nil end
    for _, k in ipairs(SAFE) do env[k] = _G[k] end
    for k, v in pairs(vars) do env[k] = v end
    local out = {}
    local function put(...)
      for i = 1, select("#", ...) do out[#out + 1] = select(i, ...) end
    end
    local function value(v, expr)
      if v == nil or v == false then
        error(string.format("$(%s) is %s", expr, tostring(v)), 2)
      end
      return tostring(v)
    end
    local ok, rerr = pcall(chunk, put, value)
    if not ok then return nil, (tostring(rerr):gsub("^@", "")) end
    return table.concat(out)
  end
end

-- A table that raises on a read of a missing field, so that a misspelled
-- $(L.activaton) fails at its template line. strict(t) wraps t in place;
-- unstrict(t) removes the wrapper.
local STRICT = {
  __index = function(_, k)
    error(string.format("no field '%s'", tostring(k)), 2)
  end,
}
function M.strict(t) return setmetatable(t, STRICT) end
function M.unstrict(t) return setmetatable(t, nil) end

return M
