/*
 * ir/read.c - grt_model_read: detects the model format from the path's first bytes (or, for a
 * directory, its contents) and dispatches to the format's loader (see read.h). Unknown content
 * gives GRT_ERROR_NOT_SUPPORTED "PATH: unknown model format".
 * Stateless; thread-safe.
 */
#include "ir/read.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frontends/hf.h"
#include "frontends/llama2c.h"
#include "frontends/gguf.h"
#include "ir/serialize_format.h"
#include "util/error.h"

/* Claims files that start with the IR magic, or are a (truncated) prefix of it. */
static int ir_probe(const char *path, int is_dir, const uint8_t *head, size_t n) {
    (void)path;
    if (is_dir || n == 0) return 0;
    return memcmp(head, GRT_IR_MAGIC, n < GRT_IR_MAGIC_SIZE ? n : GRT_IR_MAGIC_SIZE) == 0;
}

static grt_status ir_load(grt_core *core, const char *path, grt_model **out) {
    (void)core;
    return grt_ir_load(path, out);
}

/* The format table. Frontends add their entry here (most specific probes first). */
static const grt_model_format k_formats[] = {
    {"GenRT IR", ir_probe, ir_load},
    {"GGUF", grt_gguf_probe, grt_gguf_load},
    {"Hugging Face folder", grt_hf_probe, grt_hf_load}, /* directories with config.json */
    {"llama2.c", grt_llama2c_probe, grt_llama2c_load}, /* no magic: keep it last */
};

GRT_EXPORT grt_status grt_model_read(grt_core *core, const char *path, grt_model **out) {
    uint8_t head[GRT_MODEL_PROBE_BYTES];
    size_t n = 0;
    struct stat sb;
    if (!out || !path) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_model_read: NULL argument");
    *out = NULL;
    if (stat(path, &sb) != 0)
        return grt_error(errno == ENOENT ? GRT_ERROR_NOT_FOUND : GRT_ERROR_IO, "%s: cannot open (%s)", path,
                         strerror(errno));
    int is_dir = S_ISDIR(sb.st_mode);
    if (!is_dir) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return grt_error(errno == ENOENT ? GRT_ERROR_NOT_FOUND : GRT_ERROR_IO, "%s: cannot open (%s)", path,
                             strerror(errno));
        while (n < sizeof head) {
            ssize_t r = read(fd, head + n, sizeof head - n);
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) {
                int e = errno;
                close(fd);
                return grt_error(GRT_ERROR_IO, "%s: read failed (%s)", path, strerror(e));
            }
            if (r == 0) break;
            n += (size_t)r;
        }
        close(fd);
        if (n == 0) return grt_error(GRT_ERROR_FORMAT, "%s: empty file", path);
    }
    for (size_t i = 0; i < sizeof k_formats / sizeof k_formats[0]; i++)
        if (k_formats[i].probe(path, is_dir, is_dir ? NULL : head, n)) return k_formats[i].load(core, path, out);
    return grt_error(GRT_ERROR_NOT_SUPPORTED, "%s: unknown model format", path);
}
