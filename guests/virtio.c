/* virtio: a polled virtio-blk driver that first does what a real driver
 * does (find the function on PCI bus 0, negotiate, set up queue 0, read,
 * write, flush, get the ID), then breaks the virtqueue rules one way at
 * a time and reports how the device took each: whether it asked for a
 * reset (DEVICE_NEEDS_RESET) or completed the request, and whether it
 * worked again afterwards.
 *
 * The disk it expects (VirtioGuestTest builds it): sector 0 starts with
 * the text DISK_MARKER; every other sector n holds n as a little-endian
 * 64-bit number, then byte i = (n + 7 i) mod 256. The guest overwrites
 * sector WRITE_SECTOR with write_pattern() and nothing else.
 *
 * Hostile requests only ever read from the disk, so whatever a device
 * makes of them, the image does not change. */
#include "guest.h"
#include "fwcfg.h"
#include "pci.h"
#include "virtio.h"

#define VIRTIO_ID_BLOCK		2
#define BLK_F_FLUSH		(1ull << 9)
#define BLK_T_IN		0
#define BLK_T_OUT		1
#define BLK_T_FLUSH		4
#define BLK_T_GET_ID		8
#define BLK_T_UNKNOWN		0x54	/* no request type has this number */
#define BLK_S_OK		0
#define BLK_S_IOERR		1
#define BLK_S_UNSUPP		2
#define BLK_ID_BYTES		20
#define SECTOR			512

/* VIRTIO_BLK_F_BARRIER, a legacy-only bit no modern device offers. */
#define UNOFFERED_BIT		0
#define FEATURES	(VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC | BLK_F_FLUSH)

#define DISK_MARKER		"jvisor virtio-blk test disk"
#define LATER_SECTOR		1500
#define WRITE_SECTOR		100
#define CHECK_SECTOR		1	/* read after each case */
/* Far outside any guest's RAM, yet a canonical 47-bit address. */
#define NOT_RAM			0x7fffffff0000ull
/* How long a request may take before the guest calls it unanswered. */
#define ANSWER_MS		5000
#define IGNORED_MS		200

/* Smaller than the devices' maximum (256), which the driver may choose. */
#define QSIZE			16

struct blk_header {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
} PACKED;

static struct virtq_desc desc[QSIZE] ALIGNED(4096);
static uint16_t avail_area[3 + QSIZE] ALIGNED(4096);
static uint8_t used_area[VIRTQ_USED_BYTES(QSIZE)] ALIGNED(4096);
static struct virtq_desc itable[QSIZE] ALIGNED(16);
static struct virtq_desc itable2[4] ALIGNED(16);

static struct blk_header hdr ALIGNED(16);
static uint8_t data[4][SECTOR] ALIGNED(4096);
static volatile uint8_t status_byte;

static struct virtio_pci vp;
static struct virtq vq;
static uint64_t capacity;
static uint64_t ram_end;
static int failures;

/* ---- the disk's known content ---- */

static uint8_t disk_byte(uint64_t n, uint32_t i)
{
	if (i < 8)
		return (uint8_t)(n >> (8 * i));
	return (uint8_t)(n + 7 * i);
}

static int sector_ok(const uint8_t *b, uint64_t n, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		if (b[i] != disk_byte(n, i))
			return 0;
	return 1;
}

static void write_pattern(uint8_t *b)
{
	static const char text[] = "written by the virtio guest\n";

	for (uint32_t i = 0; i < SECTOR; i++)
		b[i] = (uint8_t)(0xa5 ^ i);
	memcpy(b, text, sizeof(text) - 1);
}

/* ---- bringing the device up ---- */

/* Reset, then ACKNOWLEDGE, DRIVER, features, FEATURES_OK; 0 if
 * FEATURES_OK stuck. */
static int negotiate(uint64_t features)
{
	if (virtio_reset(&vp)) {
		printf("reset did not complete\n");
		return -1;
	}
	virtio_set_status(&vp, VIRTIO_ACKNOWLEDGE);
	virtio_set_status(&vp, VIRTIO_ACKNOWLEDGE | VIRTIO_DRIVER);
	virtio_write_driver_features(&vp, features);
	virtio_set_status(&vp, VIRTIO_ACKNOWLEDGE | VIRTIO_DRIVER |
			  VIRTIO_FEATURES_OK);
	return virtio_status(&vp) & VIRTIO_FEATURES_OK ? 0 : -1;
}

/* Negotiates, places queue 0 with its descriptor table at table (the
 * driver and device areas stay in RAM), sets DRIVER_OK. */
