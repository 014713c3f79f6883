/*
 * A 64 KiB "BIOS" for QEMU that puts the processor into exactly the state a jvisor loader chose
 * and jumps to the guest: lets QEMU check a zero page, page tables, GDT and entry state built by
 * jvisor. The test patches the parameter block at PARAMS before starting QEMU with -bios.
 * Linked at 0xFFFF0000: the top 64 KiB below 4 GiB, where the reset vector lives.
 */
        .set BASE, 0xFFFF0000
        .set PARAMS_OFFSET, 0xFF00
        .set MSR_EFER, 0xC0000080
        .set EFER_LMA, 0x400

        .section .text
        .code16
start16:
        cli
        cld
        lgdtl   %cs:(boot_gdtr - BASE)
        movl    %cr0, %eax
        orl     $1, %eax
        movl    %eax, %cr0
        ljmpl   $0x08, $protected32

        .code32
protected32:
        movl    $0x10, %eax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        movl    p_cr4, %eax
        movl    %eax, %cr4
        movl    p_cr3, %eax
        movl    %eax, %cr3
        movl    $MSR_EFER, %ecx
        movl    p_efer, %eax
        andl    $~EFER_LMA, %eax        /* the processor sets LMA itself when paging comes on */
        xorl    %edx, %edx
        wrmsr
        movl    p_cr0, %eax
        movl    %eax, %cr0              /* paging on: long mode, still 32-bit code */
        lgdtl   p_gdtr                  /* the guest's GDT from here on */
        ljmpl   *p_far                  /* CS from the guest's GDT: 64-bit code */

        .code64
long64:
        movl    p_ds(%rip), %eax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        movw    %ax, %fs
        movw    %ax, %gs
        movq    p_rsp(%rip), %rsp
        movq    p_rsi(%rip), %rsi
        movq    p_rip(%rip), %rax
        xorl    %ebx, %ebx
        xorl    %ecx, %ecx
        xorl    %edx, %edx
        xorl    %edi, %edi
        xorl    %ebp, %ebp
        jmp     *%rax

        .balign 8
boot_gdt:
        .quad   0
        .quad   0x00CF9B000000FFFF      /* 0x08: flat 32-bit code */
        .quad   0x00CF93000000FFFF      /* 0x10: flat data */
boot_gdtr:
        .word   boot_gdtr - boot_gdt - 1
        .long   boot_gdt

        /* The parameter block: filled in by the test. */
        .org    PARAMS_OFFSET
p_cr0:  .quad   0
p_cr3:  .quad   0
p_cr4:  .quad   0
p_efer: .quad   0
p_rip:  .quad   0
p_rsi:  .quad   0
p_rsp:  .quad   0
p_ds:   .quad   0
p_far:  .long   long64                  /* offset, then the selector the test fills in */
        .word   0
        .word   0
p_gdtr: .word   0
        .long   0

        .org    0xFFF0
reset:
        .code16
        jmp     start16
        .org    0x10000
