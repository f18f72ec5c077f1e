// SPDX-License-Identifier: MIT
// The Linux TEE user ABI (include/uapi/linux/tee.h, Linux 6.18) and the QTEE conventions on top
// of it, written from the published facts. Layouts are an ABI: the asserts below pin every
// size and offset. Usable from C and C++.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TEE_IOC_MAGIC 0xa4
#define TEE_IOC_BASE 0
#define TEE_MAX_ARG_SIZE 4096

// Implementation ids (tee_ioctl_version_data.impl_id).
#define TEE_IMPL_ID_OPTEE 1
#define TEE_IMPL_ID_AMDTEE 2
#define TEE_IMPL_ID_TSTEE 3
#define TEE_IMPL_ID_QTEE 4

// Generic capabilities (tee_ioctl_version_data.gen_caps).
#define TEE_GEN_CAP_GP (1u << 0)
#define TEE_GEN_CAP_PRIVILEGED (1u << 1)
#define TEE_GEN_CAP_REG_MEM (1u << 2)
#define TEE_GEN_CAP_MEMREF_NULL (1u << 3)
#define TEE_GEN_CAP_OBJREF (1u << 4)

// Parameter attributes: the type lives in the low 8 bits.
#define TEE_IOCTL_PARAM_ATTR_TYPE_NONE 0
#define TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT 1
#define TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT 2
#define TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT 3
#define TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT 5
#define TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT 6
#define TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT 7
#define TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT 8
#define TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT 9
#define TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INOUT 10
#define TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INPUT 11
#define TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT 12
#define TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INOUT 13
#define TEE_IOCTL_PARAM_ATTR_TYPE_MASK 0xff
#define TEE_IOCTL_PARAM_ATTR_META 0x100

#define TEE_OBJREF_NULL ((uint64_t)-1)
#define TEE_MEMREF_NULL ((uint64_t)-1)

// Login methods of OPEN_SESSION.
#define TEE_IOCTL_LOGIN_PUBLIC 0
#define TEE_IOCTL_LOGIN_USER 1
#define TEE_IOCTL_LOGIN_GROUP 2
#define TEE_IOCTL_LOGIN_APPLICATION 4
#define TEE_IOCTL_LOGIN_USER_APPLICATION 5
#define TEE_IOCTL_LOGIN_GROUP_APPLICATION 6

// The argument structs end in flexible array members, as in the kernel header; C++ accepts them
// as a GCC extension.
#ifdef __cplusplus
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#endif

struct tee_ioctl_version_data {
    uint32_t impl_id;
    uint32_t impl_caps;
    uint32_t gen_caps;
};

struct tee_ioctl_shm_alloc_data {
    uint64_t size;
    uint32_t flags;
    int32_t id;
};

struct tee_ioctl_shm_register_data {
    uint64_t addr;
    uint64_t length;
    uint32_t flags;
    int32_t id;
};

struct tee_ioctl_shm_register_fd_data {
    int64_t fd;
    uint64_t size;
    uint32_t flags;
    int32_t id;
} __attribute__((aligned(8)));

struct tee_ioctl_buf_data {
    uint64_t buf_ptr;
    uint64_t buf_len;
};

struct tee_ioctl_param {
    uint64_t attr;
    uint64_t a;
    uint64_t b;
    uint64_t c;
};

#define TEE_IOCTL_UUID_LEN 16

struct tee_ioctl_open_session_arg {
    uint8_t uuid[TEE_IOCTL_UUID_LEN];
    uint8_t clnt_uuid[TEE_IOCTL_UUID_LEN];
    uint32_t clnt_login;
    uint32_t cancel_id;
    uint32_t session;
    uint32_t ret;
    uint32_t ret_origin;
    uint32_t num_params;
    struct tee_ioctl_param params[];
};

struct tee_ioctl_invoke_arg {
    uint32_t func;
    uint32_t session;
    uint32_t cancel_id;
    uint32_t ret;
    uint32_t ret_origin;
    uint32_t num_params;
    struct tee_ioctl_param params[];
};

