// An aarch64 program that gives every general register (x0..x30) and SP a distinct value, then
// waits for an interrupt forever. Assembled by scripts/make-fixtures.mjs (GNU as + objcopy) into
// public/fixtures/regs-aarch64.bin and loaded with -device loader,...,cpu-num=0, which also sets
// CPU 0's PC to the load address (hw/core/generic-loader.c). Position-independent: the values come
// from a literal pool addressed relative to PC. Register n holds the bytes 8n..8n+7 (SP is n = 31),
// so every byte of every register differs from every other byte.
        .text
        .globl _start
_start:
        ldr x0, =0xf8f9fafbfcfdfeff
        mov sp, x0
        ldr x0, =0x0001020304050607
        ldr x1, =0x08090a0b0c0d0e0f
        ldr x2, =0x1011121314151617
        ldr x3, =0x18191a1b1c1d1e1f
        ldr x4, =0x2021222324252627
        ldr x5, =0x28292a2b2c2d2e2f
        ldr x6, =0x3031323334353637
        ldr x7, =0x38393a3b3c3d3e3f
        ldr x8, =0x4041424344454647
        ldr x9, =0x48494a4b4c4d4e4f
        ldr x10, =0x5051525354555657
        ldr x11, =0x58595a5b5c5d5e5f
        ldr x12, =0x6061626364656667
        ldr x13, =0x68696a6b6c6d6e6f
        ldr x14, =0x7071727374757677
        ldr x15, =0x78797a7b7c7d7e7f
        ldr x16, =0x8081828384858687
        ldr x17, =0x88898a8b8c8d8e8f
        ldr x18, =0x9091929394959697
        ldr x19, =0x98999a9b9c9d9e9f
        ldr x20, =0xa0a1a2a3a4a5a6a7
        ldr x21, =0xa8a9aaabacadaeaf
        ldr x22, =0xb0b1b2b3b4b5b6b7
        ldr x23, =0xb8b9babbbcbdbebf
        ldr x24, =0xc0c1c2c3c4c5c6c7
        ldr x25, =0xc8c9cacbcccdcecf
        ldr x26, =0xd0d1d2d3d4d5d6d7
        ldr x27, =0xd8d9dadbdcdddedf
        ldr x28, =0xe0e1e2e3e4e5e6e7
        ldr x29, =0xe8e9eaebecedeeef
        ldr x30, =0xf0f1f2f3f4f5f6f7
halt:   wfi
        b halt
        .ltorg
