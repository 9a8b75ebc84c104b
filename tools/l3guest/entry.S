/* SPDX-License-Identifier: GPL-2.0 */
/* Multiboot v1 entry: QEMU's -kernel loader jumps here in 32-bit protected
 * mode with flat segments, paging off and interrupts disabled. */
	.section .multiboot, "a"
	.balign 4
	.long 0x1badb002		/* magic */
	.long 0				/* flags: ELF image, nothing requested */
	.long -0x1badb002		/* checksum */

	.text
	.globl _start
_start:
	cli
	mov $stack_top, %esp
	/* zero .bss (the loader does too; do not depend on it) */
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	xor %eax, %eax
	cld
	rep stosb
	call l3_main
1:	hlt
	jmp 1b

	.bss
	.balign 16
	.space 65536
stack_top:
