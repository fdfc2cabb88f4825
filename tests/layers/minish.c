/*
 * minish: the /bin/sh of the layer fixtures' base image (tests/layers).
 *
 * Nothing can be pulled or downloaded on the machines that record the
 * fixtures, and a real shell (busybox) would put megabytes of third-party
 * code into every checked-in archive. This is a few KiB of our own code,
 * built without libc (x86-64 Linux system calls only), that runs what the
 * fixtures' RUN lines need:
 *
 *   sh -c 'CMD [ARG...] && CMD ...'     commands joined by &&, ; or newlines;
 *                                       words split on blanks, '...' and "..."
 *                                       quote; no variables, no redirections
 *   true | mkdir [-p] DIR... | chmod [-R] OCTAL PATH... | chown [-R] UID[:GID] PATH...
 *   touch PATH... | rm [-rf] PATH... (a last component '*' removes every entry)
 *   mkfile PATH BYTES                   deterministic incompressible content
 *   cp SRC DST | mv SRC DST | ln -s TARGET LINK
 *
 * and two stand-ins that write files where the real tools do, so that the
 * cache rules can be measured on real layers:
 *
 *   apt-get update                      package lists in /var/lib/apt/lists
 *   apt-get install [-y] [--no-install-recommends] PKG...
 *   pip install [--no-cache-dir] [-r FILE] [PKG...]
 *                                       site-packages, and pip's cache in
 *                                       /root/.cache/pip unless --no-cache-dir
 *
 * Build: gcc -Os -static -nostdlib -ffreestanding -fno-builtin -fno-stack-protector
 *            -fno-asynchronous-unwind-tables -fno-pie -no-pie -Wl,--build-id=none -Wl,-z,noseparate-code -s
 *            -o sh minish.c          (record.py does this)
 */

typedef unsigned long size_t;
typedef long ssize_t;

#define AT_FDCWD -100
#define AT_REMOVEDIR 0x200
#define AT_SYMLINK_NOFOLLOW 0x100
#define O_RDONLY 0
#define O_WRONLY 1
#define O_CREAT 0100
#define O_TRUNC 01000
#define O_DIRECTORY 0200000
#define DT_DIR 4

static long sys(long n, long a, long b, long c, long d, long e) {
    long ret;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8) : "rcx", "r11", "memory");
    return ret;
}

#define SYS_read 0
#define SYS_write 1
#define SYS_close 3
#define SYS_getdents64 217
#define SYS_exit_group 231
#define SYS_openat 257
#define SYS_mkdirat 258
#define SYS_fchownat 260
#define SYS_unlinkat 263
#define SYS_renameat 264
#define SYS_symlinkat 266
#define SYS_fchmodat 268
#define SYS_utimensat 280

void *memset(void *s, int c, size_t n) {
    unsigned char *p = s;
    while (n--) *p++ = (unsigned char)c;
    return s;
}

void *memcpy(void *d, const void *s, size_t n) {
    unsigned char *o = d;
    const unsigned char *i = s;
    while (n--) *o++ = *i++;
    return d;
}

static size_t slen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

static int seq(const char *a, const char *b) {
    while (*a && *a == *b) a++, b++;
    return *a == *b;
}

static void say(const char *s) { sys(SYS_write, 2, (long)s, (long)slen(s), 0, 0); }

static int fail(const char *what, const char *path) {
    say("minish: ");
    say(what);
    if (path) {
        say(": ");
        say(path);
    }
    say("\n");
    return 1;
}

static char *join(char *out, const char *dir, const char *name) {
    size_t n = slen(dir), m = slen(name);
    if (n + m + 2 > 4096) return 0;
    memcpy(out, dir, n);
    out[n] = '/';
    memcpy(out + n + 1, name, m + 1);
    return out;
}

static long number(const char *s, int base) {
    long v = 0;
    if (!*s) return -1;
    for (; *s; s++) {
        int d = *s - '0';
        if (d < 0 || d >= base) return -1;
        v = v * base + d;
    }
    return v;
}

/* mkdir -p */
static int mkdirs(const char *path) {
    char buf[4096];
    size_t n = slen(path);
    if (n >= sizeof buf) return fail("path too long", path);
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == 0) {
            char c = buf[i];
            buf[i] = 0;
            long r = sys(SYS_mkdirat, AT_FDCWD, (long)buf, 0755, 0, 0);
            if (r < 0 && r != -17) return fail("mkdir", buf); /* -EEXIST is fine */
            buf[i] = c;
        }
    }
    return 0;
}

