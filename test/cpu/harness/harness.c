/*
 * Differential-testing harness: runs single x86-64 instructions natively with
 * a chosen machine state and reports the state afterwards, so the simulated
 * CPU can be compared against this machine's processor.
 *
 * Protocol (binary, little-endian, on stdin/stdout): a stream of case records
 * (struct case_in followed by a patch stream), answered by one result record
 * each (struct case_out followed by a diff stream). `harness --layout` prints
 * the fixed addresses so the TypeScript side can check that both agree.
 *
 * Layout (all below 64 MiB, the size of the emulator's guest memory in tests; the
 * data area ends exactly there, so accesses running past its end fault on both
 * sides: a no-MMU guest has no other unmapped memory to compare against):
 *   CODE_BASE  two pages, a read+execute view of a memfd; a second read-write
 *              view lets the harness write them. Every 32-byte slot holds a
 *              landing thunk: `mov dword [LANDED], slot_address; jmp [CAPTURE_PTR]`.
 *              The instruction under test is placed so that it ends at a slot
 *              boundary (the TypeScript side uses the end of the first page);
 *              wherever control goes next (fall-through, branch target), a
 *              thunk records where and jumps to the capture stub without
 *              touching any register or flag.
 *   CTRL_BASE  one page: input/output register blocks, FXSAVE images, the
 *              harness's own saved stack pointer and a scratch stack.
 *   DATA_BASE  DATA_SIZE bytes of data (the guest stack lives inside it),
 *              filled per case from a seeded xorshift32 pattern plus patches;
 *              the bytes that differ afterwards are reported.
 * Every register, including rsp and rbp, is an input: the entry stub saves the
 * harness's callee-saved registers and rsp in the control page first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define CODE_BASE 0x00400000UL
#define CODE_SIZE 0x2000UL
#define CTRL_BASE 0x00600000UL
#define DATA_BASE 0x03ffc000UL /* the top of the emulator's 64 MiB guest memory */
#define DATA_SIZE 0x4000UL
#define SLOT_SIZE 32
#define MAX_CODE 64

/* Control page offsets (mirrored as literal addresses in the assembly below). */
#define IN_GPR      0x000
#define IN_RFLAGS   0x080
#define ENTRY       0x088
#define CAPTURE_PTR 0x090
#define LANDED      0x098
#define HOST_RSP    0x0a0
#define OUT_GPR     0x100
#define OUT_RFLAGS  0x180
#define IN_FX       0x200
#define OUT_FX      0x400
#define HOST_FX     0x600
#define SCRATCH_TOP 0x1000

#define STR_(x) #x
#define STR(x) STR_(x)
#define CTRL(off) STR(CTRL_BASE + off)

/*
 * run_insn: load the whole machine state from the control page and jump to the
 * instruction. capture: reached through a landing thunk; store the state and
 * return to run_insn's caller. Absolute addresses are constants (disp32), so
 * no register is needed to reach the control page.
 */
