/* SPDX-License-Identifier: MIT */
/* The Babeltrace2 plugin `teescope` and its sink component class `sink.teescope.sqlite`:
 * babeltrace2 --plugin-path=DIR TRACE -c sink.teescope.sqlite -p path=OUT.db */
#include <babeltrace2/babeltrace.h>

#include "sqlite_sink.h"

BT_PLUGIN_MODULE()

BT_PLUGIN(teescope);
BT_PLUGIN_DESCRIPTION("teescope: TEE object graphs from LTTng traces");
BT_PLUGIN_LICENSE("MIT");

BT_PLUGIN_SINK_COMPONENT_CLASS(sqlite, teescope_sqlite_consume);
BT_PLUGIN_SINK_COMPONENT_CLASS_DESCRIPTION(sqlite, "Import teescope events into a teescope SQLite database (parameter: path)");
BT_PLUGIN_SINK_COMPONENT_CLASS_INITIALIZE_METHOD(sqlite, teescope_sqlite_initialize);
BT_PLUGIN_SINK_COMPONENT_CLASS_GRAPH_IS_CONFIGURED_METHOD(sqlite, teescope_sqlite_graph_is_configured);
BT_PLUGIN_SINK_COMPONENT_CLASS_FINALIZE_METHOD(sqlite, teescope_sqlite_finalize);
