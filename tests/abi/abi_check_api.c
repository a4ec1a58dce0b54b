/*
 * tests/abi/abi_check_api.c - genrt_abi_check: checks of the plugin's slot table, devices and
 * properties (everything that needs no graph).
 *
 * Reads the table only through ABI_SLOT (never past api->struct_size), as a host must.
 * Ownership: nothing allocated. Threading: called on the checker's main thread.
 */
#include "abi_check.h"

#include <string.h>

/* Mandatory v1.0 slots: the table must reach at least to the end of the last one. */
#define MANDATORY_END (offsetof(grt_plugin_api, request_infer) + sizeof(void *))

static void check_slots(const grt_plugin_api *api) {
    struct slot {
        const char *name;
        size_t offset;
    };
#define SLOT(f) {#f, offsetof(grt_plugin_api, f)}
    static const struct slot mandatory[] = {
        SLOT(device_count),     SLOT(get_property),    SLOT(compile_model),
        SLOT(compiled_destroy), SLOT(request_create),  SLOT(request_destroy),
        SLOT(request_set_input), SLOT(request_get_output), SLOT(request_infer)};
    static const struct slot optional[] = {
        SLOT(shutdown),      SLOT(check_property),      SLOT(supported_properties),
        SLOT(query_model),   SLOT(compiled_get_property), SLOT(request_start_async),
        SLOT(request_wait),  SLOT(state_count),          SLOT(state_name),
        SLOT(state_get),     SLOT(state_set),            SLOT(state_reset)};
#undef SLOT
    const unsigned char *base = (const unsigned char *)api;

    for (size_t i = 0; i < sizeof mandatory / sizeof mandatory[0]; i++) {
        void *fn = NULL;
        memcpy(&fn, base + mandatory[i].offset, sizeof fn);
        abi_expect(fn != NULL, "mandatory slot %s is set", mandatory[i].name);
    }
    for (size_t i = 0; i < sizeof optional / sizeof optional[0]; i++) {
        void *fn = NULL;
        if (api->struct_size >= optional[i].offset + sizeof fn)
            memcpy(&fn, base + optional[i].offset, sizeof fn);
        if (fn)
            abi_ok("optional slot %s: present", optional[i].name);
        else
            abi_ok("optional slot %s: not supported%s", optional[i].name,
                   api->struct_size < optional[i].offset + sizeof fn ? " (past struct_size)" : "");
    }
    abi_expect(!ABI_SLOT(api, request_start_async) == !ABI_SLOT(api, request_wait),
               "request_start_async and request_wait are both set or both NULL");
    abi_expect(!ABI_SLOT(api, state_count) == !ABI_SLOT(api, state_name),
               "state_count and state_name are both set or both NULL");
}

static int value_well_formed(const grt_value *v) {
    switch (v->type) {
    case GRT_VALUE_BOOL: return v->u.i == 0 || v->u.i == 1;
    case GRT_VALUE_INT:
    case GRT_VALUE_DOUBLE: return 1;
    case GRT_VALUE_STRING: return v->u.s != NULL;
    case GRT_VALUE_STRING_LIST:
        if (v->u.list.count && !v->u.list.items)
            return 0;
        for (size_t i = 0; i < v->u.list.count; i++)
            if (!v->u.list.items[i])
                return 0;
        return 1;
    default: return 0;
    }
}

/* A value of a type other than `type` (strings are never a valid number and vice versa). */
static grt_value wrong_typed(uint32_t type) {
    grt_value v;
    memset(&v, 0, sizeof v);
    if (type == GRT_VALUE_STRING || type == GRT_VALUE_STRING_LIST) {
        v.type = GRT_VALUE_INT;
        v.u.i = 12345;
    } else {
        v.type = GRT_VALUE_STRING;
        v.u.s = "genrt-abi-check: not a number";
    }
    return v;
}

