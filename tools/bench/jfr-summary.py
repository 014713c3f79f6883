#!/usr/bin/env python3
"""Summarises a JFR recording of emu (tools/bench/syscalls.py --jfr): the processor thread cpu0's
samples by top frame and line, by method inclusive, and inside compiled regions by the line the
region's code was at (RegionEmitter: 1 prologue, 2 exit, 3 fault handler, 4 out-of-line paths,
16 + opcode the code of a guest instruction with that opcode).

usage: tools/bench/jfr-summary.py RECORDING.jfr
"""
import os
import json,collections,sys,subprocess
J=os.environ.get('JAVA_HOME', '/usr/lib/jvm/temurin-25-jdk-amd64') + '/bin/jfr'
d=json.loads(subprocess.run([J,'print','--json','--events','jdk.ExecutionSample',sys.argv[1]],capture_output=True,text=True).stdout)
ev=[e for e in d['recording']['events'] if e['values']['sampledThread']['javaName']=='cpu0']
def tn(f):
    t=f['method']['type']['name']
    if '/0x' in t: t=t.split('/0x')[0]
    return t.split('/')[-1].split('.')[-1]
def mname(f): return tn(f)+'.'+f['method']['name']
self_c=collections.Counter(); incl=collections.Counter(); regline=collections.Counter(); n=0
for e in ev:
    fr=e['values']['stackTrace']['frames']
    if not fr: continue
    n+=1
    self_c[mname(fr[0])+':'+str(fr[0].get('lineNumber'))]+=1
    seen=set()
    for f in fr:
        k=mname(f)
        if k not in seen: seen.add(k); incl[k]+=1
    # attribute to region line: first region frame in the stack
    for f in fr:
        if tn(f) in ('Warm','Hot'):
            ln=f.get('lineNumber')
            lab={1:'prologue',2:'exit',3:'fault',4:'outofline'}.get(ln, 'op %x'%(ln-16) if ln and ln>=16 else str(ln))
            regline[lab + (' self' if f is fr[0] else ' callee '+mname(fr[0]))]+=1
            break
print('samples',n)
print('--- self');
for k,v in self_c.most_common(30): print(f'{v:5d} {100*v/n:5.1f}% {k}')
print('--- inclusive')
for k,v in incl.most_common(30): print(f'{v:5d} {100*v/n:5.1f}% {k}')
print('--- region lines')
for k,v in regline.most_common(50): print(f'{v:5d} {100*v/n:5.1f}% {k}')
