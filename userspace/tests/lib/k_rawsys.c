/*
 * k_rawsys: a shared library with its own `syscall` instruction (inline
 * asm), for k_dlopen. Nothing rewrote it at exec (it is dlopen'd later), so
 * in the simulator its first call traps and the site is rewritten lazily.
 */
long k_raw_getpid(void)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(39L) : "rcx", "r11", "memory");
	return ret;
}

/* write(fd, buf, len) through the library's own syscall instruction. */
long k_raw_write(long fd, const void *buf, long len)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(1L), "D"(fd), "S"(buf), "d"(len) : "rcx", "r11", "memory");
	return ret;
}
