-- gen/layers/gemm.lua: the register blocks of the batched matrix products,
-- chosen from the shapes. Every batched dense pass is one of two products:
--
--   rows by samples   z[s][j] = b[j] + sum_k a[s][k] w[k][j]  (forward: a = x;
--                     input gradient: a = d, w = the weights transposed)
--   rows by inputs    g[i][j] = sum_s x[s][i] d[s][j]           (weight gradient)
--
-- Both hold a block of mr rows by nr columns in accumulators, and each step k
-- broadcasts mr scalars against nr / V vectors of the other operand. The
-- target is a core with 32 vector registers of VECTOR_BYTES, LATENCY-cycle
-- fused multiply-adds on FMA_PORTS ports (x86-64 with AVX-512: zmm0-31). A
-- block's cost per step k is the largest of its fused multiply-adds over the
-- ports, the latency (each accumulator is a chain), and its loads (mr
-- broadcasts and nr / V vectors, 2 a cycle); the plan with the least summed
-- cost over a product's blocks, tails included, wins. The C is plain loops
-- over the block's columns, which the compiler turns into vector code; on a
-- target with narrower vectors the same blocks still compute the same sums.
local G = {}

G.VECTOR_BYTES = 64  -- 512-bit vectors
G.ACCUMULATORS = 24  -- of the 32 vector registers, 8 stay free for operands
G.LATENCY = 4        -- cycles of a fused multiply-add
G.FMA_PORTS = 2
G.LOAD_PORTS = 2
G.MAX_ROWS = 12      -- rows of a block: the broadcasts of one step

-- lanes(T): reals per vector
function G.lanes(T) return G.VECTOR_BYTES // (T == "float" and 4 or 8) end

local function ceil_div(a, b) return -(-a // b) end

-- blocks(n, w): n split into blocks of w, then one block of the rest
--   { { start, width, count }, ... }
function G.blocks(n, w)
  local b = {}
  if n // w > 0 then b[1] = { start = 0, width = w, count = n // w } end
  if n % w > 0 then b[#b + 1] = { start = n - n % w, width = n % w, count = 1 } end
  return b
end

-- cycles per step k of a block of r rows by c columns, v reals per vector,
-- and its loads (r broadcasts, c / v vectors)
function G.block_cycles(r, c, v)
  local nv = ceil_div(c, v)
  return math.max(r * nv / G.FMA_PORTS, G.LATENCY, (r + nv) / G.LOAD_PORTS), r + nv
end

-- width(mr, cols, v): the columns of a block of mr rows: as many vectors as
-- the accumulators hold, at most all the columns
function G.width(mr, cols, v)
  return math.min(G.vectors(mr) * v, cols)
end

-- vectors(mr): the most vectors of columns a block of mr rows holds in accumulators
function G.vectors(mr) return math.max(1, G.ACCUMULATORS // mr) end

-- cost(rows, cols, mr, v, single_tail): cycles per step k of a rows x cols
-- product in blocks of mr rows; the rows left over are blocks of one row when
-- single_tail (ranges of rows decided at run time), else one block
function G.cost(rows, cols, mr, v, single_tail)
  local nr = G.width(mr, cols, v)
  local t, loads = 0, 0
  for _, rb in ipairs(G.blocks(rows, mr)) do
    local r, count = rb.width, rb.count
    if single_tail and r < mr then r, count = 1, rb.width end
    for _, cb in ipairs(G.blocks(cols, nr)) do
      local c, l = G.block_cycles(r, cb.width, v)
      t, loads = t + count * cb.count * c, loads + count * cb.count * l
    end
  end
  return t, loads
end

-- better(t, l, best_t, best_l): fewer cycles, then (at equal cycles) fewer
-- loads: the measured tie-breaker (6 x 64 beats 12 x 32 and 2 x 128)
local function better(t, l, bt, bl)
  if not bt then return true end
  if t < bt - 1e-9 then return true end
  return t < bt + 1e-9 and l < bl - 1e-9
end

-- rows_by_samples(batch, products, v): one row block for all the products
-- over samples (so that threads can split the batch on block boundaries),
-- products = { { cols, k }, ... }. Returns mr.
function G.sample_rows(batch, products, v)
  local best, bt, bl
  for mr = 1, math.min(G.MAX_ROWS, batch) do
    local t, l = 0, 0
    for _, p in ipairs(products) do
      local pt, pl = G.cost(batch, p[1], mr, v, true)
      t, l = t + pt * p[2], l + pl * p[2]
    end
    if better(t, l, bt, bl) then best, bt, bl = mr, t, l end
  end
  return best
end

-- input_rows(rows, cols, v): the row block of the weight gradient (rows =
-- inputs, cols = outputs). Returns mr.
function G.input_rows(rows, cols, v)
  local best, bt, bl
  for mr = 1, math.min(G.MAX_ROWS, rows) do
    local t, l = G.cost(rows, cols, mr, v, false)
    if better(t, l, bt, bl) then best, bt, bl = mr, t, l end
  end
  return best
end

return G
