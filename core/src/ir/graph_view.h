/*
 * ir/graph_view.h - the contract between the IR (core/src/ir) and the runtime (core/src/runtime).
 *
 * A grt_graph_view (declared opaque in genrt/plugin.h) is an immutable, reference-counted snapshot
 * of a model's graph: what a compiled model and its plugin see. Node ids in a view equal the node
 * ids of the model it was taken from. Constant data is shared with the model (reference-counted
 * weight storage, e.g. an mmap of an IR file), never copied by a snapshot.
 * Thread-safety: a view is read-only; retain/release are atomic.
 */
#ifndef GENRT_IR_GRAPH_VIEW_H
#define GENRT_IR_GRAPH_VIEW_H

#include <genrt/model.h>
#include <genrt/plugin.h>

/* Takes a snapshot of model (reference count 1). Errors: OUT_OF_MEMORY, SHAPE (model invalid,
 * e.g. a ReadValue without its Assign; the message names the node). */
grt_status grt_ir_snapshot(const grt_model *model, const grt_graph_view **out);
void grt_ir_view_retain(const grt_graph_view *view);
void grt_ir_view_release(const grt_graph_view *view); /* NULL is a no-op */

/* Fills the graph accessor slots of a host API table (graph_retain .. infer_shapes). */
void grt_ir_fill_host_api(grt_host_api *api);

/* Inputs (is_output = 0) or outputs (1) of a view, as grt_model_input/output. */
size_t grt_ir_view_io_count(const grt_graph_view *view, int is_output);
grt_status grt_ir_view_io(const grt_graph_view *view, int is_output, size_t index,
                          const char **name, grt_element_type *type, grt_shape *shape);

#endif