struct tee_ioctl_cancel_arg {
    uint32_t cancel_id;
    uint32_t session;
};

struct tee_ioctl_close_session_arg {
    uint32_t session;
};

struct tee_iocl_supp_recv_arg {
    uint32_t func;
    uint32_t num_params;
    struct tee_ioctl_param params[];
};

struct tee_iocl_supp_send_arg {
    uint32_t ret;
    uint32_t num_params;
    struct tee_ioctl_param params[];
};

struct tee_ioctl_object_invoke_arg {
    uint64_t id;
    uint32_t op;
    uint32_t ret;
    uint32_t num_params;
    uint32_t pad;
    struct tee_ioctl_param params[];
};

#ifdef __cplusplus
#pragma GCC diagnostic pop
#endif

#define TEE_IOC_VERSION _IOR(TEE_IOC_MAGIC, TEE_IOC_BASE + 0, struct tee_ioctl_version_data)
#define TEE_IOC_SHM_ALLOC _IOWR(TEE_IOC_MAGIC, TEE_IOC_BASE + 1, struct tee_ioctl_shm_alloc_data)
#define TEE_IOC_OPEN_SESSION _IOR(TEE_IOC_MAGIC, TEE_IOC_BASE + 2, struct tee_ioctl_buf_data)
#define TEE_IOC_INVOKE _IOR(TEE_IOC_MAGIC, TEE_IOC_BASE + 3, struct tee_ioctl_buf_data)
#define TEE_IOC_CANCEL _IOR(TEE_IOC_MAGIC, TEE_IOC_BASE + 4, struct tee_ioctl_cancel_arg)
#define TEE_IOC_CLOSE_SESSION _IOR(TEE_IOC_MAGIC, TEE_IOC_BASE + 5, struct tee_ioctl_close_session_arg)
#define TEE_IOC_SUPPL_RECV _IOR(TEE_IOC_MAGIC, TEE_IOC_BASE + 6, struct tee_ioctl_buf_data)
#define TEE_IOC_SUPPL_SEND _IOR(TEE_IOC_MAGIC, TEE_IOC_BASE + 7, struct tee_ioctl_buf_data)
#define TEE_IOC_SHM_REGISTER_FD _IOWR(TEE_IOC_MAGIC, TEE_IOC_BASE + 8, struct tee_ioctl_shm_register_fd_data)
#define TEE_IOC_SHM_REGISTER _IOWR(TEE_IOC_MAGIC, TEE_IOC_BASE + 9, struct tee_ioctl_shm_register_data)
#define TEE_IOC_OBJECT_INVOKE _IOR(TEE_IOC_MAGIC, TEE_IOC_BASE + 10, struct tee_ioctl_buf_data)

// ---------------------------------------------------------------------------- QTEE conventions

// OBJREF flags in tee_ioctl_param.b (driver-private values).
#define QCOMTEE_OBJREF_FLAG_TEE (1u << 0)
#define QCOMTEE_OBJREF_FLAG_USER (1u << 1)
#define QCOMTEE_OBJREF_FLAG_MEM (1u << 2)

// Reserved operations.
#define QCOMTEE_OBJREF_OP_RELEASE 0xFFFFu
#define QCOMTEE_OBJREF_OP_RETAIN 0xFFFEu
#define QCOMTEE_OP_MASK 0xFFFFu

// At most this many of each argument class in one message.
#define QCOMTEE_ARGS_PER_TYPE 16
// Counts pack as nibbles: bi | bo << 4 | oi << 8 | oo << 12.
#define QCOMTEE_COUNTS(bi, bo, oi, oo) ((uint32_t)(bi) | ((uint32_t)(bo) << 4) | ((uint32_t)(oi) << 8) | ((uint32_t)(oo) << 12))

