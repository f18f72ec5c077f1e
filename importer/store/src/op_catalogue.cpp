// SPDX-License-Identifier: MIT
// teescope's catalogue of QTEE op names: one line per op. Users add theirs with `op` lines in
// their names file (see names_file.h).
//
// The numbers follow the MinkIPC IDL as Linux and libqcomtee use it:
// - RELEASE and RETAIN are reserved ops of every object: OBJECT_OP_METHOD_MASK (0xFFFF) - 0 and
//   - 1 (Object_OP_release / Object_OP_retain of the IDL's object.h; QCOMTEE_MSG_OBJECT_OP_RELEASE
//   / _RETAIN in Linux drivers/tee/qcomtee/qcomtee_msg.h).
// - The root object answers IClientEnv's ops: register 2 (what libqcomtee calls with the
//   credentials object, and teesim's QCOMTEE_ROOT_OP_REGISTER_AS_CLIENT), registerWithCredentials
//   5 (the kernel's QCOMTEE_ROOT_OP_REG_WITH_CREDENTIALS), notifyDomainChange 4, adciAccept 8,
//   adciShutdown 9; the client env's open is IClientEnv_OP_open 0.
// - IAppLoader: loadFromBuffer 0, loadFromRegion 1, loadEmbedded 2, connect 3.
// - IAppController: openSession 0, unload 1, getAppObject 2, installCBO 3, disconnect 4, restart 5.
// - IIO (the credentials object, a callback object): getLength 0, readAtOffset 1.
// - IDiagnostics: queryHeapInfo 0; IFeatureVersions (uid 2033): get 0.
// teesim uses these numbers (tracer/include/teescope/tee_uapi.h); its own services (the sample
// app's add 0, the listener registry and its listeners, the region store) are named after
// tee_uapi.h too. The classes are the importer's (ObjectTracker::object_class).
#include "teescope/store/op_names.h"

namespace teescope::store {

const std::vector<OpName> &builtin_op_names()
{
    static const std::vector<OpName> names{
        {kEveryClass, 0xFFFF, "release"},
        {kEveryClass, 0xFFFE, "retain"},
        {"root", 1, "register_legacy"},
        {"root", 2, "register_as_client"},
        {"root", 3, "register_with_whitelist"},
        {"root", 4, "notify_domain_change"},
        {"root", 5, "register_with_credentials"},
        {"root", 8, "adci_accept"},
        {"root", 9, "adci_shutdown"},
        {"client_env", 0, "open"},
        {"apploader", 0, "load_from_buffer"},
        {"apploader", 1, "load_from_region"},
        {"apploader", 2, "load_embedded"},
        {"apploader", 3, "connect"},
        {"app_controller", 0, "open_session"},
        {"app_controller", 1, "unload"},
        {"app_controller", 2, "get_app_object"},
        {"app_controller", 3, "install_cbo"},
        {"app_controller", 4, "disconnect"},
        {"app_controller", 5, "restart"},
        {kCredentialsClass, 0, "get_length"},
        {kCredentialsClass, 1, "read_at_offset"},
        {"diagnostics", 0, "query_heap_info"},
        {"featureversions", 0, "get_version"},
        {"app", 0, "add"}, // teesim's sample app
        // teesim's listener registry and region store (TEESIM_REGISTRY_OP_*, region_store.cpp)
        {"registry", 0, "register"},
        {"registry", 1, "unregister"},
        {"registry", 2, "notify"},
        {"registry", 3, "publish"},
        {"registry", 4, "relay"},
        {"registry", 5, "listener"},
        {"registry", 6, "ask"},
        {"region_store", 0, "keep"},
        {"region_store", 1, "lend"},
        {"region_store", 2, "drop"},
        {kListenerClass, 0, "on_event"}, // TEESIM_LISTENER_OP_ON_EVENT
        {kListenerClass, 1, "on_service"},
        {kListenerClass, 2, "on_object"},
        {kListenerClass, 3, "give"},
    };
    return names;
}

} // namespace teescope::store
