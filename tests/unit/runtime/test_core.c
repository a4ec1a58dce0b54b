/* tests/unit/runtime/test_core.c - plugin discovery (GENRT_PLUGIN_PATH splitting, directory
 * scanning, dedup), and a core without usable plugins: skipped-plugin reasons, empty device
 * list, NOT_FOUND naming the device, config file errors naming the file and key. */
#include <cjson/cJSON.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <genrt/genrt.h>

#include "runtime/plugin_registry.h"
#include "test_util.h"

static char g_dir[256];

static void write_file(const char *name, const char *text) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
}

static void test_split(void) {
    grt_strlist l = {0};
    CHECK_ERR(grt_plugin_path_split("/a:/b/c.so::/d:", &l), GRT_OK, NULL);
    CHECK(l.count == 3);
    if (l.count == 3)
        CHECK(!strcmp(l.items[0], "/a") && !strcmp(l.items[1], "/b/c.so") &&
              !strcmp(l.items[2], "/d"));
    grt_strlist_free(&l);
    CHECK_ERR(grt_plugin_path_split(NULL, &l), GRT_OK, NULL);
    CHECK(l.count == 0);
    CHECK_ERR(grt_plugin_path_split("", &l), GRT_OK, NULL);
    CHECK(l.count == 0);
    CHECK_ERR(grt_plugin_path_split(":::", &l), GRT_OK, NULL);
    CHECK(l.count == 0);
    CHECK_ERR(grt_plugin_path_split("single", &l), GRT_OK, NULL);
    CHECK(l.count == 1 && !strcmp(l.items[0], "single"));
    grt_strlist_free(&l);
}

static void test_candidates(void) {
    char sub[300], env[1024], real_dir[4096];
    write_file("libgenrt_b.so", "x");
    write_file("libgenrt_a.so", "x");
    write_file("other.so", "x");
    write_file("libgenrt_c.txt", "x");
    snprintf(sub, sizeof sub, "%s/libgenrt_dir.so", g_dir);
    mkdir(sub, 0700);
    if (!realpath(g_dir, real_dir)) snprintf(real_dir, sizeof real_dir, "%s", g_dir);

    grt_strlist paths = {0}, skipped = {0};
    CHECK_ERR(grt_plugin_candidates(g_dir, NULL, &paths, &skipped), GRT_OK, NULL);
    CHECK(paths.count == 2 && skipped.count == 0);
    char want[4200];
    snprintf(want, sizeof want, "%s/libgenrt_a.so", real_dir);
    CHECK(paths.count == 2 && !strcmp(paths.items[0], want));
    snprintf(want, sizeof want, "%s/libgenrt_b.so", real_dir);
    CHECK(paths.count == 2 && !strcmp(paths.items[1], want));
    grt_strlist_free(&paths);

    /* GENRT_PLUGIN_PATH: a directory gives every *.so (sorted), a file itself; duplicates of
     * the builtin directory are dropped; missing entries are reported. */
    snprintf(env, sizeof env, "/nonexistent/genrt:%s::%s/libgenrt_b.so", g_dir, g_dir);
    CHECK_ERR(grt_plugin_candidates(g_dir, env, &paths, &skipped), GRT_OK, NULL);
    CHECK(paths.count == 3);
    snprintf(want, sizeof want, "%s/other.so", real_dir);
    CHECK(paths.count == 3 && !strcmp(paths.items[2], want));
    CHECK(skipped.count == 1 && strstr(skipped.items[0], "/nonexistent/genrt: "));
    grt_strlist_free(&paths);
    grt_strlist_free(&skipped);

    /* no builtin dir, missing builtin dir */
    CHECK_ERR(grt_plugin_candidates("/nonexistent/dir", NULL, &paths, &skipped), GRT_OK, NULL);
    CHECK(paths.count == 0 && skipped.count == 0);
    rmdir(sub);
    char p[512];
    const char *names[] = {"libgenrt_b.so", "libgenrt_a.so", "other.so", "libgenrt_c.txt"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", g_dir, names[i]);
        unlink(p);
    }
}

static int has_reason(grt_core *core, const char *a, const char *b) {
    const char *const *r = NULL;
    size_t n = 0;
    if (grt_core_skipped_plugins(core, &r, &n) != GRT_OK) return 0;
    for (size_t i = 0; i < n; i++) {
        if (strstr(r[i], a) && strstr(r[i], b)) return 1;
    }
    return 0;
}

