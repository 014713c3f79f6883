#!/usr/bin/env bash
# Runs a command where /dev/kvm exists, on a host that has none: a QEMU TCG machine whose emulated
# CPU has AMD SVM (-cpu max) boots Debian's kernel, loads kvm_amd, mounts this host's / over 9p
# and runs the command chrooted into it. Slow (everything in the guest is emulated) but real KVM:
# the kvm engine's /dev/kvm tests and its benchmark run unchanged.
#
#   tools/kvm-in-qemu.sh                 # the kvm engine's tests (classes must be built)
#   tools/kvm-in-qemu.sh 'cd /path && java -jar vmm/target/jvisor.jar bench exit iterations=20000'
#
# Needs qemu-system-x86_64, apt-get (Debian's linux-image-amd64 and busybox-static are downloaded
# once into the cache) and root (9p passthrough of /). Exits with the command's status, or 3 if the
# machine could not be set up or never ran it.
#
# Single-threaded TCG (thread=single), on purpose. Multi-threaded TCG (QEMU 7.2, Debian 12) does not
# keep code that one vCPU rewrites coherent with what another vCPU translates: a translation can
# take some bytes of an instruction from before a store and the rest from after it, and a store can
# leave a stale translation running. A JIT does exactly that store: HotSpot makes an nmethod not
# entrant by writing a jmp over its first instruction with aligned 4-byte stores while other
# threads call it, which x86 hardware executes as the old or the new bytes, never a mixture. Under
# thread=multi the JVM in the guest died with SIGSEGV at C1 method entries (hs_err: pc at a patched
# entry "e9 5b e3 2b 07 fe ff", si_addr 0xfffffffffffe07dc = rbx 0xb1 + disp32 0xfffe072b, that is
# the old "89 84" (mov %eax, disp32(SIB)) with the new bytes "e3 2b 07 fe ff" as SIB and
# displacement). tools/smc-race.c shows it in a minute: torn and stale code under thread=multi
# (with -cpu max and -cpu EPYC alike), none under thread=single, none on hardware. With
# thread=single the two vCPUs take turns on one host thread: the guest still has two processors,
# the run takes longer. JVISOR_KVM_QEMU_ACCEL overrides the -accel value (for trying a newer QEMU).
#
# What timings mean here: the guest kernel's KVM, every VMRUN/#VMEXIT and the JVM itself are
# emulated, so an I/O exit round trip costs some 50-150 us (C reference and jvisor alike) and the
# VMM takes half a minute to start. The tests only check what happened (exits, their data, kicks,
# halts), with time bounds of a minute or more; the exit benchmark's test checks the report's
# shape, not its numbers (its ratio target is missed here and is not asserted). Figures from this
# machine measure QEMU, not jvisor or KVM.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${JVISOR_KVM_QEMU_CACHE:-$HOME/.cache/jvisor-kvm-in-qemu}"
modules=(virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci netfs fscache 9pnet
         9pnet_virtio 9p irqbypass kvm ccp kvm-amd)

prepare() {
    mkdir -p "$cache"
    cd "$cache"
    if [ ! -f kernel/done ]; then
        local image
        image="$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/ {print $2; exit}')"
        rm -rf kernel busybox ./*.deb
        apt-get download "$image" busybox-static >/dev/null
        dpkg-deb -x linux-image-*.deb kernel
        dpkg-deb -x busybox-static_*.deb busybox
        touch kernel/done
    fi
    [ -f initrd.gz ] && return
    rm -rf initrd && mkdir -p initrd/bin initrd/mods initrd/proc initrd/sys initrd/dev initrd/host
    cp busybox/bin/busybox initrd/bin/
    for m in "${modules[@]}"; do
        cp "$(find kernel/lib/modules -name "$m.ko" | head -1)" initrd/mods/
    done
    cat > initrd/init <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in ${modules[*]}; do insmod /mods/\$m.ko || echo "kvm-in-qemu: insmod \$m failed"; done
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 host /host
mount --bind /dev /host/dev; mount --bind /proc /host/proc; mount --bind /sys /host/sys
script=\$(sed -n 's/.*jscript=\([^ ]*\).*/\1/p' /proc/cmdline)
chroot /host /bin/bash "\$script"
echo "kvm-in-qemu: exit status \$?"
poweroff -f
INIT
    chmod +x initrd/init
    (cd initrd && find . | ../busybox/bin/busybox cpio -o -H newc 2>/dev/null | gzip) > initrd.gz
}

default_command() {
    (cd "$here" && mvn -B -q -o dependency:build-classpath -Dmdep.outputFile="$cache/classpath" \
          -Dmdep.includeScope=test -pl vmm >/dev/null)
    local cp
    cp="$(cat "$cache/classpath")"
    echo "cd '$here/vmm' && java --enable-native-access=ALL-UNNAMED -Xss4m \
-cp target/classes:target/test-classes:$cp:$(launcher) \
org.junit.platform.console.ConsoleLauncher execute --disable-banner --disable-ansi-colors \
--select-class jvisor.engine.kvm.KvmGuestTest --select-class jvisor.engine.kvm.KvmEngineOpenTest \
--select-class jvisor.engine.kvm.ThreadKickerTest --select-class jvisor.bench.KvmExitBenchTest \
--select-class jvisor.engine.kvm.KvmGuestDebugTest --select-class jvisor.debug.gdb.GdbKvmTest \
--select-class jvisor.engine.kvm.KvmVmmcallTest"
}

launcher() {
    local jar="$cache/junit-platform-console-standalone.jar"
    if [ ! -f "$jar" ]; then
        (cd "$cache" && mvn -B -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.11.4 \
            -DoutputDirectory=. >/dev/null && mv junit-platform-console-standalone-1.11.4.jar "$jar")
    fi
    echo "$jar"
}

command="${1:-}"
# Status 3: the machine could not be set up (no network for the downloads, say), as opposed to a
# command that ran and failed.
set -E
trap 'echo "kvm-in-qemu: could not prepare the QEMU machine" >&2; exit 3' ERR
prepare
[ -n "$command" ] || command="$(default_command)"
trap - ERR
java_home="${JAVA_HOME:-$(ls -d /usr/lib/jvm/*25* 2>/dev/null | head -1)}"
script="$(mktemp /tmp/kvm-in-qemu-XXXXXX.sh)"
trap 'rm -f "$script"' EXIT
# The machine's init brings up no network interface, not even loopback, which tests that talk
# TCP to the VMM on 127.0.0.1 (gdb to the gdb stub) need.
printf 'export PATH=%s/bin:$PATH JAVA_HOME=%s\nip link set lo up 2>/dev/null || true\n%s\n' "$java_home" "$java_home" \
    "$command" > "$script"

log="$(mktemp /tmp/kvm-in-qemu-XXXXXX.log)"
qemu-system-x86_64 -accel "${JVISOR_KVM_QEMU_ACCEL:-tcg,thread=single}" -cpu max -smp 2 -m 4096 -nographic -no-reboot \
    -kernel "$(ls "$cache"/kernel/boot/vmlinuz-*)" -initrd "$cache/initrd.gz" \
    -append "console=ttyS0 quiet panic=-1 jscript=$script" \
    -virtfs local,path=/,mount_tag=host,security_model=passthrough,id=host,multidevs=remap | tee "$log"
status="$(sed -n 's/^kvm-in-qemu: exit status \([0-9]*\).*/\1/p' "$log" | tail -1)"
rm -f "$log"
if [ -z "$status" ]; then
    echo "kvm-in-qemu: the QEMU machine never ran the command" >&2
    exit 3
fi
exit "$status"
