#!/usr/bin/env python3
"""Where a wasm file's code goes: function body bytes per crate, from the name section of the
unoptimized release wasm (before wasm-opt strips the names). A size profile, not a test.
    python3 bench/web/wasm-profile.py target/front/wasm32-unknown-unknown/wasm-release/frontend.wasm
"""
import re, sys
from collections import Counter

def leb(data, i):
    result = shift = 0
    while True:
        b = data[i]; i += 1
        result |= (b & 0x7F) << shift; shift += 7
        if b < 0x80:
            return result, i

data = open(sys.argv[1], "rb").read()
i, imports, bodies, names, sections = 8, 0, [], {}, Counter()
while i < len(data):
    sid = data[i]; size, i = leb(data, i + 1); end = i + size
    if sid == 2:  # imports: count the imported functions (they come first in the index space)
        n, j = leb(data, i)
        for _ in range(n):
            for _ in range(2):
                l, j = leb(data, j); j += l
            kind = data[j]; j += 1
            if kind == 0: _, j = leb(data, j); imports += 1
            elif kind == 1: j += 1; flags, j = leb(data, j); _, j = leb(data, j); j = leb(data, j)[1] if flags & 1 else j
            elif kind == 2: flags, j = leb(data, j); _, j = leb(data, j); j = leb(data, j)[1] if flags & 1 else j
            elif kind == 3: j += 2
    if sid == 10:  # code
        n, j = leb(data, i)
        for _ in range(n):
            l, j = leb(data, j); bodies.append(l); j += l
    if sid == 0:
        l, j = leb(data, i); name = data[j:j + l].decode(); j += l
        sections["custom:" + name] += size
        if name == "name":
            while j < end:
                sub = data[j]; sl, j = leb(data, j + 1); sub_end = j + sl
                if sub == 1:
                    n, k = leb(data, j)
                    for _ in range(n):
                        idx, k = leb(data, k); nl, k = leb(data, k); names[idx] = data[k:k + nl].decode("utf8", "replace"); k += nl
                j = sub_end
    else:
        sections[sid] += size
    i = end

def crate(symbol):
    m = re.match(r"_ZN(\d+)(.*)", symbol)
    if m:
        ident = m.group(2)[: int(m.group(1))]
        return ident
    m = re.match(r"[<&]*(?:mut |dyn )?([a-zA-Z_][a-zA-Z0-9_]*)(?:\[[0-9a-f]+\])?::", symbol)
    return m.group(1) if m else "(other)"

# v0-mangled names (`_R...`, what the wasm build's compiler writes when RUSTC_BOOTSTRAP makes
# it act as a nightly) are read demangled, with rustfilt or c++filt when one is around.
import shutil, subprocess
DEMANGLER = shutil.which("rustfilt") or shutil.which("c++filt")
def demangle(raw):
    if DEMANGLER and any(n.startswith("_R") for n in raw):
        return subprocess.run([DEMANGLER], input="\n".join(raw), capture_output=True, text=True).stdout.split("\n")
    return raw

all_names = demangle([names.get(imports + k, "") for k in range(len(bodies))])
per_crate = Counter()
for k, size in enumerate(bodies):
    per_crate[crate(all_names[k])] += size
total = sum(bodies)
print(f"code: {total:,} B in {len(bodies):,} functions; data and other sections: {sum(v for k, v in sections.items() if k != 10 and not str(k).startswith('custom')):,} B")
for name, size in per_crate.most_common(25):
    print(f"  {size:>10,} B  {100 * size / total:5.1f}%  {name}")

if len(sys.argv) > 2:  # the N largest functions, demangled when rustfilt or c++filt is around
    import shutil, subprocess
    top = sorted(range(len(bodies)), key=lambda k: -bodies[k])[: int(sys.argv[2])]
    raw = [names.get(imports + k, "?") for k in top]
    tool = shutil.which("rustfilt") or shutil.which("c++filt")
    shown = subprocess.run([tool], input="\n".join(raw), capture_output=True, text=True).stdout.split("\n") if tool else raw
    for k, name in zip(top, shown):
        print(f"  {bodies[k]:>8,} B  {name[:160]}")