__asm__(
    ".text\n"
    ".globl run_insn\n"
    ".type run_insn,@function\n"
    "run_insn:\n"
    "  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
    "  movq %rsp, (" CTRL(HOST_RSP) ")\n"
    "  fxsave64 (" CTRL(HOST_FX) ")\n"
    "  fxrstor64 (" CTRL(IN_FX) ")\n"
    "  movq $(" CTRL(SCRATCH_TOP) "), %rsp\n"
    "  pushq (" CTRL(IN_RFLAGS) ")\n"
    "  popfq\n"
    "  movq (" CTRL(IN_GPR) "+0x00), %rax\n"
    "  movq (" CTRL(IN_GPR) "+0x08), %rcx\n"
    "  movq (" CTRL(IN_GPR) "+0x10), %rdx\n"
    "  movq (" CTRL(IN_GPR) "+0x18), %rbx\n"
    "  movq (" CTRL(IN_GPR) "+0x28), %rbp\n"
    "  movq (" CTRL(IN_GPR) "+0x30), %rsi\n"
    "  movq (" CTRL(IN_GPR) "+0x38), %rdi\n"
    "  movq (" CTRL(IN_GPR) "+0x40), %r8\n"
    "  movq (" CTRL(IN_GPR) "+0x48), %r9\n"
    "  movq (" CTRL(IN_GPR) "+0x50), %r10\n"
    "  movq (" CTRL(IN_GPR) "+0x58), %r11\n"
    "  movq (" CTRL(IN_GPR) "+0x60), %r12\n"
    "  movq (" CTRL(IN_GPR) "+0x68), %r13\n"
    "  movq (" CTRL(IN_GPR) "+0x70), %r14\n"
    "  movq (" CTRL(IN_GPR) "+0x78), %r15\n"
    "  movq (" CTRL(IN_GPR) "+0x20), %rsp\n"
    "  jmp *(" CTRL(ENTRY) ")\n"
    ".size run_insn, .-run_insn\n"
    ".globl capture\n"
    ".type capture,@function\n"
    "capture:\n"
    "  movq %rax, (" CTRL(OUT_GPR) "+0x00)\n"
    "  movq %rcx, (" CTRL(OUT_GPR) "+0x08)\n"
    "  movq %rdx, (" CTRL(OUT_GPR) "+0x10)\n"
    "  movq %rbx, (" CTRL(OUT_GPR) "+0x18)\n"
    "  movq %rsp, (" CTRL(OUT_GPR) "+0x20)\n"
    "  movq %rbp, (" CTRL(OUT_GPR) "+0x28)\n"
    "  movq %rsi, (" CTRL(OUT_GPR) "+0x30)\n"
    "  movq %rdi, (" CTRL(OUT_GPR) "+0x38)\n"
    "  movq %r8,  (" CTRL(OUT_GPR) "+0x40)\n"
    "  movq %r9,  (" CTRL(OUT_GPR) "+0x48)\n"
    "  movq %r10, (" CTRL(OUT_GPR) "+0x50)\n"
    "  movq %r11, (" CTRL(OUT_GPR) "+0x58)\n"
    "  movq %r12, (" CTRL(OUT_GPR) "+0x60)\n"
    "  movq %r13, (" CTRL(OUT_GPR) "+0x68)\n"
    "  movq %r14, (" CTRL(OUT_GPR) "+0x70)\n"
    "  movq %r15, (" CTRL(OUT_GPR) "+0x78)\n"
    "  movq $(" CTRL(SCRATCH_TOP) "), %rsp\n"
    "  pushfq\n"
    "  popq (" CTRL(OUT_RFLAGS) ")\n"
    "  fxsave64 (" CTRL(OUT_FX) ")\n"
    /* Back to the ABI's flags: DF and AC clear. */
    "  pushq $0x202\n"
    "  popfq\n"
    "  fxrstor64 (" CTRL(HOST_FX) ")\n"
    "  movq (" CTRL(HOST_RSP) "), %rsp\n"
    "  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n"
    "  xor %eax, %eax\n"
    "  ret\n"
    ".size capture, .-capture\n");

extern void run_insn(void);
extern void capture(void);

struct case_in {
  uint32_t magic; /* 'CASE' */
  uint32_t insn_off;
  uint32_t code_len;
  uint32_t data_seed;
  uint32_t patch_bytes; /* length of the {u16 off, u16 len, bytes} stream that follows */
  uint32_t reserved;
  uint64_t gpr[16];
  uint64_t rflags;
  uint8_t fx[512];
  uint8_t code[MAX_CODE];
};

struct case_out {
  uint32_t magic; /* 'RSLT' */
  int32_t signo;  /* 0 when the instruction completed */
  int32_t si_code;
  uint32_t diff_bytes; /* length of the {u16 off, u16 len, bytes} stream that follows */
  uint64_t fault_addr;
  uint64_t gpr[16];
  uint64_t rip;
  uint64_t rflags;
  uint8_t fx[512];
};

#define MAGIC_IN 0x45534143u  /* "CASE" */
#define MAGIC_OUT 0x544c5352u /* "RSLT" */

static uint8_t *code_rw;       /* writable view of the code page */
static uint8_t pristine[CODE_SIZE];
static uint8_t data_init[DATA_SIZE];
static sigjmp_buf fault_jmp;
static volatile sig_atomic_t in_case;
static struct case_out fault_out;

static void die(const char *what) {
  fprintf(stderr, "cpu-harness: %s: %s\n", what, strerror(errno));
  exit(2);
}

static void *map_fixed(unsigned long addr, size_t len, int prot, int flags, int fd) {
  void *p = mmap((void *)addr, len, prot, flags | MAP_FIXED_NOREPLACE, fd, 0);
  if (p == MAP_FAILED) die("mmap");
  if ((unsigned long)p != addr) {
    errno = EEXIST;
    die("mmap at fixed address");
  }
  return p;
}

