@ -- All passes of one dense layer, forward beside backward. In scope: m, L,
@ -- P (the layer before, or false) and the helpers of gen/emit.lua. Prints
@ -- what gen/layers/dense.lua computed; no shape arithmetic here.

/* $(L.id): dense $(L.n_in) -> $(L.n_out), $(L.activation)$(L.unroll == "full" and ", unrolled" or "")
 *   z[j] = b[j] + sum_i x[i] * w[i][j]     x: $(L.in_type), z: $(L.n_out)
 *   y = $(L.activation)(z)                      y: $(L.out_type) */
static void $(m.name)_$(L.id)_forward($(L.out_type) *restrict y, $(L.keeps_logits and (m.name .. "_logits *restrict zo, ") or "")const $(L.params_type) *restrict p,
$(pad("static void " .. m.name .. "_" .. L.id .. "_forward"))const $(L.in_type) *restrict x)
{
@ if L.unroll == "full" then
@   for j = 0, L.n_out - 1 do
    $(L.z)[$(j)] = $(sum("p->b[" .. j .. "]", L.n_in, "x->v[{i}] * p->w[{i}][" .. j .. "]"));
@   end
@ else
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
$(I)    for (int i = 0; i < $(L.n_in); ++i) {
$(I)        const $(m.T) xi = x->v[i];
@     if L.skip_zero then
$(I)        if (xi == $(m.ZERO))
$(I)            continue; /* a zero input adds nothing to z */
@     end
$(I)        for (int j = 0; j < $(blk.width); ++j)
$(I)            z[j] += xi * p->w[i][$(J)];
$(I)    }
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
    dx->v[$(i)] = ($(L.dx_sum(i))) * ($(P.deriv("x->v[" .. i .. "]")));
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
        dx->v[i] = s[0] * ($(P.deriv("xi")));
@     end
@     if mode == "step" and L.skip_zero then
        if (xi == $(m.ZERO))
            continue; /* a zero input leaves row i unchanged */
@     end
        for (int j = 0; j < $(L.n_out); ++j)
            $(upd:format("w[i][j]", "xi * d->v[j]"))
    }
@   end
}
@ end
@ if m.batch > 1 then
@   local Z = L.keeps_logits and "zo->row" or "y->row"
@   local head = "static void " .. m.name .. "_" .. L.id .. "_batch_forward"