static int parent_dirs(const char *path) {
    char buf[4096];
    size_t n = slen(path);
    if (n >= sizeof buf) return fail("path too long", path);
    memcpy(buf, path, n + 1);
    while (n > 0 && buf[n] != '/') n--;
    if (n == 0) return 0;
    buf[n] = 0;
    return mkdirs(buf);
}

/* Visit the entries of a directory: fn(path, is_dir). */
typedef int (*visit_fn)(const char *path, int is_dir, long arg);

static int each_entry(const char *dir, visit_fn fn, long arg) {
    char buf[4096], path[4096];
    long fd = sys(SYS_openat, AT_FDCWD, (long)dir, O_RDONLY | O_DIRECTORY, 0, 0);
    if (fd < 0) return fail("cannot open directory", dir);
    int rc = 0;
    for (;;) {
        long n = sys(SYS_getdents64, fd, (long)buf, sizeof buf, 0, 0);
        if (n <= 0) break;
        for (long off = 0; off < n;) {
            unsigned short reclen = *(unsigned short *)(buf + off + 16);
            unsigned char type = *(unsigned char *)(buf + off + 18);
            const char *name = buf + off + 19;
            off += reclen;
            if (seq(name, ".") || seq(name, "..")) continue;
            if (!join(path, dir, name)) return fail("path too long", dir);
            rc |= fn(path, type == DT_DIR, arg);
        }
    }
    sys(SYS_close, fd, 0, 0, 0, 0);
    return rc;
}

static int is_dir(const char *path) {
    long fd = sys(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_DIRECTORY, 0, 0);
    if (fd < 0) return 0;
    sys(SYS_close, fd, 0, 0, 0, 0);
    return 1;
}

static int chmod_one(const char *path, int dir, long mode) {
    if (sys(SYS_fchmodat, AT_FDCWD, (long)path, mode, 0, 0) < 0) return fail("chmod", path);
    return dir ? each_entry(path, chmod_one, mode) : 0;
}

static int chown_one(const char *path, int dir, long ids) {
    if (sys(SYS_fchownat, AT_FDCWD, (long)path, ids >> 32, ids & 0xffffffff, AT_SYMLINK_NOFOLLOW) < 0)
        return fail("chown", path);
    return dir ? each_entry(path, chown_one, ids) : 0;
}

static int rm_one(const char *path, int dir, long recursive) {
    if (dir) {
        if (!recursive) return fail("is a directory", path);
        if (each_entry(path, rm_one, 1)) return 1;
        if (sys(SYS_unlinkat, AT_FDCWD, (long)path, AT_REMOVEDIR, 0, 0) < 0) return fail("rmdir", path);
        return 0;
    }
    long r = sys(SYS_unlinkat, AT_FDCWD, (long)path, 0, 0, 0);
    if (r == -21 || r == -39) return rm_one(path, 1, recursive); /* EISDIR, ENOTEMPTY */
    if (r < 0 && r != -2) return fail("rm", path);
    return 0;
}

static int write_file(const char *path, const char *data, size_t n) {
    if (parent_dirs(path)) return 1;
    long fd = sys(SYS_openat, AT_FDCWD, (long)path, O_WRONLY | O_CREAT | O_TRUNC, 0644, 0);
    if (fd < 0) return fail("cannot write", path);
    while (n) {
        long w = sys(SYS_write, fd, (long)data, (long)n, 0, 0);
        if (w <= 0) return fail("write", path);
        data += w, n -= (size_t)w;
    }
    sys(SYS_close, fd, 0, 0, 0, 0);
    return 0;
}

/* BYTES of xorshift noise seeded by the path: same file, same bytes, every build. */
static int mkfile(const char *path, long bytes) {
    static char block[65536];
    unsigned long x = 1469598103934665603UL;
    for (const char *p = path; *p; p++) x = (x ^ (unsigned char)*p) * 1099511628211UL;
    if (parent_dirs(path)) return 1;
    long fd = sys(SYS_openat, AT_FDCWD, (long)path, O_WRONLY | O_CREAT | O_TRUNC, 0644, 0);
    if (fd < 0) return fail("cannot write", path);
    while (bytes > 0) {
        long n = bytes < (long)sizeof block ? bytes : (long)sizeof block;
        for (long i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            block[i] = (char)(x >> 24);
        }
        if (sys(SYS_write, fd, (long)block, n, 0, 0) != n) return fail("write", path);
        bytes -= n;
    }
    sys(SYS_close, fd, 0, 0, 0, 0);
    return 0;
}

