local s = "x"
for i = 1, 40 do s = s .. s end
-- expect: tests/specs/bad/memory.lua:2: error: the spec used more than 256 MiB of memory, the limit for a spec