static void on_fault(int sig, siginfo_t *si, void *uc_) {
  /* An instruction run with AC set faults on misaligned accesses (#AC, SIGBUS); the kernel
     keeps AC in the handler, so clear it before any C code runs into the same trap. */
  __asm__ volatile("pushfq\n andq $~0x40000, (%%rsp)\n popfq" ::: "memory", "cc");
  ucontext_t *uc = uc_;
  if (!in_case) {
    /* A fault in the harness itself: restore default handling and re-raise. */
    signal(sig, SIG_DFL);
    return;
  }
  greg_t *g = uc->uc_mcontext.gregs;
  fault_out.signo = sig;
  fault_out.si_code = si->si_code;
  fault_out.fault_addr = (uint64_t)si->si_addr;
  static const int order[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};
  for (int i = 0; i < 16; i++) fault_out.gpr[i] = (uint64_t)g[order[i]];
  fault_out.rip = (uint64_t)g[REG_RIP];
  fault_out.rflags = (uint64_t)g[REG_EFL];
  if (uc->uc_mcontext.fpregs) memcpy(fault_out.fx, uc->uc_mcontext.fpregs, 512);
  else memset(fault_out.fx, 0, 512);
  siglongjmp(fault_jmp, 1);
}

static void install_handlers(void) {
  static uint8_t altstack[1 << 16];
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  if (sigaltstack(&ss, NULL) != 0) die("sigaltstack");
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  const int sigs[] = {SIGSEGV, SIGILL, SIGFPE, SIGBUS, SIGTRAP};
  for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    if (sigaction(sigs[i], &sa, NULL) != 0) die("sigaction");
}

/* The data pattern both sides generate: xorshift32 words. */
static void fill_pattern(uint8_t *dst, uint32_t seed) {
  uint32_t x = seed ? seed : 1;
  for (size_t i = 0; i < DATA_SIZE; i += 4) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    memcpy(dst + i, &x, 4);
  }
}

static void build_code_page(void) {
  for (unsigned long s = 0; s < CODE_SIZE; s += SLOT_SIZE) {
    uint8_t *t = pristine + s;
    memset(t, 0xcc, SLOT_SIZE); /* int3: landing inside a thunk is a test bug, reported as SIGTRAP */
    uint32_t landed = (uint32_t)(CTRL_BASE + LANDED), here = (uint32_t)(CODE_BASE + s);
    uint32_t cap = (uint32_t)(CTRL_BASE + CAPTURE_PTR);
    t[0] = 0xc7; t[1] = 0x04; t[2] = 0x25; /* mov dword [disp32], imm32 */
    memcpy(t + 3, &landed, 4);
    memcpy(t + 7, &here, 4);
    t[11] = 0xff; t[12] = 0x24; t[13] = 0x25; /* jmp qword [disp32] */
    memcpy(t + 14, &cap, 4);
  }
  memcpy(code_rw, pristine, CODE_SIZE);
}

static int read_full(void *buf, size_t len) {
  uint8_t *p = buf;
  size_t got = 0;
  while (got < len) {
    size_t n = fread(p + got, 1, len - got, stdin);
    if (n == 0) return got == 0 ? 0 : -1;
    got += n;
  }
  return 1;
}

static void write_full(const void *buf, size_t len) {
  if (fwrite(buf, 1, len, stdout) != len) die("write");
}

/* Diff stream of the data area against its initial contents. */
static size_t diff_data(uint8_t *out, size_t cap) {
  const uint8_t *now = (const uint8_t *)DATA_BASE;
  size_t n = 0, i = 0;
  while (i < DATA_SIZE) {
    if (now[i] == data_init[i]) { i++; continue; }
    size_t j = i;
    while (j < DATA_SIZE && j - i < 0xffff && now[j] != data_init[j]) j++;
    uint16_t off = (uint16_t)i, len = (uint16_t)(j - i);
    if (n + 4 + len > cap) { fprintf(stderr, "cpu-harness: diff overflow\n"); exit(2); }
    memcpy(out + n, &off, 2);
    memcpy(out + n + 2, &len, 2);
    memcpy(out + n + 4, now + i, len);
    n += 4 + len;
    i = j;
  }
  return n;
}

