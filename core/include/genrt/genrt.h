/*
 * genrt/genrt.h - GenRT application API (umbrella header).
 *
 * Objects: grt_core (devices, plugins, properties) -> grt_model (graph, from a file or the builder)
 * -> grt_compiled_model (a model on a device) -> grt_infer_request (run it, read outputs, state).
 * grt_tensor carries data. Every call returns grt_status; see genrt/status.h for errors.
 */
#ifndef GENRT_GENRT_H
#define GENRT_GENRT_H

#include <genrt/status.h>
#include <genrt/tensor.h>
#include <genrt/model.h>
#include <genrt/core.h>
#include <genrt/compiled_model.h>
#include <genrt/infer_request.h>
#include <genrt/compress.h>

#endif
