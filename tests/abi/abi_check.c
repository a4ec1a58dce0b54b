/*
 * tests/abi/abi_check.c - genrt_abi_check: the plugin ABI conformance suite (driver).
 *
 *     genrt_abi_check PLUGIN.so [--device N] [--no-fork] [--verbose]
 *
 * Loads a device plugin with dlopen, checks grt_plugin_probe in this process, then runs each group
 * of init-dependent checks in a child process (one init per process, as a real host does; a crash
 * becomes a reported failure instead of ending the run): init with a wrong host ABI major, init
 * with a future host minor, and the main suite (slot table, properties, graphs; see
 * abi_check_api.c and abi_check_graphs.c). Every check prints "ok   <what>" or "FAIL: <what>";
 * the run ends with "N tests and M errors".
 * Exit status: 0 all passed, 1 some check failed, 77 the plugin's probe score is 0 (it says it
 * cannot run on this machine: only the probe was checked), 2 bad command line.
 *
 * Uses only abi/genrt/ headers (standalone: third parties run it on their own plugin).
 * Threading: single-threaded driver; the plugin may start threads of its own.
 */
#include "abi_check.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* --- counters and printing --------------------------------------------------------------- */

static int g_tests, g_errors;

static void vprint(const char *tag, const char *fmt, va_list ap) {
    fputs(tag, stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    fflush(stdout);
}

void abi_ok(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    g_tests++;
    vprint("ok   ", fmt, ap);
    va_end(ap);
}

void abi_fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    g_tests++;
    g_errors++;
    vprint("FAIL: ", fmt, ap);
    va_end(ap);
}

void abi_note(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vprint("     ", fmt, ap);
    va_end(ap);
}

int abi_expect(int cond, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    g_tests++;
    if (cond) {
        vprint("ok   ", fmt, ap);
    } else {
        g_errors++;
        fputs("FAIL: ", stdout);
        vprintf(fmt, ap);
        if (mock_error_message()[0])
            printf(" (last set_error: \"%s\")", mock_error_message());
        fputc('\n', stdout);
        fflush(stdout);
    }
    va_end(ap);
    return cond;
}

void abi_counts(int *tests, int *errors) {
    *tests = g_tests;
    *errors = g_errors;
}

const char *abi_status_name(grt_status st) {
    static const char *const names[] = {
        "GRT_OK", "GRT_ERROR_INVALID_ARGUMENT", "GRT_ERROR_OUT_OF_MEMORY", "GRT_ERROR_NOT_FOUND",
        "GRT_ERROR_NOT_SUPPORTED", "GRT_ERROR_IO", "GRT_ERROR_FORMAT", "GRT_ERROR_SHAPE",
        "GRT_ERROR_DEVICE", "GRT_ERROR_ABI", "GRT_ERROR_INTERNAL", "GRT_ERROR_BUSY",
        "GRT_ERROR_CANCELLED", "GRT_ERROR_TIMEOUT"};
    if ((unsigned)st < sizeof names / sizeof names[0])
        return names[st];
    return "(unknown status)";
}

/* --- probe ------------------------------------------------------------------------------- */

#define CANARY 0xA5

static int bytes_are(const unsigned char *p, size_t n, unsigned char v) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return 0;
    return 1;
}

