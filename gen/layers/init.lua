-- gen/layers/init.lua: the registry of layer kinds. Each kind is one module,
-- gen/layers/<kind>.lua, with its C in templates/layers/<kind>.c.tpl; the
-- stages loop over layers and ask the kind's module, never test a kind.
-- Adding a kind: its module, its template, its tests, and one name below.
--
-- ORDER is the order of the spec's constructors in messages and the README.
local M = { ORDER = { "dense", "conv2d", "maxpool2d", "avgpool2d", "flatten", "dropout" } }
for _, k in ipairs(M.ORDER) do
  M[k] = require("gen.layers." .. k)
end
return M
