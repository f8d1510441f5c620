while true do end
-- expect: tests/specs/bad/endless.lua:1: error: the spec ran for more than 10000000 steps; is there an endless loop?
