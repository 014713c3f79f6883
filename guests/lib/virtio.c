#include "guest.h"
#include "virtio.h"

/* Layout of a vendor capability (4.1.4): cap_vndr, cap_next, cap_len,
 * cfg_type, bar, id, padding[2], offset, length; the notification
 * capability adds notify_off_multiplier. */
#define CAP_TYPE	3
#define CAP_BAR		4
#define CAP_OFFSET	8
#define CAP_LENGTH	12
#define CAP_MULTIPLIER	16

static const char *const cap_names[] = {
	[VIRTIO_CAP_COMMON] = "common", [VIRTIO_CAP_NOTIFY] = "notify",
	[VIRTIO_CAP_ISR] = "isr", [VIRTIO_CAP_DEVICE] = "device",
};

/* The structure's address, or 0 if its BAR is not a usable memory BAR
 * below 4 GiB or the structure does not fit below 4 GiB. */
static uintptr_t cap_address(const struct virtio_pci *v, int type)
{
	const struct virtio_cap *c = &v->cap[type];
	uint64_t base;

	if (!c->found || c->bar > 5)
		return 0;
	base = pci_bar_address(&v->fn, c->bar);
	if (base == 0 || base + c->offset + c->length > (1ull << 32))
		return 0;
	return (uintptr_t)(base + c->offset);
}

int virtio_pci_open(struct virtio_pci *v, const struct pci_fn *f)
{
	uint8_t at, n;

	memset(v, 0, sizeof(*v));
	v->fn = *f;
	PCI_FOR_EACH_CAP(f, at, n) {
		uint8_t type;
		struct virtio_cap *c;

		if (pci_read8(f, at) != PCI_CAP_VENDOR)
			continue;
		type = pci_read8(f, at + CAP_TYPE);
		/* The first capability of a type is the preferred one. */
		if (type < VIRTIO_CAP_COMMON || type > VIRTIO_CAP_PCI ||
		    v->cap[type].found)
			continue;
		c = &v->cap[type];
		c->found = 1;
		c->bar = pci_read8(f, at + CAP_BAR);
		c->offset = pci_read32(f, at + CAP_OFFSET);
		c->length = pci_read32(f, at + CAP_LENGTH);
		if (type == VIRTIO_CAP_NOTIFY)
			v->notify_multiplier = pci_read32(f, at + CAP_MULTIPLIER);
	}
	for (int type = VIRTIO_CAP_COMMON; type <= VIRTIO_CAP_DEVICE; type++) {
		if (!cap_address(v, type)) {
			printf("virtio: no usable %s structure\n", cap_names[type]);
			return -1;
		}
	}
	if (v->cap[VIRTIO_CAP_COMMON].length < sizeof(struct virtio_common_cfg) ||
	    v->cap[VIRTIO_CAP_ISR].length < 1) {
		printf("virtio: common or ISR structure too short\n");
		return -1;
	}
	v->common = (volatile struct virtio_common_cfg *)cap_address(v, VIRTIO_CAP_COMMON);
	v->isr = (volatile uint8_t *)cap_address(v, VIRTIO_CAP_ISR);
	v->device = (volatile uint8_t *)cap_address(v, VIRTIO_CAP_DEVICE);
	v->notify = cap_address(v, VIRTIO_CAP_NOTIFY);
	pci_write16(f, PCI_COMMAND, pci_read16(f, PCI_COMMAND) |
		    PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	return 0;
}

uint8_t virtio_status(const struct virtio_pci *v)
{
	return v->common->device_status;
}

void virtio_set_status(struct virtio_pci *v, uint8_t status)
{
	v->common->device_status = status;
}

int virtio_reset(struct virtio_pci *v)
{
	v->common->device_status = 0;
	for (int i = 0; i < 100000; i++) {
		if (v->common->device_status == 0)
			return 0;
		cpu_pause();
	}
	return -1;
}

uint64_t virtio_device_features(const struct virtio_pci *v)
{
	uint64_t f;

	v->common->device_feature_select = 1;
	f = (uint64_t)v->common->device_feature << 32;
	v->common->device_feature_select = 0;
	return f | v->common->device_feature;
}

void virtio_write_driver_features(struct virtio_pci *v, uint64_t features)
{
	v->common->driver_feature_select = 0;
	v->common->driver_feature = (uint32_t)features;
	v->common->driver_feature_select = 1;
	v->common->driver_feature = (uint32_t)(features >> 32);
}

uint32_t virtio_config32(const struct virtio_pci *v, uint32_t off)
{
	return *(volatile uint32_t *)(v->device + off);
}

int virtq_setup(struct virtio_pci *v, struct virtq *q, uint16_t index,
		uint16_t size, uint64_t desc, void *avail, void *used)
{
	volatile struct virtio_common_cfg *c = v->common;
	uintptr_t a = (uintptr_t)avail, u = (uintptr_t)used;
	uint16_t max;

	c->queue_select = index;
	max = c->queue_size;
	if (max == 0 || size > max)
		return -1;
	c->queue_size = size;
	c->queue_msix_vector = 0xffff;
	c->queue_desc_lo = (uint32_t)desc;
	c->queue_desc_hi = (uint32_t)(desc >> 32);
	c->queue_driver_lo = (uint32_t)a;
	c->queue_driver_hi = (uint32_t)((uint64_t)a >> 32);
	c->queue_device_lo = (uint32_t)u;
	c->queue_device_hi = (uint32_t)((uint64_t)u >> 32);

	q->index = index;
	q->size = size;
	q->desc = (struct virtq_desc *)(uintptr_t)desc;
	q->avail = avail;
	q->used = used;
	q->notify = v->notify + (uintptr_t)c->queue_notify_off * v->notify_multiplier;
	q->next_avail = 0;
	q->seen_used = 0;
	/* The device need not interrupt: this driver polls. */
	q->avail[0] = VIRTQ_AVAIL_F_NO_INTERRUPT;
	virtio_mb();
	c->queue_enable = 1;
	return 0;
}

void virtq_publish_index(struct virtq *q, uint16_t idx)
{
	virtio_mb();			/* ring entries before the index */
	q->avail[1] = idx;
	virtio_mb();			/* the index before the notification */
	*(volatile uint16_t *)q->notify = q->index;
}

void virtq_publish(struct virtq *q, uint16_t head)
{
	q->avail[2 + (q->next_avail & (q->size - 1))] = head;
	q->next_avail++;
	virtq_publish_index(q, q->next_avail);
}

int virtq_take_used(struct virtq *q, struct virtq_used_elem *e)
{
	volatile struct virtq_used_elem *ring;

	if (q->used[1] == q->seen_used)
		return 0;
	virtio_mb();			/* the index before the element */
	ring = (volatile struct virtq_used_elem *)(q->used + 2);
	e->id = ring[q->seen_used & (q->size - 1)].id;
	e->len = ring[q->seen_used & (q->size - 1)].len;
	q->seen_used++;
	return 1;
}
