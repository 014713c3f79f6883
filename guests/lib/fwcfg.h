/* QEMU's fw_cfg interface, the traditional I/O port variant: write a
 * 16-bit key to the selector port, then read the item byte by byte from
 * the data port. */
#ifndef GUEST_FWCFG_H
#define GUEST_FWCFG_H

#include "types.h"

#define FW_CFG_SIGNATURE	0x0000	/* "QEMU" */
#define FW_CFG_ID		0x0001	/* bit 0: traditional, bit 1: DMA */
#define FW_CFG_RAM_SIZE		0x0003	/* 64-bit little-endian */
#define FW_CFG_NB_CPUS		0x0005	/* 16-bit little-endian */
#define FW_CFG_FILE_DIR		0x0019	/* big-endian, see fwcfg.c */

/* Select key and read len bytes from the start of the item. */
void fwcfg_read(uint16_t key, void *buf, uint32_t len);
int fwcfg_present(void);		/* the signature reads "QEMU" */
uint32_t fwcfg_file_count(void);
/* Find a file in the directory; 0 and its key and size if found. */
int fwcfg_find_file(const char *name, uint16_t *key, uint32_t *size);

#endif