static void test_no_plugins(void) {
    char env[2048], bogus[512];
    /* A file that is not a shared object, a real shared object that is not a plugin, and a
     * missing entry: all skipped with a reason, no crash. */
    write_file("libgenrt_bogus.so", "not an ELF file\n");
    snprintf(bogus, sizeof bogus, "%s/libgenrt_bogus.so", g_dir);
    Dl_info info;
    memset(&info, 0, sizeof info);
    const char *lib = NULL;
    if (dladdr((void *)(uintptr_t)&cJSON_Parse, &info) && info.dli_fname && strstr(info.dli_fname, ".so"))
        lib = info.dli_fname;
    snprintf(env, sizeof env, "%s:/nonexistent/plugins%s%s", bogus, lib ? ":" : "", lib ? lib : "");
    setenv("GENRT_PLUGIN_PATH", env, 1);

    grt_core *core = NULL;
    CHECK_ERR(grt_core_create(NULL, &core), GRT_OK, NULL);
    if (!core) return;
    const char *const *names = NULL;
    size_t n = 99;
    CHECK_ERR(grt_core_available_devices(core, &names, &n), GRT_OK, NULL);
    CHECK(n == 0);
    CHECK(has_reason(core, "libgenrt_bogus.so: ", "dlopen failed"));
    CHECK(has_reason(core, "/nonexistent/plugins: ", "not found"));
    if (lib) CHECK(has_reason(core, "libcjson", "missing symbol grt_plugin_probe"));

    grt_model *m = NULL;
    grt_compiled_model *cm = NULL;
    CHECK_ERR(grt_model_create("m", &m), GRT_OK, NULL);
    CHECK_ERR(grt_core_compile_model(core, m, "CPU", NULL, 0, &cm), GRT_ERROR_NOT_FOUND,
              "device 'CPU'");
    CHECK(cm == NULL);
    CHECK_ERR(grt_core_compile_model(core, m, "AUTO:GPU,CPU", NULL, 0, &cm), GRT_ERROR_NOT_FOUND,
              "device 'AUTO:GPU,CPU': no AUTO plugin loaded");
    CHECK_ERR(grt_core_compile_model(core, m, "GPU.x", NULL, 0, &cm), GRT_ERROR_INVALID_ARGUMENT,
              "GPU.x");
    CHECK_ERR(grt_core_compile_model(core, m, "", NULL, 0, &cm), GRT_ERROR_INVALID_ARGUMENT,
              "empty");
    grt_value v;
    CHECK_ERR(grt_core_get_property(core, "CPU", "FULL_DEVICE_NAME", &v), GRT_ERROR_NOT_FOUND,
              "device 'CPU'");
    CHECK_ERR(grt_core_set_property_str(core, "GPU.1", "X", "1"), GRT_ERROR_NOT_FOUND, "GPU.1");
    uint8_t sup[4];
    CHECK_ERR(grt_core_query_model(core, m, "CPU", sup), GRT_ERROR_NOT_FOUND, "CPU");
    const grt_property_info *infos = NULL;
    CHECK_ERR(grt_core_supported_properties(core, "CPU", &infos, &n), GRT_ERROR_NOT_FOUND, "CPU");
    CHECK_ERR(grt_core_available_devices(NULL, &names, &n), GRT_ERROR_INVALID_ARGUMENT, NULL);
    grt_model_destroy(m);
    grt_core_destroy(core);
    grt_core_destroy(NULL);
    unlink(bogus);
}

static void test_config_errors(void) {
    char path[512];
    grt_core *core = NULL;
    setenv("GENRT_PLUGIN_PATH", "", 1);

    snprintf(path, sizeof path, "%s/missing.json", g_dir);
    CHECK_ERR(grt_core_create(path, &core), GRT_ERROR_NOT_FOUND, "missing.json");
    CHECK(core == NULL);

    /* Bad configuration files: each fails with `status`, the message naming both needles. */
    static const struct {
        const char *name, *json;
        grt_status status;
        const char *needle[2];
    } bad[] = {
        {"bad.json", "{ \"CPU\": { \"INFERENCE_NUM_THREADS\": 2, } ", GRT_ERROR_FORMAT,
         {"bad.json", "invalid JSON"}},
        {"array.json", "[1, 2]", GRT_ERROR_FORMAT, {"array.json", NULL}},
        {"devval.json", "{\"CPU\": 4}", GRT_ERROR_FORMAT, {"device 'CPU'", NULL}},
        {"nodev.json", "{\"CPU\": {\"INFERENCE_NUM_THREADS\": 2}}", GRT_ERROR_NOT_FOUND,
         {"nodev.json", "device 'CPU'"}},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file(bad[i].name, bad[i].json);
        snprintf(path, sizeof path, "%s/%s", g_dir, bad[i].name);
        for (int k = 0; k < 2; k++)
            if (bad[i].needle[k])
                CHECK_ERR(grt_core_create(path, &core), bad[i].status, bad[i].needle[k]);
        unlink(path);
    }

    write_file("empty.json", "{}");
    snprintf(path, sizeof path, "%s/empty.json", g_dir);
    CHECK_ERR(grt_core_create(path, &core), GRT_OK, NULL);
    CHECK(core != NULL);
    grt_core_destroy(core);
    unlink(path);
}

int main(void) {
    snprintf(g_dir, sizeof g_dir, "/tmp/genrt_rt_test_XXXXXX");
    if (!mkdtemp(g_dir)) {
        fprintf(stderr, "skipped: cannot create a temporary directory\n");
        return 77;
    }
    test_split();
    test_candidates();
    test_no_plugins();
    test_config_errors();
    rmdir(g_dir);
    return test_summary("runtime_core");
}
