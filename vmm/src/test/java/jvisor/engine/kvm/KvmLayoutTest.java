package jvisor.engine.kvm;

import java.io.IOException;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.UnionLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jvisor.sys.Signals;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every structure, field, ioctl number and constant the kvm engine binds, checked against the C
 * compiler's view of {@code /usr/include/linux/kvm.h} (and glibc's {@code struct sigaction}): a
 * C program generated from the Java layouts prints sizeof/offsetof of each, and every line must
 * match. Nothing is listed by hand: a field added to a Java layout is checked automatically.
 */
class KvmLayoutTest {
    @TempDir
    static Path dir;

    private static Map<String, Long> java;
    private static Map<String, Long> c;

    @BeforeAll
    static void compileAndRun() throws Exception {
        java = new LinkedHashMap<>();
        for (StructLayout s : structs()) {
            String type = s == Signals.SIGACTION ? "struct sigaction" : "struct " + s.name().orElseThrow();
            java.put("sizeof(" + type + ")", s.byteSize());
            walk(type, s, "", 0, java);
        }
        for (KvmIoctl ioctl : KvmIoctl.values()) {
            java.put(ioctl.name(), ioctl.number());
        }
        for (KvmCap cap : KvmCap.values()) {
            java.put(cap.name(), (long) cap.number());
        }
        for (Field f : KvmConst.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class && f.getName().startsWith("KVM_")) {
                f.setAccessible(true);
                java.put(f.getName(), (long) f.getInt(null));
            }
        }
        java.put("SA_RESTART", (long) Signals.SA_RESTART);
        java.put("SIG_BLOCK", (long) Signals.SIG_BLOCK);
        java.put("SIG_UNBLOCK", (long) Signals.SIG_UNBLOCK);
        java.put("sizeof(sigset_t)", Signals.SIGSET_BYTES);
        c = runC(java.keySet());
    }

    static List<StructLayout> structs() {
        List<StructLayout> all = new ArrayList<>();
        all.add(KvmRun.LAYOUT);
        all.addAll(KvmRegs.ALL);
        all.addAll(KvmStructs.ALL);
        all.add(Signals.SIGACTION);
        return all;
    }

    /**
     * Adds offsetof and sizeof of every named member of {@code group} (recursively). Members whose
     * name starts with '_' are anonymous in C: their own name is left out of the C field path.
     */
    static void walk(String type, GroupLayout group, String prefix, long base, Map<String, Long> out) {
        long offset = 0;
        for (MemoryLayout m : group.memberLayouts()) {
            long at = base + (group instanceof UnionLayout ? 0 : offset);
            offset += m.byteSize();
            if (m instanceof PaddingLayout) {
                continue;
            }
            String name = m.name().orElseThrow(() -> new AssertionError("unnamed member in " + type));
            String path = name.startsWith("_") ? prefix : prefix.isEmpty() ? name : prefix + "." + name;
            if (!name.startsWith("_")) {
                out.put("offsetof(" + type + ", " + path + ")", at);
                boolean flexibleArray = m instanceof SequenceLayout seq && seq.elementCount() == 0;
                if (!flexibleArray) {
                    out.put("sizeof(((" + type + " *)0)->" + path + ")", m.byteSize());
                }
            }
            if (m instanceof GroupLayout g) {
                walk(type, g, path, at, out);
            }
        }
    }

    private static Map<String, Long> runC(Iterable<String> expressions) throws IOException, InterruptedException {
        StringBuilder src = new StringBuilder("""
                #include <stddef.h>
                #include <stdio.h>
                #include <signal.h>
                #include <linux/kvm.h>
                #define P(e) printf("%s=%llu\\n", #e, (unsigned long long)(e))
                int main(void) {
                """);
        for (String e : expressions) {
            src.append("    P(").append(e).append(");\n");
        }
        src.append("    return 0;\n}\n");
        Path source = dir.resolve("layout.c");
        Path binary = dir.resolve("layout");
        Files.writeString(source, src);
        run(List.of("gcc", "-std=gnu11", "-Wall", "-Werror", "-o", binary.toString(), source.toString()));
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : run(List.of(binary.toString())).split("\n")) {
            int eq = line.lastIndexOf('=');
            values.put(line.substring(0, eq), Long.parseUnsignedLong(line.substring(eq + 1)));
        }
        return values;
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), command + " did not finish");
        assertEquals(0, p.exitValue(), () -> String.join(" ", command) + " failed:\n" + out);
        return out;
    }

    @Test
    void everyBoundLayoutFieldIoctlAndConstantMatchesTheKernelHeader() {
        List<String> mismatches = new ArrayList<>();
        java.forEach((expr, value) -> {
            Long header = c.get(expr);
            if (!value.equals(header)) {
                mismatches.add(String.format("%s: java %#x, C %s", expr, value,
                        header == null ? "missing" : String.format("%#x", header)));
            }
        });
        assertEquals(List.of(), mismatches);
    }

    @Test
    void theCheckCoversWhatTheBriefNames() {
        for (String expr : List.of(
                "offsetof(struct kvm_run, immediate_exit)", "offsetof(struct kvm_run, exit_reason)",
                "offsetof(struct kvm_run, io.data_offset)", "offsetof(struct kvm_run, mmio.data)",
                "offsetof(struct kvm_run, fail_entry.hardware_entry_failure_reason)",
                "offsetof(struct kvm_run, internal.data)", "offsetof(struct kvm_run, system_event.type)",
                "offsetof(struct kvm_sregs, interrupt_bitmap)", "offsetof(struct kvm_sregs, cs.unusable)",
                "offsetof(struct kvm_cpuid2, entries)", "offsetof(struct kvm_msrs, entries)",
                "sizeof(struct kvm_lapic_state)", "sizeof(struct kvm_pit_config)",
                "offsetof(struct kvm_irq_level, level)", "sizeof(struct kvm_mp_state)",
                "offsetof(struct kvm_irq_routing_entry, u.irqchip.pin)",
                "KVM_RUN", "KVM_CREATE_VCPU", "KVM_SET_USER_MEMORY_REGION", "KVM_GET_SUPPORTED_CPUID",
                "KVM_EXIT_SYSTEM_EVENT", "KVM_CAP_IMMEDIATE_EXIT")) {
            assertTrue(c.containsKey(expr), expr + " is not checked");
        }
    }

    @Test
    void ioctlNumbersFollowTheIocFormula() {
        // _IOWR(0xAE, 0x05, 8-byte struct): read|write, size 8, type 0xAE, number 5.
        assertEquals((3L << 30) | (8L << 16) | (0xAEL << 8) | 0x05, KvmIoctl.KVM_GET_SUPPORTED_CPUID.number());
        assertEquals(0xAE80L, KvmIoctl.KVM_RUN.number());
    }
}
