/*
 * fuzz_gguf_load.c - fuzz target of the GGUF reader: the input bytes become a file (memfd) that
 * grt_model_read loads (parser, metadata, LLM graph from the tensors); a model that loads has its
 * metadata walked. Any failure must be a clean status, never a crash or an out-of-bounds read.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <genrt/genrt.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[64];
    grt_model *m = NULL;
    int fd = memfd_create("fuzz_gguf", MFD_CLOEXEC);
    if (fd < 0) return 0;
    if (size && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if (grt_model_read(NULL, path, &m) == GRT_OK) {
        size_t sum = 0;
        for (size_t i = 0; i < grt_model_meta_count(m); i++) {
            grt_meta_value v;
            const char *k = grt_model_meta_key(m, i);
            if (k && grt_model_get_meta(m, k, &v) == GRT_OK) sum += v.type;
        }
        if (sum == (size_t)-1) abort();
        grt_model_destroy(m);
    }
    close(fd);
    return 0;
}
