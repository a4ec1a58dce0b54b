/*
 * runtime/discovery.c - where plugins are looked for: the directory beside the core library
 * (<libdir>/GENRT_PLUGIN_SUBDIR, files libgenrt_*.so) and then GENRT_PLUGIN_PATH (a ':'-separated
 * list of directories, whose *.so files are all tried in name order, or of .so files).
 *
 * Ownership: results are appended to caller-owned string lists. Threading: reentrant (reads the
 * file system only; the caller reads the environment).
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime/plugin_registry.h"
#include "util/error.h"

#ifndef GENRT_PLUGIN_SUBDIR
#define GENRT_PLUGIN_SUBDIR "genrt/plugins"
#endif

grt_status grt_plugin_path_split(const char *value, grt_strlist *out) {
    if (!value) return GRT_OK;
    const char *start = value;
    for (;;) {
        const char *end = strchr(start, ':');
        size_t n = end ? (size_t)(end - start) : strlen(start);
        if (n > 0) {
            grt_status st = grt_strlist_pushf(out, "%.*s", (int)n, start);
            if (st != GRT_OK) return st;
        }
        if (!end) break;
        start = end + 1;
    }
    return GRT_OK;
}

static int has_suffix(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

/* Appends the real path of `path` to paths unless already there. */
static grt_status add_candidate(const char *path, grt_strlist *paths) {
    char real[PATH_MAX];
    if (!realpath(path, real)) return GRT_OK; /* vanished meanwhile: nothing to load */
    if (grt_strlist_contains(paths, real)) return GRT_OK;
    return grt_strlist_push(paths, real);
}

/* Regular files of dir whose name starts with prefix and ends with ".so", sorted by name. */
static grt_status scan_dir(const char *dir, const char *prefix, grt_strlist *paths) {
    grt_strlist found = {0};
    grt_status st = GRT_OK;
    DIR *d = opendir(dir);
    if (!d) return GRT_OK; /* the caller decides whether a missing directory matters */
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 || !has_suffix(e->d_name, ".so"))
            continue;
        char full[PATH_MAX];
        struct stat sb;
        if (snprintf(full, sizeof full, "%s/%s", dir, e->d_name) >= (int)sizeof full) continue;
        if (stat(full, &sb) != 0 || !S_ISREG(sb.st_mode)) continue;
        st = grt_strlist_push(&found, full);
        if (st != GRT_OK) goto done;
    }
    grt_strlist_sort(&found);
    for (size_t i = 0; i < found.count; i++) {
        st = add_candidate(found.items[i], paths);
        if (st != GRT_OK) goto done;
    }
done:
    closedir(d);
    grt_strlist_free(&found);
    return st;
}

grt_status grt_plugin_candidates(const char *builtin_dir, const char *path_env,
                                 grt_strlist *paths, grt_strlist *skipped) {
    grt_strlist entries = {0};
    grt_status st = GRT_OK;
    if (builtin_dir) {
        st = scan_dir(builtin_dir, "libgenrt_", paths);
        if (st != GRT_OK) goto done;
    }
    st = grt_plugin_path_split(path_env, &entries);
    if (st != GRT_OK) goto done;
    for (size_t i = 0; i < entries.count; i++) {
        const char *entry = entries.items[i];
        struct stat sb;
        if (stat(entry, &sb) != 0) {
            st = grt_strlist_pushf(skipped, "%s: GENRT_PLUGIN_PATH entry not found (%s)", entry,
                                   strerror(errno));
        } else if (S_ISDIR(sb.st_mode)) {
            st = scan_dir(entry, "", paths);
        } else if (S_ISREG(sb.st_mode)) {
            st = add_candidate(entry, paths);
        } else {
            st = grt_strlist_pushf(skipped,
                                   "%s: GENRT_PLUGIN_PATH entry is neither a directory nor a file",
                                   entry);
        }
        if (st != GRT_OK) goto done;
    }
done:
    grt_strlist_free(&entries);
    return st;
}

int grt_plugin_builtin_dir(char *buf, size_t size) {
    Dl_info info;
    memset(&info, 0, sizeof info);
    if (!dladdr((void *)(uintptr_t)&grt_plugin_builtin_dir, &info) || !info.dli_fname ||
        !*info.dli_fname)
        return 0;
    const char *slash = strrchr(info.dli_fname, '/');
    if (!slash) return 0;
    int n = snprintf(buf, size, "%.*s/%s", (int)(slash - info.dli_fname), info.dli_fname,
                     GENRT_PLUGIN_SUBDIR);
    return n > 0 && (size_t)n < size;
}
