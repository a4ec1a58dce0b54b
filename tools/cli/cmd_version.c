/*
 * tools/cli/cmd_version.c - `genrt version` / `genrt --version`: library version, plugin ABI
 * version and build string of the libgenrt actually loaded. Single-threaded.
 */
#include "cli.h"

static int run_version(int argc, char **argv) {
    if (argc > 1) return grt_cli_usage_error(&grt_cli_cmd_version, "unexpected argument", argv[1]);
    const grt_version *v = grt_get_version();
    printf("genrt %s\n", v->string ? v->string : "?");
    printf("library:    %u.%u.%u\n", (unsigned)v->major, (unsigned)v->minor, (unsigned)v->patch);
    printf("plugin ABI: %u.%u\n", (unsigned)v->abi_major, (unsigned)v->abi_minor);
    printf("build:      %s\n", v->build ? v->build : "?");
    return GRT_CLI_EXIT_OK;
}

const grt_cli_command grt_cli_cmd_version = {
    "version",
    "print the library version, plugin ABI version and build",
    "usage: genrt version\n"
    "       genrt --version\n\n"
    "Prints the version of the loaded libgenrt, the plugin ABI version it implements\n"
    "(plugins must have the same major) and how it was built.\n",
    run_version,
};