/* $(L.id) batch forward: the forward pass above, $(m.batch) rows, $(m.sb) at a time */
$(head)($(L.batch_out_type) *restrict y, $(L.keeps_logits and (m.name .. "_batch_logits *restrict zo, ") or "")const $(L.params_type) *restrict p,
$(pad(head))const $(L.batch_in_type) *restrict x)
{
    for (int s0 = 0; s0 < $(m.batch); s0 += $(m.sb)) {
@   for _, blk in ipairs(L.jblocks) do
@     local loop = blk.count > 1
@     if loop then
        for (int j0 = $(blk.start); j0 < $(blk.start + blk.count * blk.width); j0 += $(blk.width)) {
@     else
        {
            const int j0 = $(blk.start);
@     end
@     for r = 0, m.sb - 1 do
            $(m.T) acc$(r)[$(blk.width)];
@     end
            for (int j = 0; j < $(blk.width); ++j) {
@     for r = 0, m.sb - 1 do
                acc$(r)[j] = p->b[j0 + j];
@     end
            }
            for (int i = 0; i < $(L.n_in); ++i) {
                const $(m.T) *restrict w = &p->w[i][j0];
@     for r = 0, m.sb - 1 do
                const $(m.T) x$(r) = x->row[s0 + $(r)].v[i];
@     end
@     if L.skip_zero then
                if ($(zero_test("x", m.sb, m.ZERO)))
                    continue; /* zero inputs add nothing */
@     end
                for (int j = 0; j < $(blk.width); ++j) {
@     for r = 0, m.sb - 1 do
                    acc$(r)[j] = $(m.NAME)_MADD(x$(r), w[j], acc$(r)[j]);
@     end
                }
            }
            for (int j = 0; j < $(blk.width); ++j) {
@     for r = 0, m.sb - 1 do
                $(Z)[s0 + $(r)].v[j0 + j] = acc$(r)[j];
@     end
            }
        }
@   end
    }
@   if L.activation == "softmax" then
    for (int s = 0; s < $(m.batch); ++s) {
        const $(m.T) *restrict z = zo->row[s].v;
        $(m.T) *restrict ys = y->row[s].v;
        $(m.T) zmax = z[0];
        for (int j = 1; j < $(L.n_out); ++j)
            zmax = z[j] > zmax ? z[j] : zmax;
        $(m.T) sum = $(m.ZERO);
        for (int j = 0; j < $(L.n_out); ++j) {
            ys[j] = exp$(m.fsuf)(z[j] - zmax);
            sum += ys[j];
        }
        for (int j = 0; j < $(L.n_out); ++j)
            ys[j] /= sum;
    }
@   elseif L.activation ~= "identity" or L.keeps_logits then
    for (int s = 0; s < $(m.batch); ++s)
        for (int j = 0; j < $(L.n_out); ++j)
            y->row[s].v[j] = $(act(L, Z .. "[s].v[j]"));
@   end
}
@   head = "static void " .. m.name .. "_" .. L.id .. "_batch_backward"

/* $(L.id) batch backward: the backward pass above, summed over the n real rows
 *   (rows past n are never read, so they may hold anything)
 *   db[j] = sum_s d[s][j];  dw[i][j] = sum_s x[s][i] * d[s][j]
 *   (dw in blocks of $(L.ib) rows by up to $(L.jblocks[1].width) columns, summed in registers over s in order)
@   if P then
 *   dx[s][i] = (sum_j w[i][j] * d[s][j]) * $(P.deriv_name)'(x[s][i])   (over j in order, from w transposed) */
@   else
 *   first layer: no gradient for the network input */
@   end
$(head)($(L.grads_type) *restrict g, $(P and (P.batch_delta_type .. " *restrict dx, " .. m.T .. " (*restrict wt)[" .. L.n_in .. "], const " .. L.params_type .. " *restrict p, ") or "")
$(pad(head))const $(L.batch_in_type) *restrict x, const $(L.batch_delta_type) *restrict d, int n)
{
    for (int j = 0; j < $(L.n_out); ++j)
        g->b[j] = $(m.ZERO);
    for (int s = 0; s < n; ++s)
        for (int j = 0; j < $(L.n_out); ++j)
            g->b[j] += d->row[s].v[j];
@   for _, blk in ipairs(L.iblocks) do
@     for _, jb in ipairs(L.jblocks) do
    for (int i0 = $(blk.start); i0 < $(blk.start + blk.count * blk.rows); i0 += $(blk.rows)) {
@       if jb.count > 1 then
        for (int j0 = $(jb.start); j0 < $(jb.start + jb.count * jb.width); j0 += $(jb.width)) {
@       else
        {
            const int j0 = $(jb.start);
@       end
@       for r = 0, blk.rows - 1 do
            $(m.T) acc$(r)[$(jb.width)] = {$(m.ZERO)};
@       end
            for (int s = 0; s < n; ++s) {
                const $(m.T) *restrict ds = &d->row[s].v[j0];
@       for r = 0, blk.rows - 1 do
                const $(m.T) x$(r) = x->row[s].v[i0 + $(r)];
@       end
@       if L.skip_zero then
                if ($(zero_test("x", blk.rows, m.ZERO)))
                    continue; /* zero inputs add nothing */
@       end
                for (int j = 0; j < $(jb.width); ++j) {
@       for r = 0, blk.rows - 1 do
                    acc$(r)[j] = $(m.NAME)_MADD(x$(r), ds[j], acc$(r)[j]);
@       end
                }
            }
            for (int j = 0; j < $(jb.width); ++j) {
@       for r = 0, blk.rows - 1 do
                g->w[i0 + $(r)][j0 + j] = acc$(r)[j];
@       end
            }
        }
    }
@     end
@   end
@   if P then
    /* w transposed once per batch, so that each dx row sums over contiguous memory */
    for (int i = 0; i < $(L.n_in); ++i)
        for (int j = 0; j < $(L.n_out); ++j)
            wt[j][i] = p->w[i][j];
    for (int s = 0; s < n; ++s) {
        const $(m.T) *restrict ds = d->row[s].v;
        $(m.T) *restrict acc = dx->row[s].v; /* summed in place: no scratch on the stack */
        for (int i = 0; i < $(L.n_in); ++i)
            acc[i] = $(m.ZERO);
        for (int j = 0; j < $(L.n_out); ++j) {
            const $(m.T) dj = ds[j];
            for (int i = 0; i < $(L.n_in); ++i)
                acc[i] = $(m.NAME)_MADD(dj, wt[j][i], acc[i]);
        }
        for (int i = 0; i < $(L.n_in); ++i)
            acc[i] *= $(P.deriv("x->row[s].v[i]"));
    }
@   end
}
@ end
#endif /* $(m.NAME)_INFERENCE_ONLY */