static void check_properties(const grt_plugin_api *api, uint32_t dev) {
    const grt_property_info *infos = NULL, *mut = NULL, *ro = NULL;
    size_t count = 0;
    grt_value v;
    grt_status st;

    if (!ABI_SLOT(api, supported_properties)) {
        abi_ok("supported_properties: not supported (no property list to check)");
    } else {
        mock_error_reset();
        st = api->supported_properties(dev, &infos, &count);
        if (abi_expect(st == GRT_OK && (count == 0 || infos),
                       "supported_properties(device %u) returns a list (%s, %zu entries)", dev,
                       abi_status_name(st), count)) {
            for (size_t i = 0; i < count; i++) {
                const grt_property_info *in = &infos[i];
                int dup = 0;
                if (!abi_expect(in->struct_size >= sizeof *in && in->name && in->name[0] &&
                                    in->value_type >= GRT_VALUE_BOOL &&
                                    in->value_type <= GRT_VALUE_STRING_LIST &&
                                    (in->is_mutable == 0 || in->is_mutable == 1),
                                "property #%zu \"%s\": info well formed (struct_size %u, type %u, "
                                "mutable %d)", i, in->name ? in->name : "(null)",
                                in->struct_size, in->value_type, (int)in->is_mutable))
                    continue;
                for (size_t j = 0; j < i; j++)
                    if (infos[j].name && strcmp(infos[j].name, in->name) == 0)
                        dup = 1;
                abi_expect(!dup, "property \"%s\" listed once", in->name);
                if (strcmp(in->name, GRT_PROP_SUPPORTED_PROPERTIES) == 0)
                    continue; /* answered by the core itself */
                memset(&v, 0, sizeof v);
                mock_error_reset();
                st = api->get_property(dev, in->name, &v);
                abi_expect(st == GRT_OK && v.type == in->value_type && value_well_formed(&v),
                           "get_property(\"%s\") reads it as the listed type %u (%s, got %u)",
                           in->name, in->value_type, abi_status_name(st), v.type);
                if (in->is_mutable && !mut)
                    mut = in;
                if (!in->is_mutable && !ro)
                    ro = in;
            }
        }
    }

    if (!ABI_SLOT(api, check_property)) {
        abi_ok("check_property: not supported");
        return;
    }
    memset(&v, 0, sizeof v);
    v.type = GRT_VALUE_INT;
    v.u.i = 1;
    mock_error_reset();
    st = api->check_property(dev, "GENRT_ABI_CHECK_NO_SUCH_KEY", &v);
    abi_expect(st == GRT_ERROR_NOT_FOUND, "check_property rejects an unknown key with NOT_FOUND "
               "(%s)", abi_status_name(st));
    abi_expect(st == GRT_OK || mock_error_count() > 0,
               "check_property(unknown key) calls set_error");
    if (mut) {
        v = wrong_typed(mut->value_type);
        mock_error_reset();
        st = api->check_property(dev, mut->name, &v);
        abi_expect(st == GRT_ERROR_INVALID_ARGUMENT, "check_property(\"%s\") rejects a value of "
                   "the wrong type with INVALID_ARGUMENT (%s)", mut->name, abi_status_name(st));
        abi_expect(st == GRT_OK || mock_error_count() > 0,
                   "check_property(wrong type) calls set_error");
        memset(&v, 0, sizeof v);
        if (api->get_property(dev, mut->name, &v) == GRT_OK) {
            st = api->check_property(dev, mut->name, &v);
            abi_expect(st == GRT_OK, "check_property(\"%s\") accepts the device's current value "
                       "(%s)", mut->name, abi_status_name(st));
        }
    } else {
        abi_ok("no mutable property: wrong-typed value check not applicable");
    }
    if (ro) {
        memset(&v, 0, sizeof v);
        if (api->get_property(dev, ro->name, &v) == GRT_OK) {
            mock_error_reset();
            st = api->check_property(dev, ro->name, &v);
            abi_expect(st == GRT_ERROR_INVALID_ARGUMENT, "check_property(\"%s\") rejects setting "
                       "a read-only property (%s)", ro->name, abi_status_name(st));
        }
    }
}

int abi_check_api(abi_plugin *p, const char *probe_name) {
    const grt_plugin_api *api = p->api;
    uint32_t count = 0;
    grt_value v;
    grt_status st;

    abi_expect(api->struct_size >= MANDATORY_END,
               "plugin table struct_size %u covers the mandatory v1.0 slots (>= %zu)",
               api->struct_size, (size_t)MANDATORY_END);
    if (api->struct_size < MANDATORY_END)
        return -1;
    if (api->struct_size < sizeof(grt_plugin_api))
        abi_note("plugin table struct_size %u < v1.0 size %zu: later slots count as NULL",
                 api->struct_size, sizeof(grt_plugin_api));
    abi_expect(api->abi_major == GRT_ABI_MAJOR, "plugin table abi_major is %d (got %u)",
               GRT_ABI_MAJOR, api->abi_major);
    abi_note("plugin table: ABI %u.%u, struct_size %u, name \"%s\", version \"%s\"",
             api->abi_major, api->abi_minor, api->struct_size, api->name ? api->name : "(null)",
             api->version ? api->version : "(null)");
    abi_expect(api->name && probe_name && strcmp(api->name, probe_name) == 0,
               "plugin table name equals the probe's name");
    abi_expect(api->version && api->version[0], "plugin table version is set");
    check_slots(api);
    if (!api->device_count || !api->get_property)
        return -1;

    st = api->device_count(&count);
    if (!abi_expect(st == GRT_OK && count >= 1, "device_count: %u device(s) (%s)", count,
                    abi_status_name(st)))
        return -1;
    if (!abi_expect(p->device < count, "device under test %u < device_count %u", p->device, count))
        return -1;

    memset(&v, 0, sizeof v);
    mock_error_reset();
    st = api->get_property(p->device, "GENRT_ABI_CHECK_NO_SUCH_KEY", &v);
    abi_expect(st == GRT_ERROR_NOT_FOUND, "get_property of an unknown key returns NOT_FOUND (%s)",
               abi_status_name(st));
    abi_expect(mock_error_count() > 0 && mock_error_message()[0],
               "get_property of an unknown key calls set_error with a message");
    mock_error_reset();
    st = api->get_property(count, GRT_PROP_FULL_DEVICE_NAME, &v);
    abi_expect(st != GRT_OK, "get_property on device %u (out of range) fails cleanly (%s)", count,
               abi_status_name(st));
    check_properties(api, p->device);

    return (api->compile_model && api->compiled_destroy && api->request_create &&
            api->request_destroy && api->request_set_input && api->request_get_output &&
            api->request_infer)
               ? 0
               : -1;
}
