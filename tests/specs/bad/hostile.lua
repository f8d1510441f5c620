return { kind = "network", name = 5, fields = {} }
-- expect: tests/specs/bad/hostile.lua:1: error: a spec must return its network: return network "NAME" { ... }