static int copy_file(const char *src, const char *dst) {
    static char block[65536];
    long in = sys(SYS_openat, AT_FDCWD, (long)src, O_RDONLY, 0, 0);
    if (in < 0) return fail("cannot read", src);
    long out = sys(SYS_openat, AT_FDCWD, (long)dst, O_WRONLY | O_CREAT | O_TRUNC, 0644, 0);
    if (out < 0) return fail("cannot write", dst);
    for (;;) {
        long n = sys(SYS_read, in, (long)block, sizeof block, 0, 0);
        if (n < 0) return fail("read", src);
        if (n == 0) break;
        if (sys(SYS_write, out, (long)block, n, 0, 0) != n) return fail("write", dst);
    }
    sys(SYS_close, in, 0, 0, 0, 0);
    sys(SYS_close, out, 0, 0, 0, 0);
    return 0;
}

/* ---- the package-manager stand-ins ---- */

static const char LISTS[] = "/var/lib/apt/lists/";

static int apt_get(int argc, char **argv) {
    char path[4096];
    if (argc > 1 && seq(argv[1], "update")) {
        if (mkdirs("/var/lib/apt/lists/partial")) return 1;
        if (write_file("/var/lib/apt/lists/lock", "", 0)) return 1;
        if (mkfile("/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease", 1517)) return 1;
        return mkfile("/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages", 6144);
    }
    if (argc > 1 && seq(argv[1], "install")) {
        int recommends = 1;
        for (int i = 2; i < argc; i++)
            if (seq(argv[i], "--no-install-recommends")) recommends = 0;
        if (!is_dir(LISTS)) return fail("apt-get install: no package lists (run apt-get update)", 0);
        for (int i = 2; i < argc; i++) {
            if (argv[i][0] == '-') continue;
            if (!join(path, "/usr/bin", argv[i]) || mkfile(path, 2048)) return 1;
            if (!join(path, "/usr/share/doc", argv[i]) || !join(path, path, "copyright") || mkfile(path, 300))
                return 1;
            if (recommends && (!join(path, "/usr/share/doc", argv[i]) || !join(path, path, "recommended") ||
                               mkfile(path, 512)))
                return 1;
        }
        return 0;
    }
    return fail("apt-get: only update and install", 0);
}

static int pip_one(const char *name, int cache) {
    char path[4096], dir[4096];
    if (!join(dir, "/usr/local/lib/python3.11/site-packages", name) || !join(path, dir, "__init__.py") ||
        mkfile(path, 1024))
        return 1;
    if (cache && (!join(path, "/root/.cache/pip/wheels", name) || mkfile(path, 1536))) return 1;
    return 0;
}

static int pip(int argc, char **argv) {
    static char text[65536];
    int cache = 1;
    if (argc < 2 || !seq(argv[1], "install")) return fail("pip: only install", 0);
    for (int i = 2; i < argc; i++)
        if (seq(argv[i], "--no-cache-dir")) cache = 0;
    for (int i = 2; i < argc; i++) {
        if (seq(argv[i], "-r") && i + 1 < argc) {
            const char *file = argv[++i];
            long fd = sys(SYS_openat, AT_FDCWD, (long)file, O_RDONLY, 0, 0);
            if (fd < 0) return fail("cannot read", file);
            long n = sys(SYS_read, fd, (long)text, sizeof text - 1, 0, 0);
            sys(SYS_close, fd, 0, 0, 0, 0);
            if (n < 0) return fail("read", file);
            text[n] = 0;
            /* one requirement a line, NAME[==VERSION] */
            for (char *line = text; *line;) {
                char *end = line;
                while (*end && *end != '\n') end++;
                char next = *end;
                *end = 0;
                for (char *c = line; *c; c++)
                    if (*c == '=' || *c == '<' || *c == '>' || *c == ' ') *c = 0;
                if (*line && *line != '#' && pip_one(line, cache)) return 1;
                line = next ? end + 1 : end;
            }
        } else if (argv[i][0] != '-') {
            if (pip_one(argv[i], cache)) return 1;
        }
    }
    return 0;
}

/* ---- commands ---- */

