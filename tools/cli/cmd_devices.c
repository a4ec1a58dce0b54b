/*
 * tools/cli/cmd_devices.c - `genrt devices`: every available device with each supported property
 * and its value (RO/RW), then the plugins the core skipped and why (like OpenVINO's
 * hello_query_device). Single-threaded; frees everything it gets.
 */
#include "cli.h"

#include <string.h>

static void print_device(grt_core *core, const char *device) {
    const grt_property_info *infos = NULL;
    size_t n = 0;
    printf("%s\n", device);
    grt_status st = grt_core_supported_properties(core, device, &infos, &n);
    if (st != GRT_OK) {
        /* Keep going with the other devices; say what failed where the properties would be. */
        printf("\t(cannot list properties: %s: %s)\n", grt_status_str(st), grt_last_error());
        return;
    }
    printf("\tSUPPORTED_PROPERTIES:\n");
    for (size_t i = 0; i < n; i++) {
        const char *name = infos[i].name ? infos[i].name : "?";
        grt_value v = {0};
        printf("\t\t%-34s : %s : ", name, infos[i].is_mutable ? "RW" : "RO");
        st = grt_core_get_property(core, device, name, &v);
        if (st == GRT_OK) {
            grt_cli_print_value(stdout, &v);
            grt_value_clear(&v);
        } else {
            printf("(error: %s: %s)", grt_status_str(st), grt_last_error());
        }
        putchar('\n');
    }
}

static int run_devices(int argc, char **argv) {
    const char *config = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) {
            if (i + 1 >= argc) return grt_cli_usage_error(&grt_cli_cmd_devices, "missing value for", argv[i]);
            config = argv[++i];
        } else {
            return grt_cli_usage_error(&grt_cli_cmd_devices, "unknown option", argv[i]);
        }
    }
    grt_core *core = NULL;
    grt_status st = grt_core_create(config, &core);
    if (st != GRT_OK) return grt_cli_fail("devices", st);

    int rc = GRT_CLI_EXIT_FAIL;
    const char *const *names = NULL, *const *skipped = NULL;
    size_t n_names = 0, n_skipped = 0;
    st = grt_core_available_devices(core, &names, &n_names);
    if (st != GRT_OK) {
        rc = grt_cli_fail("devices", st);
        goto fail;
    }
    printf("Available devices:\n");
    if (n_names == 0) printf("\t(none)\n");
    for (size_t i = 0; i < n_names; i++) print_device(core, names[i]);

    st = grt_core_skipped_plugins(core, &skipped, &n_skipped);
    if (st != GRT_OK) {
        rc = grt_cli_fail("devices", st);
        goto fail;
    }
    printf("\nSkipped plugins:\n");
    if (n_skipped == 0) printf("\t(none)\n");
    for (size_t i = 0; i < n_skipped; i++) printf("\t%s\n", skipped[i]);
    rc = GRT_CLI_EXIT_OK;
fail:
    grt_core_destroy(core);
    return rc;
}

const grt_cli_command grt_cli_cmd_devices = {
    "devices",
    "list devices, their properties (RO/RW) and skipped plugins",
    "usage: genrt devices [-c CONFIG.json]\n\n"
    "Lists every available device with each supported property and its value (RO = read-only,\n"
    "RW = settable), then the plugins that were found but skipped, with the reason.\n\n"
    "options:\n"
    "  -c, --config FILE  per-device properties, e.g. {\"CPU\": {\"INFERENCE_NUM_THREADS\": 2}}\n\n"
    "Plugins are looked up beside libgenrt (<libdir>/genrt/plugins) and in GENRT_PLUGIN_PATH.\n",
    run_devices,
};
