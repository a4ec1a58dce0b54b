/*
 * tests/ops/op_tests.c - genrt_op_tests: the op conformance suite for one device.
 *
 *   genrt_op_tests --device CPU [--family NAME] [--filter SUBSTRING] [--list] [--seed N]
 *                  [--skip-unsupported]
 *
 * Runs every registered case (or those of one family / whose name contains SUBSTRING), prints
 * one line per case and "N passed, M failed[, K skipped]". Exit status: 0 all passed, 1 a case
 * failed or the op table misses an op of the opset, 2 bad usage, 77 device not available.
 * Single-threaded.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash_name(const char *s, uint64_t seed)
{
    uint64_t h = 1469598103934665603ull ^ seed;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void usage(void)
{
    fprintf(stderr, "usage: genrt_op_tests --device NAME [--family NAME] [--filter SUBSTRING] "
                    "[--list] [--seed N] [--skip-unsupported]\n");
}

/* Every op from MatMul to ArgMax, plus ReadValue/Assign, needs at least one case. */
static int check_coverage(const ot_registry *r)
{
    int ok = 1;
    for (int op = GRT_OP_READ_VALUE; op <= GRT_OP_ARGMAX; op++) {
        int found = 0;
        for (size_t i = 0; i < r->n && !found; i++)
            found = (int)r->cases[i].op == op;
        if (!found) {
            printf("coverage: no case for op type %d\n", op);
            ok = 0;
        }
    }
    return ok;
}

int main(int argc, char **argv)
{
    const char *device = NULL, *family = NULL, *filter = NULL;
    int list = 0, skip_unsupported = 0, rc = 1;
    uint64_t seed = 0;
    grt_core *core = NULL;
    ot_registry reg = {0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--device") && i + 1 < argc)
            device = argv[++i];
        else if (!strcmp(argv[i], "--family") && i + 1 < argc)
            family = argv[++i];
        else if (!strcmp(argv[i], "--filter") && i + 1 < argc)
            filter = argv[++i];
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--list"))
            list = 1;
        else if (!strcmp(argv[i], "--skip-unsupported"))
            skip_unsupported = 1;
        else {
            usage();
            return 2;
        }
    }
    if (!device && !list) {
        usage();
        return 2;
    }
    ot_register_matmul(&reg);
    ot_register_eltwise(&reg);
    ot_register_activation(&reg);
    ot_register_convert(&reg);
    ot_register_movement(&reg);
    ot_register_norm(&reg);
    ot_register_rope(&reg);
    ot_register_sdpa(&reg);
    ot_register_moe(&reg);
    ot_register_reduce(&reg);
    ot_register_state(&reg);
    ot_register_negative(&reg);
    if (reg.oom) {
        printf("out of memory building the case table\n");
        goto done;
    }
    if (!check_coverage(&reg))
        goto done;
    size_t selected = 0;
    for (size_t i = 0; i < reg.n; i++) {
        const ot_case *k = &reg.cases[i];
        if ((family && strcmp(family, k->family) != 0) || (filter && !strstr(k->name, filter)))
            continue;
        selected++;
        if (list)
            printf("%-10s %s\n", k->family, k->name);
    }
    if (selected == 0) {
        printf("no case matches family '%s' filter '%s'\n", family ? family : "*",
               filter ? filter : "*");
        goto done;
    }
    if (list) {
        rc = 0;
        goto done;
    }
    grt_status st = grt_core_create(NULL, &core);
    if (st != GRT_OK) {
        printf("grt_core_create: %s: %s\n", grt_status_str(st), grt_last_error());
        goto done;
    }
    const char *const *names = NULL;
    size_t n_names = 0;
    int have = 0;
    if (grt_core_available_devices(core, &names, &n_names) == GRT_OK)
        for (size_t i = 0; i < n_names; i++)
            have |= !strcmp(names[i], device) ||
                    (!strncmp(names[i], device, strlen(device)) && names[i][strlen(device)] == '.');
    if (!have) {
        printf("SKIP: device '%s' is not available here\n", device);
        rc = 77;
        goto done;
    }
    size_t passed = 0, failed = 0, skipped = 0;
    for (size_t i = 0; i < reg.n; i++) {
        const ot_case *k = &reg.cases[i];
        if ((family && strcmp(family, k->family) != 0) || (filter && !strstr(k->name, filter)))
            continue;
        ot_ctx c;
        ot_ctx_init(&c, core, device, hash_name(k->name, seed));
        c.skip_unsupported = skip_unsupported;
        k->fn(&c, k->arg);
        if (c.result == OT_PASS && c.runs == 0 && c.n_out > 0 && !c.rq)
            ot_fail(&c, "case ran nothing (a bug in the test)");
        ot_ctx_finish(&c);
        if (c.result == OT_PASS) {
            passed++;
            printf("  OK    %s  (nmse %.2g, err %.2g)\n", k->name, c.worst_nmse, c.worst_err);
        } else if (c.result == OT_SKIP) {
            skipped++;
            printf("  SKIP  %s: %s\n", k->name, c.msg);
        } else {
            failed++;
            printf("  FAIL  %s: %s\n", k->name, c.msg);
        }
        fflush(stdout);
    }
    printf("%s: %zu passed, %zu failed", device, passed, failed);
    if (skipped)
        printf(", %zu skipped", skipped);
    printf("\n");
    rc = failed ? 1 : (passed == 0 && skipped > 0) ? 77 : 0;
done:
    grt_core_destroy(core);
    free(reg.cases);
    return rc;
}