static int run(int argc, char **argv) {
    const char *cmd = argv[0];
    int i = 1, rc = 0;
    if (seq(cmd, "true") || seq(cmd, ":")) return 0;
    if (seq(cmd, "apt-get")) return apt_get(argc, argv);
    if (seq(cmd, "pip") || seq(cmd, "pip3")) return pip(argc, argv);
    if (seq(cmd, "mkdir")) {
        for (; i < argc; i++)
            if (argv[i][0] != '-') rc |= mkdirs(argv[i]);
        return rc;
    }
    if (seq(cmd, "chmod") || seq(cmd, "chown")) {
        int recursive = i < argc && seq(argv[i], "-R");
        i += recursive;
        if (i + 1 >= argc) return fail("usage", cmd);
        long arg;
        if (cmd[3] == 'o') { // chmod (chown: cmd[3] is 'w')
            arg = number(argv[i], 8);
        } else {
            char *colon = argv[i];
            while (*colon && *colon != ':') colon++;
            long gid = -1;
            if (*colon) *colon = 0, gid = number(colon + 1, 10);
            long uid = number(argv[i], 10);
            if (uid < 0 || gid < -1) return fail("numeric ids only", argv[i]);
            arg = (uid << 32) | (gid < 0 ? uid : gid);
        }
        if (arg < 0) return fail("bad argument", argv[i]);
        for (i++; i < argc; i++) {
            int dir = recursive && is_dir(argv[i]);
            rc |= cmd[3] == 'o' ? chmod_one(argv[i], dir, arg) : chown_one(argv[i], dir, arg);
        }
        return rc;
    }
    if (seq(cmd, "touch")) {
        for (; i < argc; i++) {
            long fd = sys(SYS_openat, AT_FDCWD, (long)argv[i], O_WRONLY | O_CREAT, 0644, 0);
            if (fd < 0) return fail("touch", argv[i]);
            sys(SYS_close, fd, 0, 0, 0, 0);
            if (sys(SYS_utimensat, AT_FDCWD, (long)argv[i], 0, 0, 0) < 0) return fail("touch", argv[i]);
        }
        return 0;
    }
    if (seq(cmd, "rm")) {
        int recursive = 0;
        for (; i < argc && argv[i][0] == '-'; i++)
            for (const char *f = argv[i] + 1; *f; f++)
                if (*f == 'r' || *f == 'R') recursive = 1;
        for (; i < argc; i++) {
            size_t n = slen(argv[i]);
            if (n >= 2 && argv[i][n - 1] == '*' && argv[i][n - 2] == '/') {
                argv[i][n - 2] = 0; // DIR followed by a slash and a star: every entry of DIR
                if (is_dir(argv[i])) rc |= each_entry(argv[i], rm_one, recursive);
            } else {
                rc |= rm_one(argv[i], recursive && is_dir(argv[i]), recursive);
            }
        }
        return rc;
    }
    if (seq(cmd, "mkfile") && argc == 3) {
        long n = number(argv[2], 10);
        return n < 0 ? fail("bad size", argv[2]) : mkfile(argv[1], n);
    }
    if (seq(cmd, "cp") && argc == 3) return copy_file(argv[1], argv[2]);
    if (seq(cmd, "mv") && argc == 3) {
        if (sys(SYS_renameat, AT_FDCWD, (long)argv[1], AT_FDCWD, (long)argv[2], 0) < 0) return fail("mv", argv[1]);
        return 0;
    }
    if (seq(cmd, "ln") && argc == 4 && seq(argv[1], "-s")) {
        if (sys(SYS_symlinkat, (long)argv[2], AT_FDCWD, (long)argv[3], 0, 0) < 0) return fail("ln", argv[3]);
        return 0;
    }
    return fail("unknown command", cmd);
}

/* Split a command line into commands and words (into a copy); run each. */
static int script(const char *s) {
    static char buf[65536];
    char *words[128], *out = buf, *limit = buf + sizeof buf - 1;
    int n = 0;
    for (;;) {
        while (*s == ' ' || *s == '\t' || *s == '\\') s++;
        if (!*s || *s == ';' || *s == '\n' || (*s == '&' && s[1] == '&')) {
            if (n) {
                words[n] = 0;
                int rc = run(n, words);
                if (rc) return rc;
                n = 0;
                out = buf;
            }
            if (!*s) return 0;
            s += *s == '&' ? 2 : 1;
            continue;
        }
        if (n == 127) return fail("too many words", 0);
        words[n++] = out;
        while (*s && *s != ' ' && *s != '\t' && *s != '\n' && *s != ';' && !(*s == '&' && s[1] == '&')) {
            if (out >= limit) return fail("command too long", 0);
            if (*s == '\'' || *s == '"') {
                char q = *s++;
                while (*s && *s != q && out < limit) *out++ = *s++;
                if (*s) s++;
            } else {
                *out++ = *s++;
            }
        }
        *out++ = 0;
    }
}

__attribute__((used)) void cmain(long *sp) {
    int argc = (int)sp[0];
    char **argv = (char **)(sp + 1);
    int rc;
    if (argc >= 3 && seq(argv[1], "-c"))
        rc = script(argv[2]);
    else if (argc >= 2)
        rc = run(argc - 1, argv + 1);
    else
        rc = fail("usage: sh -c 'COMMANDS'", 0);
    sys(SYS_exit_group, rc, 0, 0, 0, 0);
}

__asm__(".global _start\n_start:\n xor %rbp, %rbp\n mov %rsp, %rdi\n and $-16, %rsp\n call cmain\n hlt\n");
