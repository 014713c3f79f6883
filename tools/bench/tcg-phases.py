#!/usr/bin/env python3
"""How many guest instructions QEMU TCG executes in each phase of the kit's Linux boot, and how fast:
boots the newest guest kit (bench boot's command line) under qemu-system-x86_64 -accel tcg with the
plugin tools/bench/qemu-icount.c (built here with gcc), timestamps the console's lines, and prints
the instructions and MIPS from start to /init and from /init's uptime line to its modules line (the
16 insmods, whose module signatures are hashed and checked), and to power-off.

usage: tools/bench/tcg-phases.py [--cpus N] [--kernel FILE]
  --kernel    another kernel for the kit's initrd, e.g. the vmlinux ELF jvisor decompressed into
              ~/.cache/jvisor/vmlinux: QEMU boots such an ELF at its PVH entry, without the
              bzImage's decompressor, as jvisor's default entry does
  JVISOR_KIT  a kit directory (default: the newest in ~/.cache/jvisor/kit)

REP string iterations are printed apart: TCG counts each as an instruction, emu's --stats counts a
REP instruction once. The same phases on emu: `./jvisor run ... --stats` gives the whole boot's count.
"""
import os, subprocess, sys, tempfile, time

here = os.path.dirname(os.path.abspath(__file__))
cpus = sys.argv[sys.argv.index('--cpus') + 1] if '--cpus' in sys.argv else '1'
kernel = sys.argv[sys.argv.index('--kernel') + 1] if '--kernel' in sys.argv else None
kits = os.path.expanduser('~/.cache/jvisor/kit')
try:
    kit = os.environ.get('JVISOR_KIT') or max((os.path.join(kits, d) for d in os.listdir(kits)
                                              if os.path.isfile(os.path.join(kits, d, 'vmlinuz'))), key=os.path.getmtime)
except (FileNotFoundError, ValueError):
    sys.exit('tcg-phases: no guest kit; run ./jvisor guest fetch first')
kernel = kernel or f'{kit}/vmlinuz'
if not os.path.isfile(kernel):
    sys.exit(f'tcg-phases: no kernel {kernel}')
work = tempfile.mkdtemp(prefix='tcg-phases.')
plugin = os.path.join(work, 'qemu-icount.so')
counts = os.path.join(work, 'counts.txt')
if subprocess.run(['gcc', '-shared', '-fPIC', '-O2', '-o', plugin, os.path.join(here, 'qemu-icount.c'),
                   '-lpthread']).returncode != 0:
    sys.exit('tcg-phases: building the plugin failed')
cmdline = 'console=ttyS0 quiet cryptomgr.notests jvisor.test=1'
cmd = ['qemu-system-x86_64', '-accel', 'tcg', '-m', '512', '-smp', cpus, '-kernel', kernel,
       '-initrd', f'{kit}/initrd.img', '-append', cmdline, '-display', 'none', '-serial', 'stdio',
       '-monitor', 'none', '-no-reboot', '-plugin', f'{plugin},out={counts}']
start = time.time()
lines = []
with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as p:
    for raw in p.stdout:
        lines.append((time.time(), raw.decode(errors='replace').rstrip()))


def when(text):
    return next((t for t, line in lines if text in line), None)


samples = []
for line in open(counts):
    f = line.split()
    if f[0] != 'total':
        samples.append((float(f[0]), int(f[1]), int(f[2])))
if not samples:
    sys.exit('tcg-phases: QEMU wrote no counts (a QEMU without plugin support, or one whose plugin API is not version 1)')


def at(t):
    """The count sampled nearest to wall-clock time t."""
    return min(samples, key=lambda s: abs(s[0] - t))


marks = [('start', start), ('/init', when('jvisor-linux: init started')), ('uptime', when('jvisor-linux: uptime')),
         ('modules', when('jvisor-linux: modules')), ('off', samples[-1][0])]
if any(t is None for _, t in marks):
    sys.exit('tcg-phases: the boot did not reach the test script\'s lines; its console:\n'
             + '\n'.join(line for _, line in lines[-20:]))
print(f'QEMU TCG, {cpus} processor(s), kit {os.path.basename(kit)}, kernel {kernel}')
for (a, ta), (b, tb) in [(marks[0], marks[1]), (marks[2], marks[3]), (marks[0], marks[4])]:
    ca, cb = at(ta), at(tb)
    n, reps = cb[1] - ca[1], cb[2] - ca[2]
    print(f'{a:>7} -> {b:<8} {tb - ta:6.2f} s  {n / 1e6:8.1f} M instructions ({reps / 1e6:.1f} M REP iterations)'
          f'  {n / 1e6 / max(tb - ta, 1e-9):7.0f} MIPS')