static int valid_device_type_name(const char *s) {
    size_t n;
    if (!s || !isupper((unsigned char)s[0]))
        return 0;
    n = strlen(s);
    if (n > 31)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isupper((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '_')
            return 0;
    return 1;
}

/* Checks grt_plugin_probe; returns its score (or -1) and the device type name in *name. */
static int32_t check_probe(abi_plugin *p, const char **name, uint32_t *major) {
    grt_plugin_probe_info info;
    unsigned char buf[sizeof(grt_plugin_probe_info) + 32];
    const size_t small_sizes[] = {sizeof(uint32_t), offsetof(grt_plugin_probe_info, name)};
    int32_t score, score2;

    memset(&info, 0, sizeof info);
    info.struct_size = (uint32_t)sizeof info;
    score = p->probe(&info);
    *name = info.name;
    *major = info.abi_major;
    abi_expect(score >= 0, "probe: score %d is >= 0", (int)score);
    abi_expect(info.struct_size == sizeof info, "probe: struct_size left as set by the caller");
    abi_expect(info.abi_major == GRT_ABI_MAJOR,
               "probe: abi_major %u matches the checker's ABI major %d", info.abi_major,
               GRT_ABI_MAJOR);
    abi_note("probe: plugin ABI %u.%u, score %d, %u device(s)", info.abi_major, info.abi_minor,
             (int)score, info.device_count);
    abi_expect(valid_device_type_name(info.name),
               "probe: device type name \"%s\" is 1-31 of [A-Z0-9_] starting with a letter",
               info.name ? info.name : "(null)");
    abi_expect(info.version && info.version[0], "probe: version string \"%s\" is set",
               info.version ? info.version : "(null)");

    /* An older caller: the plugin writes only what fits in struct_size. */
    for (size_t k = 0; k < sizeof small_sizes / sizeof small_sizes[0]; k++) {
        memset(buf, CANARY, sizeof buf);
        memcpy(buf, &(uint32_t){(uint32_t)small_sizes[k]}, sizeof(uint32_t));
        score2 = p->probe((grt_plugin_probe_info *)(void *)buf);
        abi_expect(bytes_are(buf + small_sizes[k], sizeof buf - small_sizes[k], CANARY),
                   "probe: with struct_size %zu nothing past byte %zu is written",
                   small_sizes[k], small_sizes[k]);
        abi_expect(score2 == score, "probe: same score with struct_size %zu", small_sizes[k]);
    }
    /* A newer caller: bytes past the plugin's struct are left alone. */
    memset(buf, CANARY, sizeof buf);
    memcpy(buf, &(uint32_t){(uint32_t)sizeof buf}, sizeof(uint32_t));
    score2 = p->probe((grt_plugin_probe_info *)(void *)buf);
    abi_expect(bytes_are(buf + sizeof info, sizeof buf - sizeof info, CANARY),
               "probe: with a larger struct_size (%zu) bytes past the v1 struct are untouched",
               sizeof buf);
    abi_expect(score2 == score, "probe: deterministic score with a larger struct_size");
    return score;
}

/* --- init negotiation (each in its own process) ------------------------------------------ */

static void group_wrong_major(abi_plugin *p) {
    const uint32_t majors[] = {GRT_ABI_MAJOR + 1, 0};
    for (size_t i = 0; i < sizeof majors / sizeof majors[0]; i++) {
        const grt_plugin_api *api = NULL;
        grt_status st;
        mock_error_reset();
        st = p->init(majors[i], 0, mock_host_api(majors[i], 0), &api);
        if (!abi_expect(st == GRT_ERROR_ABI, "init with host ABI major %u returns GRT_ERROR_ABI "
                        "(got %s)", majors[i], abi_status_name(st))) {
            if (st == GRT_OK && api && ABI_SLOT(api, shutdown))
                api->shutdown();
            return;
        }
    }
}

static void group_future_minor(abi_plugin *p) {
    const grt_plugin_api *api = NULL;
    uint32_t count = 0;
    grt_status st;

    mock_error_reset();
    st = p->init(GRT_ABI_MAJOR, 99, mock_host_api(GRT_ABI_MAJOR, 99), &api);
    if (!abi_expect(st == GRT_OK && api, "init with a future host minor (%d.99) succeeds (%s)",
                    GRT_ABI_MAJOR, abi_status_name(st)))
        return;
    abi_expect(api->abi_major == GRT_ABI_MAJOR, "future minor: table abi_major is %d (got %u)",
               GRT_ABI_MAJOR, api->abi_major);
    if (api->struct_size >= offsetof(grt_plugin_api, device_count) + sizeof(void *) &&
        api->device_count) {
        st = api->device_count(&count);
        abi_expect(st == GRT_OK, "future minor: device_count works (%s, %u)",
                   abi_status_name(st), count);
    }
    abi_expect(mock_trap_count() == 0,
               "future minor: no host slot past the negotiated minor was called (%d calls)",
               mock_trap_count());
    if (ABI_SLOT(api, shutdown))
        api->shutdown();
}

static void group_main(abi_plugin *p, const char *probe_name) {
    const grt_plugin_api *api = NULL;
    grt_status st;

    mock_error_reset();
    st = p->init(GRT_ABI_MAJOR, GRT_ABI_MINOR, mock_host_api(GRT_ABI_MAJOR, GRT_ABI_MINOR), &api);
    if (!abi_expect(st == GRT_OK && api, "init with host ABI %d.%d succeeds (%s)", GRT_ABI_MAJOR,
                    GRT_ABI_MINOR, abi_status_name(st)))
        return;
    p->api = api;
    if (abi_check_api(p, probe_name) == 0)
        abi_check_graphs(p);
    abi_expect(mock_trap_count() == 0, "no host slot past the negotiated minor was called");
    if (ABI_SLOT(api, shutdown)) {
        api->shutdown();
        abi_ok("shutdown returned (called last)");
    } else {
        abi_ok("optional slot shutdown: not supported");
    }
    p->api = NULL;
}

/* --- process groups ---------------------------------------------------------------------- */

typedef enum group_id { GROUP_WRONG_MAJOR, GROUP_FUTURE_MINOR, GROUP_MAIN } group_id;

static void run_inline(abi_plugin *p, group_id id, const char *probe_name) {
    switch (id) {
    case GROUP_WRONG_MAJOR: group_wrong_major(p); break;
    case GROUP_FUTURE_MINOR: group_future_minor(p); break;
    case GROUP_MAIN: group_main(p, probe_name); break;
    }
}

/* Runs a group in a child; merges its counts. A crash or non-zero exit is one failure. */
static void run_group(abi_plugin *p, group_id id, const char *title, const char *probe_name,
                      int use_fork) {
    int fds[2], status = 0, counts[2] = {0, 0};
    ssize_t got = 0;
    pid_t pid;

    printf("---- %s\n", title);
    fflush(stdout);
    if (!use_fork) {
        run_inline(p, id, probe_name);
        return;
    }
    if (pipe(fds) != 0) {
        abi_fail("%s: pipe: %s", title, strerror(errno));
        return;
    }
    pid = fork();
    if (pid < 0) {
        abi_fail("%s: fork: %s", title, strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        g_tests = g_errors = 0;
        run_inline(p, id, probe_name);
        abi_counts(&counts[0], &counts[1]);
        if (write(fds[1], counts, sizeof counts) != (ssize_t)sizeof counts)
            _exit(3);
        close(fds[1]);
        fflush(stdout);
        exit(0); /* exit(), not _exit(): leak checkers run in the child too */
    }
    close(fds[1]);
    while ((got = read(fds[0], counts, sizeof counts)) < 0 && errno == EINTR)
        ;
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (got == (ssize_t)sizeof counts) {
        g_tests += counts[0];
        g_errors += counts[1];
    }
    if (WIFSIGNALED(status))
        abi_fail("%s: the process crashed with signal %d (%s)", title, WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else if (WEXITSTATUS(status) != 0)
        abi_fail("%s: the process exited with status %d (sanitizer report above?)", title,
                 WEXITSTATUS(status));
    else if (got != (ssize_t)sizeof counts)
        abi_fail("%s: no result from the child process", title);
}

/* --- main -------------------------------------------------------------------------------- */

static int usage(void) {
    fprintf(stderr, "usage: genrt_abi_check PLUGIN.so [--device N] [--no-fork] [--verbose]\n");
    return 2;
}

static int finish(abi_plugin *p, int skip) {
    if (p->dl)
        dlclose(p->dl);
    printf("%d tests and %d errors\n", g_tests, g_errors);
    fflush(stdout);
    if (g_errors)
        return 1;
    return skip ? 77 : 0;
}

int main(int argc, char **argv) {
    abi_plugin p;
    const char *path = NULL, *probe_name = NULL;
    int use_fork = 1;
    int32_t score;
    uint32_t major = 0;

    memset(&p, 0, sizeof p);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--device") == 0 && i + 1 < argc) {
            char *end = NULL;
            unsigned long v = strtoul(argv[++i], &end, 10);
            if (!end || *end || v > UINT32_MAX)
                return usage();
            p.device = (uint32_t)v;
        } else if (strcmp(argv[i], "--no-fork") == 0) {
            use_fork = 0;
        } else if (strcmp(argv[i], "--verbose") == 0) {
            p.verbose = 1;
        } else if (argv[i][0] == '-' || path) {
            return usage();
        } else {
            path = argv[i];
        }
    }
    if (!path)
        return usage();
    printf("genrt_abi_check: %s (device %u), checker ABI %d.%d\n", path, p.device, GRT_ABI_MAJOR,
           GRT_ABI_MINOR);

    p.dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!abi_expect(p.dl != NULL, "dlopen %s%s%s", path, p.dl ? "" : ": ",
                    p.dl ? "" : dlerror()))
        return finish(&p, 0);
    *(void **)&p.probe = dlsym(p.dl, GRT_PLUGIN_PROBE_SYMBOL);
    *(void **)&p.init = dlsym(p.dl, GRT_PLUGIN_INIT_SYMBOL);
    abi_expect(p.probe != NULL, "exports symbol %s", GRT_PLUGIN_PROBE_SYMBOL);
    abi_expect(p.init != NULL, "exports symbol %s", GRT_PLUGIN_INIT_SYMBOL);
    if (!p.probe || !p.init)
        return finish(&p, 0);

    printf("---- probe\n");
    score = check_probe(&p, &probe_name, &major);
    if (score == 0) {
        abi_note("probe score 0: the plugin says it cannot run on this machine; init and device "
                 "checks skipped");
        return finish(&p, 1);
    }
    if (major != GRT_ABI_MAJOR) {
        abi_note("the plugin implements ABI major %u: a host of major %d must not load it; "
                 "init checks skipped", major, GRT_ABI_MAJOR);
        return finish(&p, 0);
    }

    run_group(&p, GROUP_WRONG_MAJOR, "init: wrong host ABI major", probe_name, use_fork);
    run_group(&p, GROUP_FUTURE_MINOR, "init: future host ABI minor", probe_name, use_fork);
    run_group(&p, GROUP_MAIN, "main suite", probe_name, use_fork);
    return finish(&p, 0);
}
