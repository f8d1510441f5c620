-- gen/size.lua: how much C a model would generate, estimated before any is
-- generated, so that a spec asking for hundreds of megabytes (a huge layer
-- unrolled in full, a hundred thousand layers) is refused at its line in
-- milliseconds instead of running the generator or the C compiler out of
-- memory.
--
-- size.problems(model, spec[, max_bytes]) -> { {line, level, msg, seq}, ... }
--   max_bytes defaults to MAX_C_BYTES (the generator's --max-c-mib sets it)
--
-- The estimate is linear, fitted on generated nets (batch 8, Adam, weight
-- decay: the largest code per layer): about 25 KB for the network, 12 KB per
-- layer with loops, and 140 bytes per weight of a layer unrolled in full (a
-- 64-64-10 net unrolled in full is 627 KB; 784x128 in full would be 13 MB,
-- which gcc takes minutes to compile). Pure: no I/O.

local M = {}

M.MAX_C_BYTES = 8 * 1024 * 1024 -- largest .c + .h generated
M.NET_BYTES = 25 * 1024
M.LAYER_BYTES = 12 * 1024
M.FULL_BYTES_PER_WEIGHT = 140

-- Estimated bytes of C for layer L, and for the whole model.
function M.layer_bytes(L)
  local b = M.LAYER_BYTES
  if L.unroll == "full" then b = b + M.FULL_BYTES_PER_WEIGHT * L.n_in * L.n_out end
  return b
end

function M.estimate(m)
  local total = M.NET_BYTES
  for _, L in ipairs(m.layers) do total = total + M.layer_bytes(L) end
  return total
end

local function mib(bytes) return string.format("%.1f MiB", bytes / (1024 * 1024)) end

function M.problems(m, spec, max_bytes)
  local limit = max_bytes or M.MAX_C_BYTES
  local total = M.estimate(m)
  if total <= limit then return {} end
  -- blame the largest layer unrolled in full, if one is most of it
  local worst
  for _, L in ipairs(m.layers) do
    if L.unroll == "full" and (not worst or M.layer_bytes(L) > M.layer_bytes(worst)) then worst = L end
  end
  if worst and M.layer_bytes(worst) * 2 > total then
    return { { level = "error", line = worst.line or spec.line, seq = 0, msg = string.format(
      "dense: unroll 'full' of %d x %d weights would generate about %s of C, more than the limit of %s; "
      .. "use unroll = \"loops\"", worst.n_in, worst.n_out, mib(total), mib(limit)) } }
  end
  return { { level = "error", line = spec.line, seq = 0, msg = string.format(
    "network: %d layers would generate about %s of C, more than the limit of %s",
    #m.layers, mib(total), mib(limit)) } }
end

return M
