local x = ("a"):rep(3000):find(".-.-.-b")
return network "p" { input = 4, dense { 2, activation = "sigmoid" }, loss = "squared_error" }
-- expect: tests/specs/bad/pattern.lua:1: error: string.find is not available in a spec