static int device_init_at(uint64_t features, uint64_t table)
{
	if (negotiate(features)) {
		printf("FEATURES_OK refused\n");
		return -1;
	}
	memset(desc, 0, sizeof(desc));
	memset(avail_area, 0, sizeof(avail_area));
	memset(used_area, 0, sizeof(used_area));
	if (virtq_setup(&vp, &vq, 0, QSIZE, table, avail_area, used_area)) {
		printf("queue 0 is missing or smaller than %u\n", QSIZE);
		return -1;
	}
	virtio_set_status(&vp, VIRTIO_ACKNOWLEDGE | VIRTIO_DRIVER |
			  VIRTIO_FEATURES_OK | VIRTIO_DRIVER_OK);
	return 0;
}

static int device_init(uint64_t features)
{
	return device_init_at(features, (uintptr_t)desc);
}

/* ---- requests ---- */

static void set_desc(struct virtq_desc *t, int i, uint64_t addr,
		     uint32_t len, uint16_t flags, uint16_t next)
{
	t[i].addr = addr;
	t[i].len = len;
	t[i].flags = flags;
	t[i].next = next;
}

static void set_header(uint32_t type, uint64_t sector)
{
	hdr.type = type;
	hdr.reserved = 0;
	hdr.sector = sector;
}

/* Table entries 0-2: header, one data buffer (device-writable for a
 * read), status byte; the usual shape of a request. Without data, entries
 * 0-1. */
static void build_request(struct virtq_desc *t, uint32_t type,
			  uint64_t sector, void *buf, uint32_t len)
{
	uint16_t dir = type == BLK_T_OUT ? 0 : VIRTQ_DESC_F_WRITE;

	set_header(type, sector);
	set_desc(t, 0, (uintptr_t)&hdr, sizeof(hdr), VIRTQ_DESC_F_NEXT, 1);
	if (len == 0) {		/* a flush: header and status only */
		set_desc(t, 1, (uintptr_t)&status_byte, 1, VIRTQ_DESC_F_WRITE, 0);
		return;
	}
	set_desc(t, 1, (uintptr_t)buf, len, dir | VIRTQ_DESC_F_NEXT, 2);
	set_desc(t, 2, (uintptr_t)&status_byte, 1, VIRTQ_DESC_F_WRITE, 0);
}

enum outcome {
	ANSWERED,	/* the chain came back in the used ring */
	NEEDS_RESET,	/* the device set DEVICE_NEEDS_RESET instead */
	NO_ANSWER,	/* neither, within ANSWER_MS */
};

struct result {
	enum outcome outcome;
	uint8_t status;		/* the request's status byte, if answered */
	uint32_t used_len;
};

static enum outcome wait_answer(uint16_t head, uint32_t ms, uint32_t *used_len)
{
	struct virtq_used_elem e;

	for (uint32_t i = 0; i < ms * 10; i++) {
		if (virtq_take_used(&vq, &e)) {
			if (e.id != head) {
				printf("used ring returned chain %u, not %u\n",
				       e.id, head);
				failures++;
			}
			*used_len = e.len;
			return ANSWERED;
		}
		if (virtio_status(&vp) & VIRTIO_NEEDS_RESET)
			return NEEDS_RESET;
		delay_us(100);
	}
	return NO_ANSWER;
}

/* Makes the chain at head available, notifies, waits for the outcome. */
static struct result submit(uint16_t head)
{
	struct result r = { 0, 0, 0 };

	status_byte = 0xff;
	virtq_publish(&vq, head);
	r.outcome = wait_answer(head, ANSWER_MS, &r.used_len);
	r.status = status_byte;
	return r;
}

static struct result request(uint32_t type, uint64_t sector, void *buf,
			     uint32_t len)
{
	build_request(desc, type, sector, buf, len);
	return submit(0);
}

/* A request that must succeed: 0 if it completed with OK, otherwise -1
 * and a line saying what went wrong. */
static int must_succeed(const char *what, struct result r)
{
	if (r.outcome == ANSWERED && r.status == BLK_S_OK)
		return 0;
	if (r.outcome == ANSWERED)
		printf("%s: status %u\n", what, r.status);
	else
		printf("%s: %s\n", what, r.outcome == NEEDS_RESET ?
		       "device needs reset" : "no answer");
	failures++;
	return -1;
}

static int read_check(uint64_t sector)
{
	memset(data[0], 0, SECTOR);
	if (must_succeed("read", request(BLK_T_IN, sector, data[0], SECTOR)))
		return -1;
	return sector_ok(data[0], sector, SECTOR) ? 0 : -1;
}