// QTEE results (the `ret` of OBJECT_INVOKE and SUPPL_SEND).
#define QCOMTEE_MSG_OK 0
#define QCOMTEE_MSG_ERROR 1
#define QCOMTEE_MSG_ERROR_INVALID 2
#define QCOMTEE_MSG_ERROR_SIZE_IN 3
#define QCOMTEE_MSG_ERROR_SIZE_OUT 4
#define QCOMTEE_MSG_ERROR_MEM 5
#define QCOMTEE_MSG_ERROR_USERBASE 10
#define QCOMTEE_MSG_ERROR_DEFUNCT (-90)
#define QCOMTEE_MSG_ERROR_ABORT (-91)
#define QCOMTEE_MSG_ERROR_BADOBJ (-92)
#define QCOMTEE_MSG_ERROR_NOSLOTS (-93)
#define QCOMTEE_MSG_ERROR_MAXARGS (-94)
#define QCOMTEE_MSG_ERROR_MAXDATA (-95)
#define QCOMTEE_MSG_ERROR_UNAVAIL (-96)
#define QCOMTEE_MSG_ERROR_KMEM (-97)
#define QCOMTEE_MSG_ERROR_REMOTE (-98)
#define QCOMTEE_MSG_ERROR_BUSY (-99)
#define QCOMTEE_MSG_ERROR_TIMEOUT (-103)

// Well-known services (MinkIPC IDL).
#define QCOMTEE_ROOT_OP_REGISTER_AS_CLIENT 2
#define QCOMTEE_CLIENT_ENV_OP_OPEN 0
#define QCOMTEE_IIO_OP_GET_LENGTH 0
#define QCOMTEE_IIO_OP_READ_AT_OFFSET 1
#define QCOMTEE_UID_APPLOADER 3
#define QCOMTEE_UID_DIAGNOSTICS 143
#define QCOMTEE_UID_GPAPPCLIENT 0x199
#define QCOMTEE_UID_FEATUREVERSIONS 2033
#define QCOMTEE_APPLOADER_OP_LOAD_FROM_BUFFER 0
#define QCOMTEE_APPLOADER_OP_LOAD_FROM_REGION 1
#define QCOMTEE_DIAGNOSTICS_OP_QUERY_HEAP_INFO 0
#define QCOMTEE_APPCONTROLLER_OP_OPEN_SESSION 0
#define QCOMTEE_APPCONTROLLER_OP_UNLOAD 1
#define QCOMTEE_APPCONTROLLER_OP_GET_APP_OBJECT 2
#define QCOMTEE_APP_OP_ADD 0

// teesim's listener registry: clients register callback objects; notify() makes QTEE call
// every registered listener's op 0 with the event value, publish() hands every listener a service
// object, relay() passes an object to one listener, listener() returns a registered listener,
// ask() returns whatever object a listener gives.
#define TEESIM_UID_LISTENER_REGISTRY 0x7e5c
#define TEESIM_REGISTRY_OP_REGISTER 0   // in: object listener; out: u32 token
#define TEESIM_REGISTRY_OP_UNREGISTER 1 // in: u32 token
#define TEESIM_REGISTRY_OP_NOTIFY 2     // in: u32 event; out: u32 listeners reached
#define TEESIM_REGISTRY_OP_PUBLISH 3    // in: u32 service uid; out: u32 listeners reached
#define TEESIM_REGISTRY_OP_RELAY 4      // in: u32 token, object; the listener's result
#define TEESIM_REGISTRY_OP_LISTENER 5   // in: u32 token; out: the listener object (NULL: none)
#define TEESIM_REGISTRY_OP_ASK 6        // in: u32 token; out: the object the listener gives
#define TEESIM_LISTENER_OP_ON_EVENT 0   // in: u32 event
#define TEESIM_LISTENER_OP_ON_SERVICE 1 // in: object (a QTEE service the listener may invoke)
#define TEESIM_LISTENER_OP_ON_OBJECT 2  // in: object (whatever relay() was given)
#define TEESIM_LISTENER_OP_GIVE 3       // out: an object

// teesim's region store: QTEE keeps a memory object and hands it back later, so that memory
// objects travel from QTEE to a client.
#define TEESIM_UID_REGION_STORE 0x7e5d
#define TEESIM_REGION_STORE_OP_KEEP 0   // in: memory object; out: u32 token
#define TEESIM_REGION_STORE_OP_LEND 1   // in: u32 token; out: the memory object
#define TEESIM_REGION_STORE_OP_DROP 2   // in: u32 token

