# stack.awk: the deepest stack a function can need, from the call graphs
# that gcc -fcallgraph-info=su writes (*.ci).
#
#     awk -v root=mnist_predict -f stack.awk build/*.ci
#
# Prints the worst call chain with each frame's size and their sum. Functions
# gcc did not compile here (expf, memcpy: library code) have no known frame:
# they are named and counted as 0, so add what they use on your target.

/^node:/ {
    title = $0; sub(/^node: \{ title: "/, "", title); sub(/".*/, "", title)
    name = title; sub(/.*:/, "", name)
    label = $0; sub(/.*label: "/, "", label)
    short[title] = name
    if (match(label, /\\n[0-9]+ bytes/)) {
        frame[title] = substr(label, RSTART + 2, RLENGTH - 8) + 0
        kind[title] = (label ~ /\(static\)/) ? "" : " (dynamic: a lower bound)"
    }
    byname[name] = title
}
/^edge:/ {
    src = $0; sub(/.*sourcename: "/, "", src); sub(/".*/, "", src)
    dst = $0; sub(/.*targetname: "/, "", dst); sub(/".*/, "", dst)
    if (!((src, dst) in seen)) {
        seen[src, dst] = 1
        callees[src] = callees[src] SUBSEP dst
    }
}

function depth(f,    n, i, list, d, best, bestc) {
    if (f in memo) return memo[f]
    if (f in busy) { recursive = 1; return 0 }
    busy[f] = 1
    best = 0; bestc = ""
    n = split(callees[f], list, SUBSEP)
    for (i = 2; i <= n; ++i) {
        d = depth(list[i])
        if (!(list[i] in frame)) external[short[list[i]] != "" ? short[list[i]] : list[i]] = 1
        else if (d > best || bestc == "") { best = d; bestc = list[i] }
    }
    delete busy[f]
    next_in_chain[f] = bestc
    memo[f] = (f in frame ? frame[f] : 0) + best
    return memo[f]
}

END {
    if (!(root in byname)) { print "stack.awk: error: no function " root " in the call graph" > "/dev/stderr"; exit 1 }
    f = byname[root]
    total = depth(f)
    printf "deepest stack of %s: %d bytes\n", root, total
    for (; f != ""; f = next_in_chain[f])
        printf "  %6d  %s%s\n", frame[f], short[f], kind[f]
    n = 0
    for (e in external) names[++n] = e
    for (i = 2; i <= n; ++i)                       # sorted, for a stable output
        for (j = i; j > 1 && names[j - 1] > names[j]; --j) { t = names[j]; names[j] = names[j - 1]; names[j - 1] = t }
    libs = ""
    for (i = 1; i <= n; ++i) libs = libs (i > 1 ? ", " : "") names[i]
    if (libs != "") print "  plus the deepest of the library calls on the way: " libs
    if (recursive) print "  warning: recursion; the figure is not a bound"
}