static int run_cases(void) {
  static uint8_t patch[DATA_SIZE * 2];
  static uint8_t diff[DATA_SIZE * 2];
  uint8_t *ctrl = (uint8_t *)CTRL_BASE;
  uint8_t *data = (uint8_t *)DATA_BASE;
  struct case_in in;
  for (;;) {
    int r = read_full(&in, sizeof in);
    if (r == 0) return 0;
    if (r < 0 || in.magic != MAGIC_IN || in.code_len > MAX_CODE || in.insn_off + in.code_len > CODE_SIZE ||
        in.patch_bytes > sizeof patch) {
      fprintf(stderr, "cpu-harness: malformed case record\n");
      return 2;
    }
    if (in.patch_bytes && read_full(patch, in.patch_bytes) != 1) {
      fprintf(stderr, "cpu-harness: truncated patch stream\n");
      return 2;
    }
    fill_pattern(data_init, in.data_seed);
    for (size_t p = 0; p < in.patch_bytes;) {
      uint16_t off, len;
      if (p + 4 > in.patch_bytes) { fprintf(stderr, "cpu-harness: bad patch\n"); return 2; }
      memcpy(&off, patch + p, 2);
      memcpy(&len, patch + p + 2, 2);
      if (p + 4 + len > in.patch_bytes || (size_t)off + len > DATA_SIZE) {
        fprintf(stderr, "cpu-harness: bad patch\n");
        return 2;
      }
      memcpy(data_init + off, patch + p + 4, len);
      p += 4 + len;
    }
    memcpy(data, data_init, DATA_SIZE);
    memcpy(code_rw + in.insn_off, in.code, in.code_len);

    memcpy(ctrl + IN_GPR, in.gpr, sizeof in.gpr);
    memcpy(ctrl + IN_RFLAGS, &in.rflags, 8);
    memcpy(ctrl + IN_FX, in.fx, 512);
    uint64_t entry = CODE_BASE + in.insn_off, cap = (uint64_t)capture, none = 0;
    memcpy(ctrl + ENTRY, &entry, 8);
    memcpy(ctrl + CAPTURE_PTR, &cap, 8);
    memcpy(ctrl + LANDED, &none, 8);

    struct case_out out;
    memset(&out, 0, sizeof out);
    if (sigsetjmp(fault_jmp, 1) == 0) {
      in_case = 1;
      run_insn();
      in_case = 0;
      memcpy(out.gpr, ctrl + OUT_GPR, sizeof out.gpr);
      memcpy(&out.rflags, ctrl + OUT_RFLAGS, 8);
      memcpy(out.fx, ctrl + OUT_FX, 512);
      uint32_t landed;
      memcpy(&landed, ctrl + LANDED, 4);
      out.rip = landed;
    } else {
      in_case = 0;
      /* The handler ran with a fresh FPU state; go back to the harness's own. */
      __asm__ volatile("fxrstor64 (" CTRL(HOST_FX) ")" ::: "memory");
      out = fault_out;
    }
    out.magic = MAGIC_OUT;
    out.diff_bytes = (uint32_t)diff_data(diff, sizeof diff);
    write_full(&out, sizeof out);
    write_full(diff, out.diff_bytes);
    memcpy(code_rw + in.insn_off, pristine + in.insn_off, in.code_len);
  }
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--layout") == 0) {
    printf("{\"codeBase\":%lu,\"codeSize\":%lu,\"dataBase\":%lu,\"dataSize\":%lu,\"ctrlBase\":%lu,"
           "\"slotSize\":%d,\"maxCode\":%d,\"caseIn\":%zu,\"caseOut\":%zu}\n",
           CODE_BASE, CODE_SIZE, DATA_BASE, DATA_SIZE, CTRL_BASE, SLOT_SIZE, MAX_CODE, sizeof(struct case_in),
           sizeof(struct case_out));
    return 0;
  }
  int fd = memfd_create("cpu-harness-code", 0);
  if (fd < 0) die("memfd_create");
  if (ftruncate(fd, CODE_SIZE) != 0) die("ftruncate");
  map_fixed(CODE_BASE, CODE_SIZE, PROT_READ | PROT_EXEC, MAP_SHARED, fd);
  code_rw = mmap(NULL, CODE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (code_rw == MAP_FAILED) die("mmap code view");
  map_fixed(CTRL_BASE, 0x1000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
  map_fixed(DATA_BASE, DATA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
  build_code_page();
  install_handlers();
  static char obuf[1 << 16];
  setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
  int rc = run_cases();
  fflush(stdout);
  return rc;
}