/* ---- the valid part ---- */

static void valid_requests(void)
{
	char id[BLK_ID_BYTES + 1] = { 0 };
	struct result r;

	if (!must_succeed("get id", request(BLK_T_GET_ID, 0, data[0], BLK_ID_BYTES))) {
		memcpy(id, data[0], BLK_ID_BYTES);
		printf("id: %s\n", id);
	}

	memset(data[0], 0, SECTOR);
	r = request(BLK_T_IN, 0, data[0], SECTOR);
	if (!must_succeed("read sector 0", r)) {
		data[0][sizeof(DISK_MARKER) - 1] = 0;
		printf("sector 0: \"%s\" (used length %u)\n",
		       (char *)data[0], r.used_len);
	}

	memset(data[0], 0, SECTOR);
	r = request(BLK_T_IN, LATER_SECTOR, data[0], SECTOR);
	if (!must_succeed("read later sector", r)) {
		int ok = sector_ok(data[0], LATER_SECTOR, SECTOR);

		printf("sector %u: %s\n", LATER_SECTOR,
		       ok ? "pattern ok" : "WRONG CONTENT");
		failures += !ok;
	}

	/* Sectors 2-3 scattered over three buffers. */
	memset(data, 0, 2 * SECTOR);
	set_header(BLK_T_IN, 2);
	set_desc(desc, 0, (uintptr_t)&hdr, sizeof(hdr), VIRTQ_DESC_F_NEXT, 1);
	set_desc(desc, 1, (uintptr_t)data[0], 512, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	set_desc(desc, 2, (uintptr_t)data[1], 256, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 3);
	set_desc(desc, 3, (uintptr_t)data[1] + 256, 256, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 4);
	set_desc(desc, 4, (uintptr_t)&status_byte, 1, VIRTQ_DESC_F_WRITE, 0);
	if (!must_succeed("scattered read", submit(0))) {
		int ok = sector_ok(data[0], 2, SECTOR) && sector_ok(data[1], 3, SECTOR);

		printf("sectors 2-3 in 3 buffers: %s\n", ok ? "pattern ok" : "WRONG CONTENT");
		failures += !ok;
	}

	/* Sector 7 through an indirect table. */
	memset(data[0], 0, SECTOR);
	build_request(itable, BLK_T_IN, 7, data[0], SECTOR);
	set_desc(desc, 0, (uintptr_t)itable, 3 * sizeof(struct virtq_desc),
		 VIRTQ_DESC_F_INDIRECT, 0);
	if (!must_succeed("indirect read", submit(0))) {
		int ok = sector_ok(data[0], 7, SECTOR);

		printf("sector 7 through an indirect table: %s\n",
		       ok ? "pattern ok" : "WRONG CONTENT");
		failures += !ok;
	}

	write_pattern(data[1]);
	memset(data[2], 0, SECTOR);
	if (!must_succeed("write", request(BLK_T_OUT, WRITE_SECTOR, data[1], SECTOR)) &&
	    !must_succeed("read back", request(BLK_T_IN, WRITE_SECTOR, data[2], SECTOR))) {
		int ok = !memcmp(data[1], data[2], SECTOR);

		printf("sector %u written and read back: %s\n", WRITE_SECTOR,
		       ok ? "same" : "DIFFERENT");
		failures += !ok;
	}

	if (!must_succeed("flush", request(BLK_T_FLUSH, 0, NULL, 0)))
		printf("flush: ok\n");
}

/* ---- the hostile part: each case makes one chain available ---- */

/* The usual read of sector CHECK_SECTOR, with one thing changed. */
static struct result case_not_ram(void)
{
	build_request(desc, BLK_T_IN, CHECK_SECTOR, data[0], SECTOR);
	desc[1].addr = NOT_RAM;
	return submit(0);
}

static struct result case_ram_end(void)
{
	build_request(desc, BLK_T_IN, CHECK_SECTOR, data[0], SECTOR);
	desc[1].addr = ram_end - SECTOR / 2;
	return submit(0);
}

/* Data and status link back to data: 1 -> 2 -> 1. */
static struct result case_loop(void)
{
	build_request(desc, BLK_T_IN, CHECK_SECTOR, data[0], SECTOR);
	desc[2].flags |= VIRTQ_DESC_F_NEXT;
	desc[2].next = 1;
	return submit(0);
}

/* All QSIZE descriptors in one chain, and on from the last back to the
 * second: a chain longer than the queue (it can only be one by
 * revisiting). */
static struct result case_long_chain(void)
{
	set_header(BLK_T_IN, CHECK_SECTOR);
	set_desc(desc, 0, (uintptr_t)&hdr, sizeof(hdr), VIRTQ_DESC_F_NEXT, 1);
	for (int i = 1; i < QSIZE; i++)
		set_desc(desc, i, (uintptr_t)data[0] + 32 * i, 32,
			 VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT,
			 i + 1 < QSIZE ? i + 1 : 1);
	return submit(0);
}

static struct result case_head_range(void)
{
	build_request(desc, BLK_T_IN, CHECK_SECTOR, data[0], SECTOR);
	return submit(QSIZE);
}

static struct result case_next_range(void)
{
	build_request(desc, BLK_T_IN, CHECK_SECTOR, data[0], SECTOR);
	desc[0].next = QSIZE;
	return submit(0);
}

/* A head descriptor pointing at itable, which holds a good request. */
static void indirect_head(uint64_t table, uint32_t len, uint16_t flags)
{
	build_request(itable, BLK_T_IN, CHECK_SECTOR, data[0], SECTOR);
	set_desc(desc, 0, table, len, VIRTQ_DESC_F_INDIRECT | flags, 1);
	/* Where a device that follows NEXT would go: a second status byte. */
	set_desc(desc, 1, (uintptr_t)data[3], 1, VIRTQ_DESC_F_WRITE, 0);
}

static struct result case_indirect_not_ram(void)
{
	indirect_head(NOT_RAM, 3 * 16, 0);
	return submit(0);
}

static struct result case_indirect_odd(void)
{
	indirect_head((uintptr_t)itable, 3 * 16 - 8, 0);
	return submit(0);
}

static struct result case_indirect_empty(void)
{
	indirect_head((uintptr_t)itable, 0, 0);
	return submit(0);
}

static struct result case_indirect_next(void)
{
	indirect_head((uintptr_t)itable, 3 * 16, VIRTQ_DESC_F_NEXT);
	return submit(0);
}

/* The header in the first table, data and status in a second one the
 * first points at. */
static struct result case_indirect_nested(void)
{
	set_header(BLK_T_IN, CHECK_SECTOR);
	set_desc(itable2, 0, (uintptr_t)data[0], SECTOR,
		 VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	set_desc(itable2, 1, (uintptr_t)&status_byte, 1, VIRTQ_DESC_F_WRITE, 0);
	set_desc(itable, 0, (uintptr_t)&hdr, sizeof(hdr), VIRTQ_DESC_F_NEXT, 1);
	set_desc(itable, 1, (uintptr_t)itable2, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	set_desc(desc, 0, (uintptr_t)itable, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	return submit(0);
}

/* Valid by the spec (2.7.5.3.2: the device MUST handle direct
 * descriptors followed by one indirect one), though unusual: the header
 * in the descriptor table, data and status in an indirect table. */
static struct result case_direct_then_indirect(void)
{
	set_header(BLK_T_IN, CHECK_SECTOR);
	set_desc(itable, 0, (uintptr_t)data[0], SECTOR,
		 VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	set_desc(itable, 1, (uintptr_t)&status_byte, 1, VIRTQ_DESC_F_WRITE, 0);
	set_desc(desc, 0, (uintptr_t)&hdr, sizeof(hdr), VIRTQ_DESC_F_NEXT, 1);
	set_desc(desc, 1, (uintptr_t)itable, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	return submit(0);
}

/* An indirect table, but the driver did not accept INDIRECT_DESC. */
static struct result case_indirect_unnegotiated(void)
{
	struct result r = { NO_ANSWER, 0, 0 };

	if (device_init(FEATURES & ~VIRTIO_F_INDIRECT_DESC)) {
		failures++;
		return r;
	}
	indirect_head((uintptr_t)itable, 3 * 16, 0);
	return submit(0);
}

/* A 16-byte device-readable buffer after the writable data. */
static struct result case_read_after_write(void)
{
	build_request(desc, BLK_T_IN, CHECK_SECTOR, data[0], SECTOR);
	desc[1].next = 3;
	set_desc(desc, 3, (uintptr_t)data[3], 16, VIRTQ_DESC_F_NEXT, 2);
	return submit(0);
}

/* The available index moves QSIZE + 1 past the last one. */
static struct result case_avail_jump(void)
{
	struct result r = { 0, 0, 0 };

	build_request(desc, BLK_T_IN, CHECK_SECTOR, data[0], SECTOR);
	for (int i = 0; i < QSIZE; i++)
		avail_area[2 + i] = 0;
	status_byte = 0xff;
	virtq_publish_index(&vq, vq.next_avail + QSIZE + 1);
	r.outcome = wait_answer(0, ANSWER_MS, &r.used_len);
	r.status = status_byte;
	return r;
}

/* Queue 0's descriptor table outside RAM, then DRIVER_OK; if the device
 * does not object at once, a request in that table. */
static struct result case_queue_not_ram(void)
{
	struct result r = { NEEDS_RESET, 0, 0 };

	if (device_init_at(FEATURES, NOT_RAM)) {
		failures++;
		r.outcome = NO_ANSWER;
		return r;
	}
	if (virtio_status(&vp) & VIRTIO_NEEDS_RESET)
		return r;
	return submit(0);
}

static struct result case_short_header(void)
{
	build_request(desc, BLK_T_IN, CHECK_SECTOR, data[0], SECTOR);
	desc[0].len = 8;
	return submit(0);
}

/* Header and data, nothing device-writable: no room for a status. */
static struct result case_no_status(void)
{
	build_request(desc, BLK_T_IN, CHECK_SECTOR, data[0], SECTOR);
	desc[1].flags = 0;
	return submit(0);
}

static struct result case_bad_sector(void)
{
	return request(BLK_T_IN, capacity, data[0], SECTOR);
}

static struct result case_odd_length(void)
{
	return request(BLK_T_IN, CHECK_SECTOR, data[0], 100);
}

static struct result case_unknown_type(void)
{
	return request(BLK_T_UNKNOWN, CHECK_SECTOR, data[0], SECTOR);
}

static struct result case_past_disk_end(void)
{
	return request(BLK_T_IN, capacity - 1, data[0], 2 * SECTOR);
}

static const struct {
	const char *name;
	struct result (*run)(void);
} cases[] = {
	/* Broken chains, rings and indexes: the device must ask for a reset. */
	{ "loop", case_loop },
	{ "chain-longer-than-queue", case_long_chain },
	{ "head-beyond-queue", case_head_range },
	{ "next-beyond-queue", case_next_range },
	{ "avail-index-jump", case_avail_jump },
	{ "readable-after-writable", case_read_after_write },
	{ "buffer-not-ram", case_not_ram },
	{ "buffer-past-ram-end", case_ram_end },
	{ "indirect-not-ram", case_indirect_not_ram },
	{ "indirect-length-40", case_indirect_odd },
	{ "indirect-length-0", case_indirect_empty },
	{ "indirect-nested", case_indirect_nested },
	{ "indirect-with-next", case_indirect_next },
	{ "indirect-not-negotiated", case_indirect_unnegotiated },
	{ "queue-not-ram", case_queue_not_ram },
	{ "header-8-bytes", case_short_header },
	{ "no-status-byte", case_no_status },
	/* Well-formed requests the disk cannot serve: an error status. */
	{ "sector-beyond-disk", case_bad_sector },
	{ "read-past-disk-end", case_past_disk_end },
	{ "length-100", case_odd_length },
	{ "unknown-type", case_unknown_type },
	/* Unusual but valid. */
	{ "direct-then-indirect", case_direct_then_indirect },
};

static const char *status_name(uint8_t s)
{
	switch (s) {
	case BLK_S_OK: return "OK";
	case BLK_S_IOERR: return "IOERR";
	case BLK_S_UNSUPP: return "UNSUPP";
	case 0xff: return "not written";
	default: return "other";
	}
}

/* While the device needs a reset it must leave its queues alone: a good
 * request stays unanswered and its buffer untouched. */
static int ignored_until_reset(void)
{
	uint32_t len;

	memset(data[0], 0x5a, SECTOR);
	build_request(desc, BLK_T_IN, CHECK_SECTOR, data[0], SECTOR);
	status_byte = 0xff;
	virtq_publish(&vq, 0);
	return wait_answer(0, IGNORED_MS, &len) != ANSWERED &&
	       status_byte == 0xff && data[0][0] == 0x5a;
}

/* After a case: reset if the device needs it or left the request
 * hanging, then one good read. Returns the words for the report. */
static const char *recover(struct result r)
{
	if (r.outcome == ANSWERED && !(virtio_status(&vp) & VIRTIO_NEEDS_RESET))
		if (read_check(CHECK_SECTOR) == 0)
			return "still works";
	if (device_init(FEATURES) || read_check(CHECK_SECTOR)) {
		failures++;
		return "NOT RECOVERED";
	}
	return "recovered";
}

static void hostile_requests(void)
{
	int checked = 0;

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct result r = cases[i].run();
		int ignored = -1;
		const char *how;

		/* Once is enough: waiting for nothing takes IGNORED_MS. */
		if (!checked && r.outcome == NEEDS_RESET) {
			ignored = ignored_until_reset();
			checked = 1;
		}
		how = recover(r);
		if (r.outcome == ANSWERED)
			printf("case %s: status %s, %s\n", cases[i].name,
			       status_name(r.status), how);
		else
			printf("case %s: %s, %s\n", cases[i].name,
			       r.outcome == NEEDS_RESET ? "needs reset" : "no answer",
			       how);
		if (ignored >= 0) {
			printf("  while it needed a reset, a good request was %s\n",
			       ignored ? "ignored" : "SERVED");
			failures += !ignored;
		}
	}
}

/* ---- finding and starting the device ---- */

static void print_cap(const char *name, int type)
{
	const struct virtio_cap *c = &vp.cap[type];

	printf("  %s: BAR %u + 0x%x", name, c->bar, c->offset);
	if (type == VIRTIO_CAP_NOTIFY)
		printf(", multiplier %u", vp.notify_multiplier);
	printf("\n");
}

/* Accepting a feature the device did not offer must make it refuse
 * FEATURES_OK (3.1.1, 2.2.1). */
static void try_unoffered_feature(uint64_t offered)
{
	if (offered & (1ull << UNOFFERED_BIT)) {
		printf("feature bit %u is offered; cannot test refusal\n", UNOFFERED_BIT);
		failures++;
		return;
	}
	printf("accepting unoffered feature bit %u: FEATURES_OK %s\n", UNOFFERED_BIT,
	       negotiate(FEATURES | 1ull << UNOFFERED_BIT) ? "refused" : "ACCEPTED");
}

static int find_device(void)
{
	struct pci_fn f;

	if (pci_find(VIRTIO_VENDOR, VIRTIO_DEVICE_MODERN + VIRTIO_ID_BLOCK, &f)) {
		printf("no virtio-blk (1af4:1042) on PCI bus 0\n");
		return -1;
	}
	printf("virtio-blk 1af4:1042 at %02x:%02x.%u, revision %u\n", f.bus, f.dev,
	       f.fn, pci_read8(&f, PCI_REVISION));
	if (virtio_pci_open(&vp, &f))
		return -1;
	if (vp.cap[VIRTIO_CAP_DEVICE].length < 8) {
		printf("device configuration too short for the capacity\n");
		return -1;
	}
	print_cap("common", VIRTIO_CAP_COMMON);
	print_cap("notify", VIRTIO_CAP_NOTIFY);
	print_cap("isr", VIRTIO_CAP_ISR);
	print_cap("device", VIRTIO_CAP_DEVICE);
	return 0;
}

int guest_main(void)
{
	uint64_t offered;

	fwcfg_read(FW_CFG_RAM_SIZE, &ram_end, sizeof(ram_end));
	if (find_device())
		return EXIT_MISSING;

	if (virtio_reset(&vp)) {
		printf("reset did not complete\n");
		return EXIT_FAIL;
	}
	offered = virtio_device_features(&vp);
	if ((offered & FEATURES) != FEATURES) {
		printf("device lacks VERSION_1, INDIRECT_DESC or FLUSH\n");
		return EXIT_MISSING;
	}
	printf("offered and accepted: VERSION_1 INDIRECT_DESC FLUSH\n");
	try_unoffered_feature(offered);
	if (device_init(FEATURES))
		return EXIT_FAIL;
	/* The capacity's two halves, read until the generation holds still. */
	for (int tries = 0; tries < 10; tries++) {
		uint8_t gen = vp.common->config_generation;

		capacity = virtio_config32(&vp, 0) |
			   (uint64_t)virtio_config32(&vp, 4) << 32;
		if (gen == vp.common->config_generation)
			break;
	}
	printf("queue 0: %u entries; capacity: %u sectors\n", QSIZE,
	       (unsigned)capacity);
	if (capacity <= LATER_SECTOR) {
		printf("the disk is too small: need more than %u sectors\n", LATER_SECTOR);
		return EXIT_MISSING;
	}

	valid_requests();
	hostile_requests();
	printf("%s\n", failures ? "FAILED" : "done");
	return failures ? EXIT_FAIL : EXIT_OK;
}
