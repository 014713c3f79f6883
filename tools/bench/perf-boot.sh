#!/bin/bash
# Where a Linux boot on the emu engine spends its CPU: boots the newest guest kit once
# (./jvisor run --engine emu, to power-off) under `perf record` (cpu-clock, 499 Hz) with a
# perf map of HotSpot's compiled code, then prints the samples per thread and, for each
# processor's thread, per kind of code and the top symbols.
# Usage: tools/bench/perf-boot.sh [CPUS [OUTDIR]]   (needs perf; JVM options may be added in JVISOR_PERF_JVM)
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
cpus=${1:-1}
out=${2:-$(mktemp -d /tmp/jvisor-perf.XXXXXX)}
command -v perf >/dev/null || { echo "perf-boot: perf is not installed (apt-get install linux-perf)" >&2; exit 2; }
[[ "$cpus" =~ ^[1-8]$ ]] || { echo "perf-boot: CPUS must be 1 to 8, not '$cpus'" >&2; exit 2; }
kit=""
for d in $(ls -td "${XDG_CACHE_HOME:-$HOME/.cache}"/jvisor/kit/*/ 2>/dev/null); do
    if [ -f "$d/vmlinuz" ] && [ -f "$d/initrd.img" ]; then kit=${d%/}; break; fi
done
[ -n "$kit" ] || { echo "perf-boot: no guest kit; run ./jvisor guest fetch first" >&2; exit 2; }
mkdir -p "$out"
# Builds the jar and its AOT cache first if the sources changed, so perf records only the boot.
"$here/jvisor" --help >/dev/null 2>&1 || true
# The perf map is written when the JVM exits, so compiled code is named as it was then.
JAVA_TOOL_OPTIONS="-XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit ${JVISOR_PERF_JVM:-}" \
    perf record -q -F 499 -o "$out/boot.data" -- "$here/jvisor" run --engine emu --cpus "$cpus" --memory 512M \
    --kernel "$kit/vmlinuz" --initrd "$kit/initrd.img" --stats \
    --cmdline "console=ttyS0 quiet cryptomgr.notests jvisor.test=1" >"$out/serial.txt" 2>"$out/stderr.txt" || true
grep -E "^processor [0-9]+:" "$out/stderr.txt" || { echo "perf-boot: the boot did not finish; see $out" >&2; exit 1; }
echo "== samples per thread (499 a second; $out)"
perf report -i "$out/boot.data" --sort comm --stdio 2>/dev/null | grep '%' | head -12
for ((t = 0; t < cpus; t++)); do
    perf report -i "$out/boot.data" --comm "cpu$t" --sort sym --stdio 2>/dev/null | grep '%' >"$out/cpu$t.symbols" || true
    echo "== cpu$t by kind of code (% of its samples)"
    awk '{ p = $1; sub("%", "", p); $1 = ""; $2 = ""; s = $0
           if (s ~ /region\.Warm/) k = "regions for C1 (Warm)"
           else if (s ~ /region\.Hot/) k = "regions for C2 (Hot)"
           else if (s ~ /Interpreter\./) k = "dispatcher (Interpreter, with what C2 inlined)"
           else if (s ~ /vtable chunks|itable/) k = "megamorphic call stubs"
           else if (s ~ /Mmu\.|PageWalker/) k = "Mmu"
           else if (s ~ /Lambda/) k = "instruction handlers (lambdas)"
           else if (s ~ /jvisor\.engine\.emu\.exec/) k = "exec, other"
           else if (s ~ /jvisor\.engine\.emu\.region/) k = "region support"
           else if (s ~ /jvisor/) k = "jvisor, other"
           else k = "JVM and native"
           sum[k] += p; all += p }
         END { for (k in sum) printf "  %5.1f%%  %s\n", 100 * sum[k] / all, k }' "$out/cpu$t.symbols" | sort -rn
    echo "== cpu$t top symbols (% of all samples)"
    head -20 "$out/cpu$t.symbols"
done
