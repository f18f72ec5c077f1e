// SPDX-License-Identifier: MIT
// teesim's region store, a secure-world service of its own: QTEE keeps memory objects (the
// region stays mapped in the secure world) and lends them back, the path by which a memory object
// travels from QTEE to a client.
#include "qtee/qtee.h"

namespace teescope::teesim::qtee {

// The region store keeps memory objects for a client and lends them back (op 1), which is how a
// memory object travels from QTEE to a client: only to the context that owns its shm.
int32_t Qtee::sw_region_store(SwObject *store, uint32_t op, SwArgs &a)
{
    switch (op) {
    case TEESIM_REGION_STORE_OP_KEEP: {
        if (!a.shape(0, 1, 1, 0) || !a.oi[0] || a.oi[0]->kind != TEESCOPE_OBJECT_KIND_MEMORY)
            return QCOMTEE_MSG_ERROR_INVALID;
        if (a.bo_cap[0] < 4)
            return QCOMTEE_MSG_ERROR_SIZE_OUT;
        const uint32_t token = store->next_token++;
        ++a.oi[0]->refs; // QTEE keeps the region mapped
        store->regions[token] = a.oi[0];
        store->heap += 16;
        a.bo = {u32_bytes(token)};
        return QCOMTEE_MSG_OK;
    }
    case TEESIM_REGION_STORE_OP_LEND:
    case TEESIM_REGION_STORE_OP_DROP: {
        const bool lend = op == TEESIM_REGION_STORE_OP_LEND;
        if (!a.shape(1, 0, 0, lend ? 1 : 0))
            return QCOMTEE_MSG_ERROR_INVALID;
        if (a.bi[0].size() != 4)
            return QCOMTEE_MSG_ERROR_SIZE_IN;
        auto it = store->regions.find(get<uint32_t>(a.bi[0], 0));
        if (it == store->regions.end())
            return QCOMTEE_MSG_ERROR;
        Instance *mem = it->second;
        if (lend) {
            ++mem->refs;
            a.out = {ObjRef{nullptr, nullptr, mem}};
        } else {
            store->regions.erase(it);
            store->heap -= 16;
            drop_ref(0, 0, mem);
        }
        return QCOMTEE_MSG_OK;
    }
    default:
        return QCOMTEE_MSG_ERROR_INVALID;
    }
}

} // namespace teescope::teesim::qtee