// Classes of QTEE objects that are not services, reported in object_create.uid (services report
// their uid; these lie above the 16-bit uid space).
#define TEESIM_CLASS_CLIENT_ENV 0x10001u
#define TEESIM_CLASS_APP_CONTROLLER 0x10002u
#define TEESIM_CLASS_APP 0x10003u
#define TEESIM_CLASS_REGISTRATION 0x10004u

// OP-TEE / GP results.
#define TEEC_SUCCESS 0x00000000u
#define TEEC_ERROR_GENERIC 0xFFFF0000u
#define TEEC_ERROR_ACCESS_DENIED 0xFFFF0001u
#define TEEC_ERROR_CANCEL 0xFFFF0002u
#define TEEC_ERROR_BAD_PARAMETERS 0xFFFF0006u
#define TEEC_ERROR_ITEM_NOT_FOUND 0xFFFF0008u
#define TEEC_ERROR_OUT_OF_MEMORY 0xFFFF000Cu
#define TEEC_ERROR_BUSY 0xFFFF000Du
#define TEEC_ERROR_COMMUNICATION 0xFFFF000Eu
#define TEEC_ERROR_SHORT_BUFFER 0xFFFF0010u
#define TEEC_ERROR_BAD_STATE 0xFFFF0007u
#define TEEC_ERROR_NOT_IMPLEMENTED 0xFFFF0009u
#define TEEC_ERROR_NOT_SUPPORTED 0xFFFF000Au
#define TEEC_ERROR_SECURITY 0xFFFF000Fu
#define TEEC_ERROR_OVERFLOW 0xFFFF300Fu
#define TEEC_ERROR_TARGET_DEAD 0xFFFF3024u
#define TEEC_ERROR_STORAGE_NO_SPACE 0xFFFF3041u
#define TEEC_ERROR_CORRUPT_OBJECT 0xF0100001u
#define TEEC_ERROR_STORAGE_NOT_AVAILABLE 0xF0100003u
#define TEEC_ORIGIN_API 1
#define TEEC_ORIGIN_COMMS 2
#define TEEC_ORIGIN_TEE 3
#define TEEC_ORIGIN_TRUSTED_APP 4

// ---------------------------------------------------------------------------- OP-TEE conventions

// impl_caps of TEE_IOC_VERSION on an OP-TEE device (the SMC ABI driver always reports it).
#define TEE_OPTEE_CAP_TZ (1u << 0)
// Logins reserved for in-kernel clients: OPEN_SESSION from user space gets EPERM.
#define TEE_IOCTL_LOGIN_REE_KERNEL_MIN 0x80000000u
#define TEE_IOCTL_LOGIN_REE_KERNEL_MAX 0xBFFFFFFFu
#define TEE_IOCTL_LOGIN_REE_KERNEL 0x80000000u

