#!/usr/bin/env python3
"""Where a thread's perf samples fall inside methods HotSpot compiled, instruction by instruction,
without the hsdis disassembler: HotSpot's PrintAssembly then writes each method's code as hex,
which this script disassembles with objdump and annotates with the samples' addresses.

Record both in one run, for example the interpreter alone on the sieve guest:

  JAVA_TOOL_OPTIONS="-Djvisor.emu.tier1=false -XX:+UnlockDiagnosticVMOptions -XX:+LogVMOutput \\
      -XX:LogFile=/tmp/vm.log -XX:CompileCommand=print,jvisor.engine.emu.exec.FastForms::exec" \\
      perf record -F 1999 -o /tmp/perf.data -- ./jvisor run --guest sieve --engine emu

  tools/bench/jit-annotate.py /tmp/vm.log /tmp/perf.data            # each printed method's share
  tools/bench/jit-annotate.py /tmp/vm.log /tmp/perf.data 3 --full   # the third one, annotated

(-XX:+LogVMOutput: the jvisor script keeps HotSpot's output off the console, the log file gets it.)
Options: --thread NAME (default cpu0), --top N (the N hottest instructions, default 30), --time START,END
(only the samples in that window of perf's clock; record with perf record -k CLOCK_REALTIME to use wall-clock times).
"""
import argparse
import collections
import re
import subprocess
import sys
import tempfile

HEADER = re.compile(r'^Compiled method \((c1|c2)\)\s+\d+\s+\d+\s+[%!sbn ]*?(\d)\s+(.*)$')
CODE_LINE = re.compile(r'^\s*0x([0-9a-f]+):\s*([0-9a-f| ]+)$')
DISASSEMBLED = re.compile(r'^\s*([0-9a-f]+):\t(?:[0-9a-f ]+\t)?(.*)$')


def methods(log_lines):
    """Each printed method: its compiler and tier, name, and the start address and bytes of its main code."""
    found = []
    current = None
    for line in log_lines:
        header = HEADER.match(line)
        if header:
            current = {'compiler': '%s tier %s' % (header.group(1), header.group(2)),
                       'name': header.group(3).strip(), 'base': None, 'code': bytearray(), 'open': True}
            found.append(current)
            continue
        if current is None or not current['open']:
            continue
        if '[Stub Code]' in line or '[Exception Handler]' in line:
            current['open'] = False
            continue
        m = CODE_LINE.match(line)
        if not m:
            continue
        address = int(m.group(1), 16)
        data = bytes.fromhex(m.group(2).replace('|', '').replace(' ', ''))
        if not data:
            continue
        if current['base'] is None:
            current['base'] = address
        offset = address - current['base']
        code = current['code']
        if offset > len(code):
            code.extend(b'\x90' * (offset - len(code)))
        code[offset:offset + len(data)] = data
    return [m for m in found if m['base'] is not None]


def samples(perf_data, thread, time_window=None):
    window = ['--time', time_window] if time_window else []
    script = subprocess.run(['perf', 'script', '-i', perf_data, '-F', 'comm,ip'] + window,
                            capture_output=True, text=True, check=True).stdout
    counts = collections.Counter()
    total = 0
    for line in script.splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[0] == thread:
            counts[int(fields[1], 16)] += 1
            total += 1
    return counts, total


def disassemble(method):
    with tempfile.NamedTemporaryFile(suffix='.bin') as f:
        f.write(method['code'])
        f.flush()
        out = subprocess.run(['objdump', '-D', '-b', 'binary', '-m', 'i386:x86-64',
                              '--adjust-vma=%#x' % method['base'], f.name],
                             capture_output=True, text=True, check=True).stdout
    listing = []
    for line in out.splitlines():
        m = DISASSEMBLED.match(line)
        if m:
            listing.append((int(m.group(1), 16), m.group(2).strip()))
    return listing


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('vm_log')
    parser.add_argument('perf_data')
    parser.add_argument('method', nargs='?', type=int, help='number of the method to annotate (from the list)')
    parser.add_argument('--thread', default='cpu0')
    parser.add_argument('--top', type=int, default=30)
    parser.add_argument('--time', help="only samples in perf's time window START,END (seconds; with perf record "
                        "-k CLOCK_REALTIME, the wall clock)")
    parser.add_argument('--full', action='store_true', help='print the whole annotated listing')
    args = parser.parse_args()
    with open(args.vm_log, errors='replace') as f:
        found = methods(f.read().splitlines())
    if not found:
        sys.exit('jit-annotate: no PrintAssembly output in %s (CompileCommand=print and LogVMOutput?)' % args.vm_log)
    counts, total = samples(args.perf_data, args.thread, args.time)
    if total == 0:
        sys.exit('jit-annotate: no samples of thread %s in %s' % (args.thread, args.perf_data))
    print('%d samples of %s' % (total, args.thread))
    for k, m in enumerate(found, 1):
        end = m['base'] + len(m['code'])
        m['samples'] = sum(c for ip, c in counts.items() if m['base'] <= ip < end)
        print('%3d  %5.1f%%  %s %s' % (k, 100.0 * m['samples'] / total, m['compiler'], m['name']))
    if args.method is None:
        return
    m = found[args.method - 1]
    listing = disassemble(m)
    print('\n%s %s: %d samples' % (m['compiler'], m['name'], m['samples']))
    if args.full:
        for address, text in listing:
            n = counts.get(address, 0)
            print('%6s  %x  %s' % (n or '', address, text))
        return
    hottest = sorted(listing, key=lambda row: -counts.get(row[0], 0))[:args.top]
    for address, text in hottest:
        if counts.get(address, 0):
            print('%6d  %x  %s' % (counts[address], address, text))


if __name__ == '__main__':
    main()
