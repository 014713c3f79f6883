package jvisor.guest.linux;

/**
 * Where the Linux loader puts its boot structures in low guest memory, below the EBDA and clear of
 * the BIOS area where the platform tables go. The kernel copies the zero page and the command line
 * early and drops the page tables and GDT when it loads its own, and it keeps the first 1 MiB
 * reserved, so none of this needs to survive the boot.
 */
public final class LinuxLayout {
    private LinuxLayout() { }

    public static final long GDT = 0x1000;
    /** The boot stack grows down from here towards the GDT page; the kernel sets its own at once. */
    public static final long STACK_TOP = 0x7000;
    public static final long ZERO_PAGE = 0x7000;
    /** PML4, PDPT, then one page directory per GiB of the identity map. */
    public static final long PAGE_TABLES = 0x9000;
    public static final int IDENTITY_MAPPED_GIB = 4;
    public static final long PAGE_TABLES_END = PAGE_TABLES + (2 + IDENTITY_MAPPED_GIB) * 0x1000L;
    public static final long CMDLINE = 0x20000;
    /** Room for the command line and its terminating zero. */
    public static final long CMDLINE_MAX = 0x10000;
    /** Nothing of jvisor's boot structures lies at or above this address. */
    public static final long LOW_STRUCTURES_END = CMDLINE + CMDLINE_MAX;

    /** The boot protocol's segment selectors: __BOOT_CS and __BOOT_DS. */
    public static final int BOOT_CS = 0x10;
    public static final int BOOT_DS = 0x18;
}