// The `func` of a request tee-supplicant receives: the secure world's RPC command
// (optee_rpc_cmd.h). SHM_ALLOC and SHM_FREE reach the supplicant as the kernel's own requests
// for application shared memory: one VALUE_INOUT {a = type (0 application), b = size or shm id}.
#define OPTEE_RPC_CMD_LOAD_TA 0
#define OPTEE_RPC_CMD_RPMB 1
#define OPTEE_RPC_CMD_FS 2
#define OPTEE_RPC_CMD_GET_TIME 3
#define OPTEE_RPC_CMD_NOTIFICATION 4
#define OPTEE_RPC_CMD_SUSPEND 5
#define OPTEE_RPC_CMD_SHM_ALLOC 6
#define OPTEE_RPC_CMD_SHM_FREE 7
#define OPTEE_RPC_CMD_GPROF 9
#define OPTEE_RPC_CMD_SOCKET 10
#define OPTEE_RPC_CMD_FTRACE 11
#define OPTEE_RPC_CMD_SUPP_PLUGIN 12
#define OPTEE_RPC_SHM_TYPE_APPL 0
// FS sub-commands (params[0].a of OPTEE_RPC_CMD_FS); names travel NUL-terminated in a
// TEE_FS_NAME_MAX-byte memref.
#define OPTEE_RPC_FS_OPEN 0
#define OPTEE_RPC_FS_CREATE 1
#define OPTEE_RPC_FS_CLOSE 2
#define OPTEE_RPC_FS_READ 3
#define OPTEE_RPC_FS_WRITE 4
#define OPTEE_RPC_FS_TRUNCATE 5
#define OPTEE_RPC_FS_REMOVE 6
#define OPTEE_RPC_FS_RENAME 7
#define OPTEE_RPC_FS_OPENDIR 8
#define OPTEE_RPC_FS_CLOSEDIR 9
#define OPTEE_RPC_FS_READDIR 10
#define TEE_FS_NAME_MAX 350
// The parameter slots tee-supplicant offers in SUPPL_RECV (one META slot and four for the
// request): the secure world never sends more than four RPC parameters.
#define OPTEE_RPC_MAX_PARAMS 4

static inline uint32_t tee_param_type(uint64_t attr) { return (uint32_t)(attr & TEE_IOCTL_PARAM_ATTR_TYPE_MASK); }

#ifdef __cplusplus
} // extern "C"
#define TEE_UAPI_ASSERT static_assert
#else
#define TEE_UAPI_ASSERT _Static_assert
#endif

TEE_UAPI_ASSERT(sizeof(struct tee_ioctl_version_data) == 12, "version_data");
TEE_UAPI_ASSERT(sizeof(struct tee_ioctl_shm_alloc_data) == 16, "shm_alloc_data");
TEE_UAPI_ASSERT(sizeof(struct tee_ioctl_shm_register_data) == 24, "shm_register_data");
TEE_UAPI_ASSERT(sizeof(struct tee_ioctl_shm_register_fd_data) == 24, "shm_register_fd_data");
TEE_UAPI_ASSERT(sizeof(struct tee_ioctl_buf_data) == 16, "buf_data");
TEE_UAPI_ASSERT(sizeof(struct tee_ioctl_param) == 32, "param");
TEE_UAPI_ASSERT(sizeof(struct tee_ioctl_open_session_arg) == 56, "open_session_arg");
TEE_UAPI_ASSERT(offsetof(struct tee_ioctl_open_session_arg, clnt_login) == 32, "clnt_login");
TEE_UAPI_ASSERT(offsetof(struct tee_ioctl_open_session_arg, num_params) == 52, "num_params");
TEE_UAPI_ASSERT(sizeof(struct tee_ioctl_invoke_arg) == 24, "invoke_arg");
TEE_UAPI_ASSERT(sizeof(struct tee_ioctl_cancel_arg) == 8, "cancel_arg");
TEE_UAPI_ASSERT(sizeof(struct tee_ioctl_close_session_arg) == 4, "close_session_arg");
TEE_UAPI_ASSERT(sizeof(struct tee_iocl_supp_recv_arg) == 8, "supp_recv_arg");
TEE_UAPI_ASSERT(sizeof(struct tee_iocl_supp_send_arg) == 8, "supp_send_arg");
TEE_UAPI_ASSERT(sizeof(struct tee_ioctl_object_invoke_arg) == 24, "object_invoke_arg");
TEE_UAPI_ASSERT(offsetof(struct tee_ioctl_object_invoke_arg, op) == 8, "op");
TEE_UAPI_ASSERT(offsetof(struct tee_ioctl_object_invoke_arg, num_params) == 16, "num_params");
TEE_UAPI_ASSERT(TEE_IOC_VERSION == 0x800ca400u, "VERSION number");
TEE_UAPI_ASSERT(TEE_IOC_SHM_ALLOC == 0xc010a401u, "SHM_ALLOC number");
TEE_UAPI_ASSERT(TEE_IOC_OBJECT_INVOKE == 0x8010a40au, "OBJECT_INVOKE number");
