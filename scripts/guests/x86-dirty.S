# A 64 KiB x86 firmware image (-bios) that keeps rewriting 16 pages of RAM while the VM migrates,
# so that a migration sends those pages more than once (scripts/make-fixtures-qemu10.mjs, fixture
# pc-multifd-dirty-main.bin). Assembled by that script (GNU as + objcopy) into
# public/fixtures/qemu10/dirty-x86.rom.
#
# QEMU maps a 64 KiB -bios image at 0xffff0000 and starts in real mode at 0xfffffff0 (CS=f000,
# base ffff0000, IP=fff0); real mode reaches the first MiB, so the pages are 0x10000..0x1f000
# (ES=0x1000). Each pass writes the pass number (EBX) into the first dword of each page, then the
# next pass: a page's last write is whatever pass the source stopped in, which only the last
# round of the migration carries.

        .text
        .code16
rom:
start:
        cli
        xorl %ebx, %ebx
        movw $0x1000, %ax
        movw %ax, %es
pass:
        incl %ebx
        xorw %di, %di
        movw $16, %cx
page:
        movl %ebx, %es:(%di)
        addw $0x1000, %di
        loop page
        jmp pass

        .org 0xfff0
reset:
        jmp start
        .org 0x10000
