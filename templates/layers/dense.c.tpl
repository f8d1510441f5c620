@ -- All passes of one dense layer, forward beside backward. In scope: m, L,
@ -- P (the layer before, or false) and the helpers of gen/emit.lua. Prints
@ -- what gen/layers/dense.lua computed; no shape arithmetic here.

/* $(L.id): dense $(L.n_in) -> $(L.n_out), $(L.activation)$(L.unroll == "full" and ", unrolled" or "")
@ if L.ksplit then
 *   z[j] = (b[j] + sum_{i < $(L.kb)} x[i] * w[i][j])
 *          + sum_{i >= $(L.kb)} x[i] * w[i][j]     x: $(L.in_type), z: $(L.n_out)
 *   (two halves of the inputs, each i in order, as every pass of $(L.id) sums them)
@ else
 *   z[j] = b[j] + sum_i x[i] * w[i][j]     x: $(L.in_type), z: $(L.n_out)
@ end
 *   y = $(L.activation)(z)                      y: $(L.out_type) */
static void $(m.name)_$(L.id)_forward($(L.out_type) *restrict y, $(L.keeps_logits and (m.name .. "_logits *restrict zo, ") or "")const $(L.params_type) *restrict p,
$(pad("static void " .. m.name .. "_" .. L.id .. "_forward"))const $(L.in_type) *restrict x)
{
@ if L.unroll == "full" then
@   for j = 0, L.n_out - 1 do
    $(L.z)[$(j)] = $(sum("p->b[" .. j .. "]", L.n_in, "x->v[{i}] * p->w[{i}][" .. j .. "]"));
@   end
@ else
@   if L.list_forward then
    /* ks: $(L.list_what)
     * (a zero input adds nothing to z) */
    int ks[$(L.list_room)];
@     if not L.list_chunked then
    $(m.name)_nonzero(ks, x->v, 0, $(L.n_in));
@     end
@   end
    /* z summed in a local block of up to $(L.fwd_blocks[1].width) outputs that the compiler can keep in
     * registers across i (a sum in y itself goes through memory at every i) */
@   for _, blk in ipairs(L.fwd_blocks) do
@     -- one block from column 0 needs no offset and no braces of its own
@     local whole = blk.count == 1 and blk.start == 0
@     local I, J = whole and "" or "    ", whole and "j" or "j0 + j"
@     if blk.count > 1 then
    for (int j0 = $(blk.start); j0 < $(blk.start + blk.count * blk.width); j0 += $(blk.width)) {
@     elseif not whole then
    {
        const int j0 = $(blk.start);
@     end
$(I)    $(m.T) z[$(blk.width)];
$(I)    for (int j = 0; j < $(blk.width); ++j)
$(I)        z[j] = p->b[$(J)];
@     for ri, rg in ipairs(L.franges) do
@       if ri > 1 then
$(I)    $(m.T) $(rg.z)[$(blk.width)]; /* the second half of the inputs, from 0 */
$(I)    for (int j = 0; j < $(blk.width); ++j)
$(I)        $(rg.z)[j] = $(m.ZERO);
@       end
@       local I2 = I -- the loop over i, one level in where the inputs are listed in chunks
@       if L.list_chunked then
@         I2 = I .. "    "
$(I)    for (int i0 = $(rg.lo); i0 < $(rg.hi); i0 += $(L.list_n)) {
$(I)        $(m.name)_nonzero(ks, x->v, i0, $(rg.i1));
@       end
@       if L.list_forward then
$(I2)    for (const int *k = ks; *k >= 0; ++k) {
$(I2)        const int i = *k;
@       else
$(I2)    for (int i = $(rg.lo); i < $(rg.hi); ++i) {
@       end
$(I2)        const $(m.T) xi = x->v[i];
$(I2)        for (int j = 0; j < $(blk.width); ++j)
$(I2)            $(rg.z)[j] += xi * p->w[i][$(J)];
$(I2)    }
@       if L.list_chunked then
$(I)    }
@       end
@       if ri > 1 then
$(I)    for (int j = 0; j < $(blk.width); ++j)
$(I)        z[j] += $(rg.z)[j];
@       end
@     end
$(I)    for (int j = 0; j < $(blk.width); ++j)
$(I)        $(L.z)[$(J)] = z[j];
@     if not whole then
    }
@     end
@   end
@ end
@ if L.activation == "softmax" then
    /* softmax, shifted by the largest z so that exp cannot overflow */
    $(m.T) zmax = $(L.z)[0];
    for (int j = 1; j < $(L.n_out); ++j)
        zmax = $(L.z)[j] > zmax ? $(L.z)[j] : zmax;
    $(m.T) sum = $(m.ZERO);
    for (int j = 0; j < $(L.n_out); ++j) {
        y->v[j] = exp$(m.fsuf)($(L.z)[j] - zmax);
        sum += y->v[j];
    }
    for (int j = 0; j < $(L.n_out); ++j)
        y->v[j] /= sum;
@ elseif L.activation == "identity" and not L.keeps_logits then
    /* identity: y = z, already in place */
@ elseif L.unroll == "full" then
@   for j = 0, L.n_out - 1 do
    y->v[$(j)] = $(act(L, L.z .. "[" .. j .. "]"));
@   end
@ elseif L.activation == "sigmoid" then
    /* sigmoid in two loops, the same operations as $(m.name)_sigmoid: exp(-z) one unit
     * at a time (a call), then 1 / (1 + e), which the compiler vectorizes */
    for (int j = 0; j < $(L.n_out); ++j)
        y->v[j] = exp$(m.fsuf)(-$(L.z)[j]);
    for (int j = 0; j < $(L.n_out); ++j)
        y->v[j] = $(m.ONE) / ($(m.ONE) + y->v[j]);
@ else
    for (int j = 0; j < $(L.n_out); ++j)
        y->v[j] = $(act(L, L.z .. "[j]"));
@ end
}
#ifndef $(m.NAME)_INFERENCE_ONLY
@ for _, mode in ipairs({ "backward", "step" }) do
@   local out_decl = (mode == "backward") and (L.grads_type .. " *restrict g, ") or (L.params_type .. " *restrict p, ")
@   local dx_decl = P and (P.delta_type .. " *restrict dx, ") or ""
@   local p_decl = (mode == "backward" and P) and ("const " .. L.params_type .. " *restrict p, ") or ""
@   local tail = (mode == "step") and (", " .. m.T .. " rate") or ""
@   local head = "static void " .. m.name .. "_" .. L.id .. "_" .. mode
@   if mode == "step" and not m.fused then
@     break
@   end

@   if mode == "backward" then
/* $(L.id) backward: dense $(L.n_in) -> $(L.n_out), from z[j] = b[j] + sum_i x[i] * w[i][j]
 *   db[j] = d[j];  dw[i][j] = x[i] * d[j]
@   else
/* $(L.id) step: the backward pass above with SGD fused in, w -= rate * dw, b -= rate * db
@   end
@   if P then
 *   dx[i] = (sum_j w[i][j] * d[j]) * $(P.deriv_name)'(x[i]),  $(P.deriv_name)' = $(P.deriv("x")) in terms of x = $(P.id) output
 *   (the sum $(L.dx_order): one fixed order on every target) */
@   else
 *   first layer: no gradient for the network input */
@   end
$(head)($(out_decl)$(dx_decl)$(p_decl)
$(pad(head))const $(L.in_type) *restrict x, const $(L.delta_type) *restrict d$(tail))
{
@   local upd = (mode == "backward") and "g->%s = %s;" or "p->%s -= rate * (%s);"
@   if L.unroll == "full" then
@     if P then
@       for i = 0, L.n_in - 1 do
    dx->v[$(i)] = ($(L.dx_sum(i))) * $(P.deriv("x->v[" .. i .. "]"));
@       end
@     end
@     for j = 0, L.n_out - 1 do
    $(upd:format("b[" .. j .. "]", "d->v[" .. j .. "]"))
@     end
@     for i = 0, L.n_in - 1 do
@       for j = 0, L.n_out - 1 do
    $(upd:format("w[" .. i .. "][" .. j .. "]", "x->v[" .. i .. "] * d->v[" .. j .. "]"))
@       end
@     end
@   else
    for (int j = 0; j < $(L.n_out); ++j)
        $(upd:format("b[j]", "d->v[j]"))
@     if mode == "step" and L.list_step then
    /* ks: $(L.list_what)
     * (a zero input leaves its row unchanged) */
    int ks[$(L.list_room)];
@       local I = L.list_chunked and "    " or ""
@       if L.list_chunked then
    for (int i0 = 0; i0 < $(L.n_in); i0 += $(L.list_n)) {
        $(m.name)_nonzero(ks, x->v, i0, $(L.list_i1));
@       else
    $(m.name)_nonzero(ks, x->v, 0, $(L.n_in));
@       end
$(I)    for (const int *k = ks; *k >= 0; ++k) {
$(I)        const int i = *k;
$(I)        const $(m.T) xi = x->v[i];
$(I)        for (int j = 0; j < $(L.n_out); ++j)
$(I)            $(upd:format("w[i][j]", "xi * d->v[j]"))
$(I)    }
@       if L.list_chunked then
    }
@       end
@     else
    for (int i = 0; i < $(L.n_in); ++i) {
        const $(m.T) xi = x->v[i];
@     if P then
@       local F = L.dx_lanes * L.dx_full
        /* dx[i] from row i$(mode == "step" and " before its update" or ""), in $(L.dx_lanes) partial sums */
        $(m.T) s[$(L.dx_lanes)];
        for (int l = 0; l < $(L.dx_lanes); ++l)
            s[l] = p->w[i][l] * d->v[l];
@       if L.dx_full > 1 then
        for (int j0 = $(L.dx_lanes); j0 < $(F); j0 += $(L.dx_lanes))
            for (int l = 0; l < $(L.dx_lanes); ++l)
                s[l] += p->w[i][j0 + l] * d->v[j0 + l];
@       end
@       if L.dx_tail > 0 then
        for (int l = 0; l < $(L.dx_tail); ++l)
            s[l] += p->w[i][$(F) + l] * d->v[$(F) + l];
@       end
@       if L.dx_lanes > 1 then
        for (int h = $(L.dx_lanes // 2); h > 0; h /= 2)
            for (int l = 0; l < h; ++l)
                s[l] += s[l + h];
@       end
        dx->v[i] = s[0] * $(P.deriv("xi"));
@     end
@     if mode == "step" and L.skip_zero and not L.list_step then
        if (xi == $(m.ZERO))
            continue; /* a zero input leaves row i unchanged */
@     end
        for (int j = 0; j < $(L.n_out); ++j)
            $(upd:format("w[i][j]", "xi * d->v[j]"))
    }
@     end
@   end
}
@ end
@ if m.batch > 1 then
@   local T, Z0, V = m.T, m.ZERO, m.lanes
@   local Z = L.keeps_logits and "zo->row" or "y->row"
@   local fused = not L.keeps_logits and L.activation ~= "identity"
@   -- tile(o): one register block, o.R rows by the column block o.cb (its
@   -- first column in the C variable o.c0), summed over the loop o.loop (C
@   -- lines opening the loop over k): acc[r][c] = o.init + sum_k a(r) b[c],
@   -- a(r) = o.a(r) and b = o.b, a pointer to the k-th row of the other
@   -- operand at column c0; then o.out(r, c) = o.post(r, c, acc), or with
@   -- o.add o.post(r, c, out + acc), or with o.sgd out -= rate * acc. Printed
@   -- twice: with the target's vectors where the block is whole vectors,
@   -- and as plain loops, which compute the same sums in the same order.
@   local function tile(o)
@     local R, W = o.R, o.cb.width
@     if o.bare then -- the caller has the block's first column in o.c0
        {
@     elseif o.cb.count > 1 then
        for (int $(o.c0) = $(o.cb.start); $(o.c0) < $(o.cb.start + o.cb.count * W); $(o.c0) += $(W)) {
@     else
        {
            const int $(o.c0) = $(o.cb.start);
@     end
@     -- vectors of the block: whole ones, then one masked to the last W % V columns
@     local NV, tail = (W + V - 1) // V, W % V
@     local mask = (tail > 0) and string.format("(%s_mask)0x%x", m.name, (1 << tail) - 1) or nil
@     local function vload(v, ptr)
@       if mask and v == NV - 1 then return m.NAME .. "_VLOADM(" .. mask .. ", " .. ptr .. ")" end
@       return m.NAME .. "_VLOAD(" .. ptr .. ")"
@     end
#if $(m.NAME)_SIMD
@       for r = 0, R - 1 do
@         local t = {}
@         for v = 0, NV - 1 do
@           t[#t + 1] = "a" .. r .. "_" .. v .. " = " .. (o.init and vload(v, "&" .. o.init .. "[" .. o.c0
@             .. " + " .. v * V .. "]") or (m.NAME .. "_VZERO()"))
@         end
            $(m.name)_vec $(table.concat(t, ", "));
@       end
@       for _, line in ipairs(o.loop) do
            $(line)
@       end
                const $(T) *restrict b = $(o.b);
@       for v = 0, NV - 1 do
                const $(m.name)_vec b$(v) = $(vload(v, "b + " .. v * V));
@       end
@       for r = 0, R - 1 do
                {
                    const $(m.name)_vec a = $(m.NAME)_VSET1($(o.a(r)));
@         for v = 0, NV - 1 do
                    a$(r)_$(v) = $(m.NAME)_VFMA(a, b$(v), a$(r)_$(v));
@         end
                }
@       end
            }
@       if o.sgd then
            const $(m.name)_vec rv = $(m.NAME)_VSET1(rate);
@       end
@       for r = 0, R - 1 do
@         for v = 0, NV - 1 do
@           local dst = "&" .. o.out(r, o.c0 .. " + " .. v * V)
@           local val = "a" .. r .. "_" .. v
@           if o.sgd then -- out -= rate * acc, as the update computes it
@             val = m.NAME .. "_VSUB(" .. vload(v, dst) .. ", " .. m.NAME .. "_VMUL(rv, " .. val .. "))"
@           elseif o.add then -- out = out + acc: the second half's sums added to the first's
@             val = m.NAME .. "_VADD(" .. vload(v, dst) .. ", " .. val .. ")"
@           end
@           if mask and v == NV - 1 then
            $(m.NAME)_VSTOREM($(dst), $(mask), $(val));
@           else
            $(m.NAME)_VSTORE($(dst), $(val));
@           end
@         end
@       end
@       if o.post then
            for (int c = 0; c < $(W); ++c) {
@         for r = 0, R - 1 do
                $(o.out(r, o.c0 .. " + c")) = $(o.post(r, "c", o.out(r, o.c0 .. " + c")));
@         end
            }
@       end
#else
@     for r = 0, R - 1 do
            $(T) acc$(r)[$(W)];
@     end
            for (int c = 0; c < $(W); ++c) {
@     for r = 0, R - 1 do
                acc$(r)[c] = $(o.init and (o.init .. "[" .. o.c0 .. " + c]") or Z0);
@     end
            }
@     for _, line in ipairs(o.loop) do
            $(line)
@     end
                const $(T) *restrict b = $(o.b);
@     for r = 0, R - 1 do
                const $(T) a$(r) = $(o.a(r));
@     end
                for (int c = 0; c < $(W); ++c) {
@     for r = 0, R - 1 do
                    acc$(r)[c] = $(m.NAME)_MADD(a$(r), b[c], acc$(r)[c]);
@     end
                }
            }
            for (int c = 0; c < $(W); ++c) {
@     for r = 0, R - 1 do
@       if o.sgd then
                $(o.out(r, o.c0 .. " + c")) -= rate * acc$(r)[c];
@       else
@         local sum = o.add and (o.out(r, o.c0 .. " + c") .. " + acc" .. r .. "[c]") or ("acc" .. r .. "[c]")
                $(o.out(r, o.c0 .. " + c")) = $(o.post and o.post(r, "c", sum) or sum);
@       end
@     end
            }
#endif
        }
@   end
@   -- with(o, t): o with the fields of t
@   local function with(o, t)
@     local r = {}
@     for k, v in pairs(o) do r[k] = v end
@     for k, v in pairs(t) do r[k] = v end
@     return r
@   end
@   -- ranged(o, vmax, n, tailw): the blocks of o (without o.cb) over this
@   -- part's columns [c0, c1) of n (C variables: c0 a multiple of the vector,
@   -- c1 one or n, cw the end of the whole vectors): blocks of up to vmax
@   -- vectors, the vectors left split evenly among as few blocks as hold them,
@   -- then the last tailw (n % vector) columns masked
@   local function ranged(o, vmax, n, tailw)
@     if n // V > 0 then
        for (int $(o.c0) = c0; $(o.c0) < cw;) {
@       if vmax > 1 then
            const int left = (cw - $(o.c0)) / $(V), blocks = (left + $(vmax - 1)) / $(vmax);
            const int nv = (left + blocks - 1) / blocks; /* vectors in this block */
            switch (nv) {
@         for w = 1, vmax do
            $(w == vmax and "default:" or ("case " .. w .. ":"))
@           tile(with(o, { cb = { width = w * V }, bare = true }))
                break;
@         end
            }
            $(o.c0) += nv * $(V);
@       else
@         tile(with(o, { cb = { width = V }, bare = true }))
            $(o.c0) += $(V);
@       end
        }
@     end
@     if tailw > 0 then
        if (c1 > cw) { /* the last $(tailw) columns */
            const int $(o.c0) = cw;
@       tile(with(o, { cb = { width = tailw }, bare = true }))
        }
@     end
@   end
@   -- cols(n, tailw, q, qs): the columns [c0, c1) of n of part q (default
@   -- part) of qs (parts), and cw
@   local function cols(n, tailw, q, qs)
    int c0, c1;
    $(m.name)_cols($(n), $(q or "part"), $(qs or "parts"), &c0, &c1);
@     if tailw > 0 then
    const int cw = c1 < $(n) ? c1 : $(n - tailw); /* the end of the whole vectors */
@     else
    const int cw = c1; /* whole vectors */
@     end
@   end
@   local head = "static void " .. m.name .. "_" .. L.id .. "_batch_forward"
@   -- the forward pass's block of R rows from s: the list of inputs not 0 in
@   -- every row, then each column block
@   local function forward_list(R, lo, hi)
@     lo, hi = lo or 0, hi or L.n_in
@     local loop = { "for (int i = " .. lo .. "; i < " .. hi .. "; ++i) {" }
@     if L.skip_zero then
@       loop = { "for (int q = 0; q < nk; ++q) {", "    const int i = ks[q];" }
        int ks[$(hi - lo)]; /* the inputs$(lo > 0 and (" " .. lo .. "..") or "") that are not 0 in every row of the block */
        int nk = 0;
@       local n16 = (m.T == "float") and (lo + (hi - lo) // 16 * 16) or lo
@       if n16 > lo then
#if $(m.NAME)_SIMD
        for (int i = $(lo); i < $(n16); i += 16) { /* 16 inputs at a time: their mask, then the indexes it keeps */
            const __mmask16 nzm = (__mmask16)($(L.nonzero_mask("&x->row[s + %d].v[i]", R)));
            _mm512_mask_compressstoreu_epi32(&ks[nk], nzm, _mm512_add_epi32(_mm512_set1_epi32(i), $(m.NAME)_IOTA));
            nk += $(m.NAME)_POPCOUNT16(nzm);
        }
#else
        for (int i = $(lo); i < $(n16); ++i) { /* written always, kept where not all 0 */
            ks[nk] = i;
            nk += $(L.nonzero("x->row[s + %d].v[i]", R));
        }
#endif
@       end
@       if n16 < hi then
        for (int i = $(n16); i < $(hi); ++i) { /* written always, kept where not all 0 */
            ks[nk] = i;
            nk += $(L.nonzero("x->row[s + %d].v[i]", R));
        }
@       end
@     end
@     return loop
@   end
@   -- the forward pass's block of R rows from s, its loop over k
@   local function forward_block(R, loop)
@     return { R = R, c0 = "j0", init = "p->b", loop = loop, b = "&p->w[i][j0]",
@              a = function(r) return "x->row[s + " .. r .. "].v[i]" end,
@              out = function(r, c) return Z .. "[s + " .. r .. "].v[" .. c .. "]" end,
@              post = fused and function(r, c, e) return act(L, e) end or nil }
@   end
@   local function forward_rows(R, cbs)
@     if not L.ksplit then
@       local o = forward_block(R, forward_list(R))
@       for _, cb in ipairs(cbs) do
@         tile(with(o, { cb = cb }))
@       end
@     else
        { /* inputs 0..$(L.kb - 1), from b: the first half's sums */
@       local o = with(forward_block(R, forward_list(R, 0, L.kb)), { post = false })
@       for _, cb in ipairs(cbs) do
@         tile(with(o, { cb = cb }))
@       end
        }
        { /* inputs $(L.kb)..$(L.n_in - 1), from 0, added to the first half's$(fused and ", then the activation" or "") */
@       local o = with(forward_block(R, forward_list(R, L.kb, L.n_in)), { init = false, add = true })
@       for _, cb in ipairs(cbs) do
@         tile(with(o, { cb = cb }))
@       end
        }
@     end
@   end

/* $(L.id) batch forward, rows s0 <= s < s1 (s0 a multiple of $(m.sb)):
@   if L.ksplit then
 *   z[s][j] = (b[j] + sum_{i < $(L.kb)} x[s][i] w[i][j]) + sum_{i >= $(L.kb)} x[s][i] w[i][j]
 *   (each half i in order, as in the per-sample pass)
@   else
 *   z[s][j] = b[j] + sum_i x[s][i] w[i][j]   (i in order, as in the per-sample pass)
@   end
 *   y[s] = $(L.activation)(z[s])$(fused and ", applied as each block is stored" or "")
 *   blocks of $(m.sb) rows by $(L.fwd_cols[1].width) columns in accumulators$(L.skip_zero and ("; inputs that are 0 in all " .. m.sb .. " rows are skipped") or "") */
$(head)($(L.batch_out_type) *restrict y, $(L.keeps_logits and (m.name .. "_batch_logits *restrict zo, ") or "")const $(L.params_type) *restrict p,
$(pad(head))const $(L.batch_in_type) *restrict x, int s0, int s1)
{
    int s = s0;
    for (; s + $(m.sb) <= s1; s += $(m.sb)) {
@   forward_rows(m.sb, L.fwd_cols)
    }
    for (; s < s1; ++s) { /* rows left over, one at a time */
@   forward_rows(1, L.fwd_cols1)
    }
@   if L.activation == "softmax" then
    for (s = s0; s < s1; ++s) {
        const $(T) *restrict z = zo->row[s].v;
        $(T) *restrict ys = y->row[s].v;
        $(T) zmax = z[0];
        for (int j = 1; j < $(L.n_out); ++j)
            zmax = z[j] > zmax ? z[j] : zmax;
        $(T) sum = $(Z0);
        for (int j = 0; j < $(L.n_out); ++j) {
            ys[j] = exp$(m.fsuf)(z[j] - zmax);
            sum += ys[j];
        }
        for (int j = 0; j < $(L.n_out); ++j)
            ys[j] /= sum;
    }
@   elseif L.keeps_logits and L.activation ~= "identity" then
    for (s = s0; s < s1; ++s)
        for (int j = 0; j < $(L.n_out); ++j)
            y->row[s].v[j] = $(act(L, "zo->row[s].v[j]"));
@   elseif L.keeps_logits then
    for (s = s0; s < s1; ++s)
        y->row[s] = zo->row[s]; /* identity */
@   end
}
@   if L.split == "columns" then
@     head = "static void " .. m.name .. "_" .. L.id .. "_batch_forward_cols"

/* $(L.id) batch forward by columns: the columns [c0, c1) of part `part` of `parts`
 * (whole vectors, $(m.name)_cols) of every row, with the blocks of rows, sums and
 * activation of $(m.name)_$(L.id)_batch_forward */
$(head)($(L.batch_out_type) *restrict y, const $(L.params_type) *restrict p, const $(L.batch_in_type) *restrict x,
$(pad(head))int part, int parts)
{
@     cols(L.n_out, L.vtail_out)
    if (c0 == c1)
        return;
    int s = 0;
    for (; s + $(m.sb) <= $(m.batch); s += $(m.sb)) {
@     ranged(forward_block(m.sb, forward_list(m.sb)), L.fwd_vmax, L.n_out, L.vtail_out)
    }
@     if L.batch_tail_rows > 0 then
    for (; s < $(m.batch); ++s) { /* rows left over, one at a time */
@       ranged(forward_block(1, forward_list(1)), L.fwd_vmax, L.n_out, L.vtail_out)
    }
@     end
}
@   end
@   if L.split == "inputs" then
@     head = "static void " .. m.name .. "_" .. L.id .. "_batch_forward_k"
@     -- one half of the inputs over this part's columns, every row: its sums into out
@     local function half(lo, hi, init, out)
@       local function block(R)
@         ranged(with(forward_block(R, forward_list(R, lo, hi)), { init = init, post = false,
@                out = function(r, c) return out .. "->row[s + " .. r .. "].v[" .. c .. "]" end }),
@                L.fwd_vmax, L.n_out, L.vtail_out)
@       end
        int s = 0;
        for (; s + $(m.sb) <= $(m.batch); s += $(m.sb)) {
@       block(m.sb)
        }
@       if L.batch_tail_rows > 0 then
        for (; s < $(m.batch); ++s) { /* rows left over, one at a time */
@         block(1)
        }
@       end
@     end

/* $(L.id) batch forward by halves of the inputs, for the stages: the halves
 * [*g0, *g1) of part `part` of `parts` ($(m.name)_kparts), over its share of the
 * columns, every row; then $(m.name)_$(L.id)_batch_combine adds the halves:
 *   y[s][j] = b[j] + sum_{i < $(L.kb)} x[s][i] w[i][j]      (half 0)
 *   zk[s][j] = sum_{i >= $(L.kb)} x[s][i] w[i][j]           (half 1)
 * each i in order, with the blocks of $(m.name)_$(L.id)_batch_forward; the part's rows
 * of w are those of the update ($(m.name)_$(L.id)_batch_step) */
$(head)($(L.batch_out_type) *restrict y, $(L.batch_out_type) *restrict zk, const $(L.params_type) *restrict p,
$(pad(head))const $(L.batch_in_type) *restrict x, int part, int parts)
{
    int g0, g1, share, shares;
    $(m.name)_kparts(part, parts, &g0, &g1, &share, &shares);
@     cols(L.n_out, L.vtail_out, "share", "shares")
    if (c0 == c1)
        return;
    if (g0 == 0) { /* inputs 0..$(L.kb - 1), from b, into y */
@     half(0, L.kb, "p->b", "y")
    }
    if (g1 == 2) { /* inputs $(L.kb)..$(L.n_in - 1), from 0, into zk */
@     half(L.kb, L.n_in, false, "zk")
    }
}
@     head = "static void " .. m.name .. "_" .. L.id .. "_batch_combine"

/* $(L.id)'s halves added, rows s0 <= s < s1: y[s] = $(L.activation)(y[s] + zk[s]) */
$(head)($(L.batch_out_type) *restrict y, const $(L.batch_out_type) *restrict zk, int s0, int s1)
{
    for (int s = s0; s < s1; ++s)
        for (int j = 0; j < $(L.n_out); ++j)
            y->row[s].v[j] = $(act(L, "y->row[s].v[j] + zk->row[s].v[j]"));
}
@   end
@   if P then
@     head = "static void " .. m.name .. "_" .. L.id .. "_batch_prepare"

/* $(L.id)'s weights transposed for the batched input gradient, wt[j][i] = w[i][j],
 * rows j of part `part` of `parts`: the columns of w the part owns ($(m.name)_cols) */
$(head)($(T) (*restrict wt)[$(L.n_in)], const $(L.params_type) *restrict p, int part, int parts)
{
    int j0, j1;
    $(m.name)_cols($(L.n_out), part, parts, &j0, &j1);
    for (int i = 0; i < $(L.n_in); ++i)
        for (int j = j0; j < j1; ++j)
            wt[j][i] = p->w[i][j];
}
@     head = "static void " .. m.name .. "_" .. L.id .. "_batch_dx"
@     local function dx_block(R)
@       return { R = R, c0 = "i0", init = false, loop = { "for (int j = 0; j < " .. L.n_out .. "; ++j) {" },
@                b = "&wt[j][i0]", a = function(r) return "d->row[s + " .. r .. "].v[j]" end,
@                out = function(r, c) return "dx->row[s + " .. r .. "].v[" .. c .. "]" end,
@                post = P.has_deriv and function(r, c, e)
@                  return e .. " * " .. P.deriv("x->row[s + " .. r .. "].v[i0 + " .. c .. "]")
@                end or nil }
@     end

/* $(L.id) batch input gradient, rows s0 <= s < min(s1, n) (rows past n are never read), the
 * columns [c0, c1) of part `part` of `parts` ($(m.name)_cols; all of them in part 0 of 1):
 *   dx[s][i] = (sum_j d[s][j] wt[j][i]) * $(P.deriv_name)'(x[s][i])   (j in order; wt from $(m.name)_$(L.id)_batch_prepare)
 *   with $(P.deriv_name)' = $(P.deriv("x")) in terms of x = $(P.id) output; blocks of $(m.sb) rows by up to $(L.dx_vmax * V) columns */
$(head)($(P.batch_delta_type) *restrict dx, const $(T) (*restrict wt)[$(L.n_in)],
$(pad(head))const $(L.batch_in_type) *restrict x, const $(L.batch_delta_type) *restrict d, int n, int s0, int s1,
$(pad(head))int part, int parts)
{
@     if not P.has_deriv then
    (void)x; /* $(P.id) is linear: its derivative is 1 */
@     end
@     cols(L.n_in, L.vtail_in)
    if (s1 > n)
        s1 = n; /* rows past n are never read */
    int s = s0;
    for (; s + $(m.sb) <= s1; s += $(m.sb)) {
@     ranged(dx_block(m.sb), L.dx_vmax, L.n_in, L.vtail_in)
    }
    for (; s < s1; ++s) { /* rows left over, one at a time */
@     ranged(dx_block(1), L.dx_vmax, L.n_in, L.vtail_in)
    }
}
@   end
@   head = "static void " .. m.name .. "_" .. L.id .. "_batch_grads"
@   -- one block of R rows of dw from i0: the list of rows of the batch whose
@   -- R inputs are not all 0, then each column block
@   local function grads_rows(R, sgd)
@     local loop = { "for (int s = 0; s < n; ++s) {" }
@     if L.skip_zero then
@       loop = { "for (int q = 0; q < ns; ++q) {", "    const int s = ss[q];" }
        int ss[$(m.batch)]; /* the rows whose inputs i0.. are not all 0 */
        int ns = 0;
@       if m.T == "float" and R <= 16 then
#if $(m.NAME)_SIMD
        for (int s = 0; s < n; ++s) { /* written always, kept where not all 0 */
            ss[ns] = s;
            ns += _mm512_cmp_ps_mask(_mm512_maskz_loadu_ps((__mmask16)$(string.format("0x%x", (1 << R) - 1)), &x->row[s].v[i0]), _mm512_setzero_ps(), _CMP_NEQ_UQ) != 0;
        }
#else
        for (int s = 0; s < n; ++s) { /* written always, kept where not all 0 */
            ss[ns] = s;
            ns += $(L.nonzero("x->row[s].v[i0 + %d]", R));
        }
#endif
@       else
        for (int s = 0; s < n; ++s) { /* written always, kept where not all 0 */
            ss[ns] = s;
            ns += $(L.nonzero("x->row[s].v[i0 + %d]", R));
        }
@       end
@     end
@     ranged({ R = R, c0 = "j0", init = false, loop = loop, b = "&d->row[s].v[j0]",
@              a = function(r) return "x->row[s].v[i0 + " .. r .. "]" end, sgd = sgd,
@              out = function(r, c) return (sgd and "p" or "g") .. "->w[i0 + " .. r .. "][" .. c .. "]" end },
@            L.grad_vmax, L.n_out, L.vtail_out)
@   end

@   for _, sgd in ipairs(m.batch_fused and { false, true } or { false }) do
@     head = "static void " .. m.name .. "_" .. L.id .. (sgd and "_batch_step" or "_batch_grads")

@     if sgd then
/* $(L.id) batch step: the batch gradient above with plain SGD fused in, w -= rate * dw and
 * b -= rate * db as $(m.name)_update computes them, without writing the gradient; the same
 * $(L.ksplit and "rows of w" or "columns"), so any split gives the same bits */
$(head)($(L.params_type) *restrict p, const $(L.batch_in_type) *restrict x, const $(L.batch_delta_type) *restrict d,
$(pad(head))int n, $(T) rate, int part, int parts)
@     else
/* $(L.id) batch gradient, summed over the n real rows (rows past n are never read),
@       if L.ksplit then
 * the rows of w of part `part` of `parts` (its share of its half of the inputs,
 * $(m.name)_kparts: the part owns these rows of w in every pass), each sum over s in
 * order whatever the split, so any split gives the same bits:
@       else
 * the columns [c0, c1) of part `part` of `parts` ($(m.name)_cols: the part owns these
 * columns of w in every pass), each sum over s in order whatever the split, so any
 * split gives the same bits:
@       end
 *   db[j] = sum_s d[s][j]
 *   dw[i][j] = sum_s x[s][i] d[s][j]   (blocks of $(L.gb) rows by up to $(L.grad_vmax * V) columns$(L.skip_zero and ("; rows of the batch whose " .. L.gb .. " inputs are all 0 are skipped") or "")) */
$(head)($(L.grads_type) *restrict g, const $(L.batch_in_type) *restrict x, const $(L.batch_delta_type) *restrict d,
$(pad(head))int n, int part, int parts)
@     end
{
@     if L.ksplit then
    /* by rows of w: the blocks of $(L.gb) rows u0 <= u < u1 of the part's half of the
     * inputs (rows $(L.gkb * L.gb).. are the second half's), every column */
    int g0, g1, share, shares;
    $(m.name)_kparts(part, parts, &g0, &g1, &share, &shares);
    const int lo = g0 == 0 ? 0 : $(L.gkb), hi = g1 == 2 ? $(L.gfull) : $(L.gkb);
    const int u0 = lo + (hi - lo) * share / shares, u1 = lo + (hi - lo) * (share + 1) / shares;
    const int c0 = 0, c1 = $(L.n_out), cw = $(L.n_out - L.vtail_out); /* every column; cw: the end of the whole vectors */
    (void)c1;
    if (g0 == 0 && share == 0) { /* b: the first share of the first half */
@     else
@       cols(L.n_out, L.vtail_out)
    if (c0 == c1)
        return;
    {
@     end
@     if sgd then
        $(T) db[$(L.n_out)];
@     else
        $(T) *restrict db = g->b;
@     end
        for (int j = c0; j < c1; ++j)
            db[j] = $(Z0);
        for (int s = 0; s < n; ++s)
            for (int j = c0; j < c1; ++j)
                db[j] += d->row[s].v[j];
@     if sgd then
        for (int j = c0; j < c1; ++j)
            p->b[j] -= rate * db[j];
@     end
    }
@   if L.ksplit then
    for (int i0 = u0 * $(L.gb); i0 < u1 * $(L.gb); i0 += $(L.gb)) {
@   elseif L.gfull > 1 then
    for (int i0 = 0; i0 < $(L.gfull * L.gb); i0 += $(L.gb)) {
@   else
    {
        const int i0 = 0;
@   end
@   grads_rows(L.gb, sgd)
    }
@   if L.gtail > 0 then
    $(L.ksplit and ("if (u1 == " .. L.gfull .. ") ") or ""){ /* the last $(L.gtail) rows */
        const int i0 = $(L.gfull * L.gb);
@     grads_rows(L.gtail, sgd)
    }
@   end
}
@   end
@ end
#endif /* $(m.NAME)_INFERENCE_ONLY */
