/*
 * frontends/save_as.c - grt_model_save_as: writes a model as a GenRT IR file ("ir") or a GGUF v3
 * file ("gguf", see gguf_write.c). Reentrant; reads the model only.
 */
#include <string.h>

#include <genrt/model.h>

#include "frontends/gguf.h"
#include "util/error.h"

GRT_EXPORT grt_status grt_model_save_as(const grt_model *model, const char *path, const char *format) {
    if (!model || !path || !format) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_model_save_as: NULL argument");
    if (!strcmp(format, "ir")) return grt_model_save(model, path);
    if (!strcmp(format, "gguf")) return grt_gguf_write(model, path);
    return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_model_save_as: unknown format '%s' (ir or gguf)", format);
}
