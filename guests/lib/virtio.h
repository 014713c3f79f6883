/* A virtio 1.x driver's transport half, for the modern PCI interface
 * only (virtio 1.2, 4.1): find the structures the vendor capabilities
 * point at, reset, negotiate features, set up split virtqueues and
 * notify. Polled: no interrupt is ever enabled. Every structure is
 * reached through the BAR address firmware assigned, which must lie
 * below 4 GiB (the identity map of boot64.S). */
#ifndef GUEST_VIRTIO_H
#define GUEST_VIRTIO_H

#include "types.h"
#include "pci.h"

#define VIRTIO_VENDOR		0x1af4
#define VIRTIO_DEVICE_MODERN	0x1040	/* + device type */

/* Device status bits (2.1). */
#define VIRTIO_ACKNOWLEDGE	0x01
#define VIRTIO_DRIVER		0x02
#define VIRTIO_DRIVER_OK	0x04
#define VIRTIO_FEATURES_OK	0x08
#define VIRTIO_NEEDS_RESET	0x40
#define VIRTIO_FAILED		0x80

/* Transport feature bits (6). */
#define VIRTIO_F_INDIRECT_DESC	(1ull << 28)
#define VIRTIO_F_EVENT_IDX	(1ull << 29)
#define VIRTIO_F_VERSION_1	(1ull << 32)

/* Vendor capability cfg_type values (4.1.4). */
#define VIRTIO_CAP_COMMON	1
#define VIRTIO_CAP_NOTIFY	2
#define VIRTIO_CAP_ISR		3
#define VIRTIO_CAP_DEVICE	4
#define VIRTIO_CAP_PCI		5

/* The common configuration structure (4.1.4.3). */
struct virtio_common_cfg {
	uint32_t device_feature_select;
	uint32_t device_feature;
	uint32_t driver_feature_select;
	uint32_t driver_feature;
	uint16_t config_msix_vector;
	uint16_t num_queues;
	uint8_t device_status;
	uint8_t config_generation;
	uint16_t queue_select;
	uint16_t queue_size;
	uint16_t queue_msix_vector;
	uint16_t queue_enable;
	uint16_t queue_notify_off;
	uint32_t queue_desc_lo, queue_desc_hi;
	uint32_t queue_driver_lo, queue_driver_hi;
	uint32_t queue_device_lo, queue_device_hi;
} PACKED;

/* Where one vendor capability points. */
struct virtio_cap {
	int found;
	uint8_t bar;
	uint32_t offset, length;
};

struct virtio_pci {
	struct pci_fn fn;
	struct virtio_cap cap[VIRTIO_CAP_PCI + 1];	/* by cfg_type */
	uint32_t notify_multiplier;
	volatile struct virtio_common_cfg *common;
	volatile uint8_t *isr;
	volatile uint8_t *device;
	uintptr_t notify;
};

/* Reads the capabilities, maps the structures through the BARs and
 * enables memory space and bus mastering. 0 if the common, notify and
 * device structures were all found in assigned memory BARs below 4 GiB;
 * otherwise -1 and a line saying what is missing. */
int virtio_pci_open(struct virtio_pci *v, const struct pci_fn *f);

uint8_t virtio_status(const struct virtio_pci *v);
void virtio_set_status(struct virtio_pci *v, uint8_t status);
/* Writes 0 and waits (bounded) until the device reads back 0: 0 once
 * the reset is complete, -1 if it never was. */
int virtio_reset(struct virtio_pci *v);
uint64_t virtio_device_features(const struct virtio_pci *v);
void virtio_write_driver_features(struct virtio_pci *v, uint64_t features);
/* Reads 4 bytes of the device configuration at off. */
uint32_t virtio_config32(const struct virtio_pci *v, uint32_t off);

/* A split virtqueue (2.7). */
#define VIRTQ_DESC_F_NEXT	1
#define VIRTQ_DESC_F_WRITE	2
#define VIRTQ_DESC_F_INDIRECT	4
#define VIRTQ_AVAIL_F_NO_INTERRUPT	1

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
} PACKED;

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
} PACKED;

struct virtq {
	uint16_t index, size;
	struct virtq_desc *desc;
	volatile uint16_t *avail;	/* flags, idx, ring[size], used_event */
	volatile uint16_t *used;	/* flags, idx, then elements */
	uintptr_t notify;
	uint16_t next_avail;		/* the driver's avail idx */
	uint16_t seen_used;		/* used entries consumed */
};

/* Bytes each ring area needs for size entries. */
#define VIRTQ_DESC_BYTES(size)	(16u * (size))
#define VIRTQ_AVAIL_BYTES(size)	(6u + 2u * (size))
#define VIRTQ_USED_BYTES(size)	(6u + 8u * (size))

/* Selects queue index, checks that size fits its maximum, tells the
 * device where the three areas are (desc may be any address, even one
 * that is not RAM; the areas must be zeroed by the caller), sets no MSI-X
 * vector and enables the queue. 0, or -1 if the queue is unavailable
 * or too small. */
int virtq_setup(struct virtio_pci *v, struct virtq *q, uint16_t index,
		uint16_t size, uint64_t desc, void *avail, void *used);

/* Puts head into the available ring and notifies. */
void virtq_publish(struct virtq *q, uint16_t head);
/* Sets the available index as given (for drivers that misbehave on
 * purpose) and notifies. */
void virtq_publish_index(struct virtq *q, uint16_t idx);
/* The next used element, if the device returned one: 1 and *e, else 0. */
int virtq_take_used(struct virtq *q, struct virtq_used_elem *e);

/* Orders the CPU's memory accesses: ring writes before the index,
 * the index before the notification. */
static inline void virtio_mb(void)
{
	__asm__ volatile("lock; addl $0, (%%rsp)" ::: "memory", "cc");
}

#endif
