/*
 * A QEMU TCG plugin that counts the guest instructions QEMU executes and writes the running
 * count with the wall-clock time every 10 ms, so that a boot's phases (found by the console's
 * timestamps) can be compared with emu's instruction counts. REP string instructions are counted
 * apart as well: TCG counts each iteration as an instruction, emu counts the whole instruction.
 *
 * Written against QEMU's plugin API version 1 (QEMU 7.2, Debian 12); only the few calls used
 * here are declared. Built and run by tools/bench/tcg-phases.py.
 *
 * Output lines: "<seconds since the epoch> <instructions> <REP iterations>", then "total ...".
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
struct qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*tb_trans_cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*udata_cb)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, tb_trans_cb cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op, void *ptr,
                                              uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn, enum qemu_plugin_op op, void *ptr,
                                                uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, udata_cb cb, void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* Added to by every vCPU without atomics: a count for comparing phases, not an exact one. */
static volatile uint64_t instructions;
static volatile uint64_t rep_iterations;
static FILE *out;

/* Whether the instruction is a REP/REPNE string instruction (MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS). */
static int rep_string(const uint8_t *p, size_t len)
{
	int rep = 0;
	size_t k = 0;
	for (; k < len; k++) {
		uint8_t b = p[k];
		if (b == 0xF3 || b == 0xF2)
			rep = 1;
		else if (b == 0x66 || b == 0x67 || b == 0x2E || b == 0x3E || b == 0x26 || b == 0x64 || b == 0x65
			 || b == 0x36 || (b & 0xF0) == 0x40)
			continue;
		else
			break;
	}
	if (!rep || k == len)
		return 0;
	uint8_t op = p[k];
	return (op >= 0xA4 && op <= 0xA7) || (op >= 0xAA && op <= 0xAF) || (op >= 0x6C && op <= 0x6F);
}

static void translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, (void *)&instructions, n);
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		if (rep_string(qemu_plugin_insn_data(insn), qemu_plugin_insn_size(insn)))
			qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
								   (void *)&rep_iterations, 1);
	}
}

static void *sampler(void *unused)
{
	for (;;) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		fprintf(out, "%ld.%03ld %llu %llu\n", (long)now.tv_sec, now.tv_nsec / 1000000,
			(unsigned long long)instructions, (unsigned long long)rep_iterations);
		fflush(out);
		usleep(10000);
	}
	return NULL;
}

static void finished(qemu_plugin_id_t id, void *unused)
{
	fprintf(out, "total %llu %llu\n", (unsigned long long)instructions, (unsigned long long)rep_iterations);
	fflush(out);
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info,
							      int argc, char **argv)
{
	const char *file = "qemu-icount.txt";
	for (int i = 0; i < argc; i++)
		if (argv[i][0] == 'o' && argv[i][1] == 'u' && argv[i][2] == 't' && argv[i][3] == '=')
			file = argv[i] + 4;
	out = fopen(file, "w");
	if (!out)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, translated);
	qemu_plugin_register_atexit_cb(id, finished, NULL);
	pthread_t t;
	return pthread_create(&t, NULL, sampler, NULL) == 0 ? 0 : -1;
}
