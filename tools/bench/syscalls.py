#!/usr/bin/env python3
"""Times the kernel's system-call path on emu: `dd if=/dev/zero of=/dev/null bs=1k count=N` (2N
system calls) inside the guest kit's Linux, run from a script disk (jvisor.script=/dev/vda).

usage: tools/bench/syscalls.py JAR COUNT [--jfr OUT.jfr] [--qemu]
  JAR        a built vmm/target/jvisor.jar (its lib/ beside it), so two builds can alternate
  --jfr      records JFR (DebugNonSafepoints) between the guest's start and end markers only
  --qemu     the same guest under qemu-system-x86_64 -accel tcg instead (JAR is ignored)
  JOPTS      extra JVM options; JVISOR_KIT a kit directory (default: the newest in ~/.cache/jvisor/kit)
Prints the seconds between the markers (wall, and CPU of the guest processor's thread cpu0), the
whole run's wall and CPU time (every thread: the JIT and the region compiler too), and
the --stats lines; a boot with COUNT=0 subtracted from one with COUNT=N gives the phase's
instructions and region runs.
"""
import os, subprocess, sys, time, tempfile

jar, count = sys.argv[1], int(sys.argv[2])
jfr = sys.argv[sys.argv.index('--jfr') + 1] if '--jfr' in sys.argv else None
qemu = '--qemu' in sys.argv
kits = os.path.expanduser('~/.cache/jvisor/kit')
kit = os.environ.get('JVISOR_KIT') or max((os.path.join(kits, d) for d in os.listdir(kits)
                                          if os.path.isfile(os.path.join(kits, d, 'vmlinuz'))), key=os.path.getmtime)
jdk = os.environ.get('JAVA_HOME', '/usr/lib/jvm/temurin-25-jdk-amd64')
java = f'{jdk}/bin/java'
script = ('echo "sysbench: start"\n'
          f'dd if=/dev/zero of=/dev/null bs=1k count={count} 2>/dev/null\n'
          'echo "sysbench: end"\n').encode()
img = tempfile.NamedTemporaryFile(suffix='.img', delete=False)
img.write(script + b'\0' * ((len(script) + 511) // 512 * 512 + 512 - len(script)))
img.close()
cmdline = 'console=ttyS0 quiet cryptomgr.notests jvisor.script=/dev/vda jvisor.test=1'
if qemu:
    cmd = ['qemu-system-x86_64', '-accel', 'tcg', '-m', '512', '-kernel', f'{kit}/vmlinuz', '-initrd',
           f'{kit}/initrd.img', '-append', cmdline, '-drive', f'if=none,id=d0,format=raw,readonly=on,file={img.name}',
           '-device', 'virtio-blk-pci,drive=d0,disable-legacy=on', '-display', 'none', '-serial', 'stdio',
           '-monitor', 'none', '-no-reboot', '-nic', 'none']
else:
    opts = ['--enable-native-access=ALL-UNNAMED', '--sun-misc-unsafe-memory-access=allow', '-Xss4m',
            '-XX:+UseParallelGC', '-XX:CompileCommand=quiet',
            '-XX:CompileCommand=CompileThresholdScaling,jvisor/engine/emu/region/Warm*.run,0.1']
    if jfr:
        opts += ['-XX:+UnlockDiagnosticVMOptions', '-XX:+DebugNonSafepoints']
    opts += os.environ.get('JOPTS', '').split()
    cmd = [java] + opts + ['-jar', jar, 'run', '--engine', 'emu', '--memory', '512M', '--kernel',
                           f'{kit}/vmlinuz', '--initrd', f'{kit}/initrd.img', '--drive',
                           f'file={img.name},readonly=on', '--cmdline', cmdline, '--stats']
t0 = time.time()
p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
start = end = None
cpu_start = cpu_end = None
TICK = os.sysconf('SC_CLK_TCK')
def cpu0_seconds(pid):
    for tid in os.listdir(f'/proc/{pid}/task'):
        try:
            if open(f'/proc/{pid}/task/{tid}/comm').read().strip() == 'cpu0':
                f = open(f'/proc/{pid}/task/{tid}/stat').read().rsplit(')', 1)[1].split()
                return (int(f[11]) + int(f[12])) / TICK
        except OSError:
            pass
    return float('nan')
out = []
for raw in p.stdout:
    line = raw.decode(errors='replace').rstrip()
    now = time.time()
    out.append(line)
    if 'sysbench: start' in line and start is None:
        start = now
        cpu_start = cpu0_seconds(p.pid)
        if jfr:
            subprocess.run([f'{jdk}/bin/jcmd', str(p.pid), 'JFR.start',
                            'name=sys', 'settings=profile', f'filename={jfr}'], stdout=subprocess.DEVNULL)
            start = time.time()
    if 'sysbench: end' in line and end is None:
        end = now
        cpu_end = cpu0_seconds(p.pid)
        if jfr:
            subprocess.run([f'{jdk}/bin/jcmd', str(p.pid), 'JFR.stop', 'name=sys'],
                           stdout=subprocess.DEVNULL)
_, _, usage = os.wait4(p.pid, 0)
os.unlink(img.name)
if start is None or end is None:
    print('\n'.join(out[-40:]))
    sys.exit('no markers')
print(f'dd count={count}: {end - start:.3f} s between markers, cpu0 thread {cpu_end - cpu_start:.2f} s CPU; total {time.time() - t0:.1f} s, process CPU {usage.ru_utime + usage.ru_stime:.1f} s')
for line in out:
    if any(k in line.lower() for k in ('instructions', 'region', 'retired')):
        print('  ' + line)
