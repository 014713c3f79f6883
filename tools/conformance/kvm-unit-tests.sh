#!/usr/bin/env bash
# ./jvisor conformance kvm-unit-tests [DIR]: runs kvm-unit-tests' x86_64 list on jvisor's emu
# engine (through qemu-jvisor, standing in for QEMU) and on QEMU TCG where installed, then prints
# PASS/FAIL/SKIP per test side by side with counts. A report, not part of ./jvisor test.
#   DIR: a kvm-unit-tests checkout (built here if x86/*.flat are missing); default: a clone in
#        ~/.cache/jvisor/kvm-unit-tests. Env: KUT_JOBS (parallel tests, default 1),
#        KUT_TESTS (a space-separated subset), JVISOR_ENGINE (default emu).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
die() { echo "jvisor: $*" >&2; exit 2; }

dir="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/jvisor/kvm-unit-tests}"
if [ ! -f "$dir/run_tests.sh" ]; then
    [ -n "${1:-}" ] && die "$dir is not a kvm-unit-tests checkout (no run_tests.sh)"
    echo "jvisor: cloning kvm-unit-tests into $dir" >&2
    mkdir -p "$(dirname "$dir")"
    git clone -q https://gitlab.com/kvm-unit-tests/kvm-unit-tests.git "$dir" 2>/dev/null \
        || git clone -q https://github.com/kvm-unit-tests/kvm-unit-tests.git "$dir" \
        || die "cannot clone kvm-unit-tests (no network?): clone it elsewhere and give its directory"
fi
cd "$dir" || die "cannot enter $dir"
if ! ls x86/*.flat >/dev/null 2>&1; then
    echo "jvisor: building kvm-unit-tests (./configure --arch=x86_64 && make)" >&2
    { ./configure --arch=x86_64 && make -j"$(nproc)"; } >build.log 2>&1 || die "the build failed: see $dir/build.log"
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# shellcheck disable=SC2086
run_suite() {  # $1: label, $2: QEMU binary; writes "$out/$1" as "name RESULT" lines
    echo "jvisor: running kvm-unit-tests on $1" >&2
    rm -rf logs
    ACCEL=tcg QEMU="$2" ./run_tests.sh -j "${KUT_JOBS:-1}" ${KUT_TESTS:-} 2>&1 \
        | sed -u $'s/\e\\[[0-9;]*m//g' | tee "$out/$1.log" >&2
    sed -n 's/^\(PASS\|FAIL\|SKIP\) \([^ ]*\).*/\2 \1/p' "$out/$1.log" | sort >"$out/$1"
    [ -d logs ] && rm -rf "logs.$1" && mv logs "logs.$1"
}

"$here/../../jvisor" build >/dev/null || die "jvisor does not build"
run_suite emu "$here/qemu-jvisor"
if command -v qemu-system-x86_64 >/dev/null 2>&1; then
    run_suite tcg "$(command -v qemu-system-x86_64)"
else
    echo "jvisor: qemu-system-x86_64 is not installed: the TCG column stays empty" >&2
    : >"$out/tcg"
fi

join -a1 -a2 -e - -o 0,1.2,2.2 "$out/emu" "$out/tcg" | awk '
    BEGIN { printf "%-28s %-6s %-6s\n", "test", "emu", "tcg" }
    { printf "%-28s %-6s %-6s%s\n", $1, $2, $3, ($2 != $3 ? "  <" : ""); e[$2]++; t[$3]++ }
    END {
        printf "%-28s %-6s %-6s\n", "", "", ""
        split("PASS FAIL SKIP", k, " ")
        for (i = 1; i <= 3; i++) printf "%-28s %-6d %-6d\n", k[i], e[k[i]], t[k[i]]
    }'
echo "logs: $dir/logs.emu, $dir/logs.tcg" >&2
