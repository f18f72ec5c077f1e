/* SPDX-License-Identifier: MIT */
/* Methods of the sink.teescope.sqlite component class (implemented in C++). */
#pragma once

#include <babeltrace2/babeltrace.h>

#ifdef __cplusplus
extern "C" {
#endif

bt_component_class_initialize_method_status teescope_sqlite_initialize(
    bt_self_component_sink *self, bt_self_component_sink_configuration *config, const bt_value *params, void *data);
bt_component_class_sink_graph_is_configured_method_status teescope_sqlite_graph_is_configured(bt_self_component_sink *self);
bt_component_class_sink_consume_method_status teescope_sqlite_consume(bt_self_component_sink *self);
void teescope_sqlite_finalize(bt_self_component_sink *self);

#ifdef __cplusplus
}
#endif
