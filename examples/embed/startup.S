/* startup.S: the vector table of q8run on a bare Cortex-M (mps2.ld puts it at
 * address 0): the initial stack pointer, the reset handler, then faults. */
    .syntax unified
    .thumb
    .section .vectors, "a"
    .word __stack_top       /* initial SP */
    .word q8run_reset       /* reset */
    .rept 14
    .word q8run_fault       /* NMI, HardFault, ..., SysTick */
    .endr
