# A 64 KiB x86 firmware image (-bios) that gives every general register a distinct value, then halts.
# Assembled by scripts/make-fixtures.mjs (GNU as + objcopy) into public/fixtures/regs-x86.rom.
#
# QEMU maps a -bios image of 64 KiB at 0xffff0000 and starts the CPU in real mode at 0xfffffff0
# (CS=f000, base ffff0000, IP=fff0: target/i386/cpu.c x86_cpu_reset). Real mode only reaches
# EAX..EDI, so the program enters long mode (PAE paging, EFER.LME, CR0.PE|PG, far jump to a 64-bit
# code segment; Intel SDM vol. 3 §9.8.5) to set RAX..R15, then halts with interrupts off. The GDT
# and page tables live in this ROM: their accessed/dirty bits are preset, so the CPU never needs
# to write them. Why not -device loader: the ROM region at the reset vector belongs to the BIOS
# image, and a loader blob overlapping it is refused ("rom: requested regions overlap").
# Every byte of every register differs from every other register's bytes at the same position.

        .set ROM, 0xffff0000
        .text
rom:
        .code16

# GDT: null, 64-bit code (selector 0x08: P, DPL 0, code exec/read accessed, L=1, G=1).
        .balign 8
gdt:    .quad 0
        .quad 0x00af9b000000ffff
gdt_end:
gdt_ptr:
        .word gdt_end - gdt - 1
        .long gdt - rom + ROM

# Identity map of the top 2 MiB (0xffe00000..0xffffffff), where this ROM is.
        .org 0x1000
pml4:   .quad pdpt - rom + ROM + 0x23           # present, writable, accessed
        .org 0x2000
pdpt:   .org 0x2000 + 3 * 8
        .quad pd - rom + ROM + 0x23             # 3rd GiB..4th GiB
        .org 0x3000
pd:     .org 0x3000 + 511 * 8
        .quad 0xffe00000 + 0xe3                 # 2 MiB page: present, writable, accessed, dirty

        .org 0x4000
start16:
        cli
        lgdtl %cs:(gdt_ptr - rom)
        movl $0x20, %eax                        # CR4.PAE
        movl %eax, %cr4
        movl $(pml4 - rom + ROM), %eax
        movl %eax, %cr3
        movl $0xc0000080, %ecx                  # EFER
        rdmsr
        orl $0x100, %eax                        # EFER.LME
        wrmsr
        movl %cr0, %eax
        orl $0x80000001, %eax                   # CR0.PG | CR0.PE
        movl %eax, %cr0
        ljmpl $0x08, $(start64 - rom + ROM)

        .code64
start64:
        movabs $0x0011223344556677, %rax
        movabs $0x1122334455667788, %rcx
        movabs $0x2233445566778899, %rdx
        movabs $0x33445566778899aa, %rbx
        movabs $0x445566778899aabb, %rsp
        movabs $0x5566778899aabbcc, %rbp
        movabs $0x66778899aabbccdd, %rsi
        movabs $0x778899aabbccddee, %rdi
        movabs $0x8899aabbccddeeff, %r8
        movabs $0x99aabbccddeeff10, %r9
        movabs $0xaabbccddeeff1021, %r10
        movabs $0xbbccddeeff102132, %r11
        movabs $0xccddeeff10213243, %r12
        movabs $0xddeeff1021324354, %r13
        movabs $0xeeff102132435465, %r14
        movabs $0xff10213243546576, %r15
halt:   hlt
        jmp halt

        .code16
        .org 0xfff0
reset:  jmp start16                             # the reset vector, 0xfffffff0
        .org 0x10000
