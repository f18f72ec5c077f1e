// SPDX-License-Identifier: MIT
// scenario_regions: memory objects that come back from QTEE. A client hands a shared-memory
// region to teesim's region store, which keeps it mapped in the secure world; QTEE lends it back
// (a memory object returned to the client, named by its own shm id), and the client loads an app
// from the lent region. Another process, with its own context, asks for the same region: QTEE
// cannot give a memory object to a context it does not belong to (UNAVAIL). The client unmaps
// and closes its shm while QTEE still holds the region: the shm is freed only when QTEE drops it.
#include <cstring>
#include <string>

#include "qtee/callback.h"
#include "qtee/services.h"
#include "qtee/shm.h"
#include "scenarios/common.h"

using namespace teescope::qtee;
using namespace teescope::scenarios;

namespace {

int run_borrower(uint32_t token, Pipe &done)
{
    Context ctx;
    Supplicant supplicant(ctx, 1);
    {
        Object env = register_as_client(ctx, supplicant);
        Object store = open_service(env, TEESIM_UID_REGION_STORE);
        ObjectRef memory;
        const int32_t ret = lend_region(store, token, memory);
        check(ret == QCOMTEE_MSG_ERROR_UNAVAIL,
              "a region of another context was lent: " + result_name(ret) + " (expected ERROR_UNAVAIL)");
    }
    supplicant.stop();
    ctx.close();
    done.send('d');
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    set_program("scenario_regions");
    uint64_t lends = 5;
    if (!parse_options(argc, argv, "Memory objects kept by QTEE and returned to their client.",
                       {{"--lends", &lends, "times the region is lent back and used"}}))
        return 0;
    return run_main("scenario_regions", [&] {
        Context ctx;
        Supplicant supplicant(ctx, 1);
        {
            Object env = register_as_client(ctx, supplicant);
            Object store = open_service(env, TEESIM_UID_REGION_STORE);
            Object loader = open_service(env, QCOMTEE_UID_APPLOADER);

            SharedMemory shm(ctx, 8192);
            const std::vector<uint8_t> image = app_image("region-app");
            std::memcpy(shm.bytes().data(), image.data(), image.size());
            const uint32_t token = keep_region(store, shm.object());

            for (uint64_t i = 0; i < lends; ++i) {
                ObjectRef memory;
                const int32_t ret = lend_region(store, token, memory);
                check(ret == QCOMTEE_MSG_OK, "regionStore.lend returned " + result_name(ret));
                check(memory == shm.object(), "the lent region is not this context's shm " + std::to_string(shm.id()));
                Object controller = load_from_region(loader, memory);
                Object app = get_app_object(controller);
                check(add(app, 40, static_cast<uint32_t>(i)) == 40 + i, "the app loaded from the lent region adds wrongly");
                app.reset();
                unload(controller);
            }

            Pipe done;
            const pid_t borrower = spawn("borrower", [&] { return run_borrower(token, done); });
            done.expect('d', "the borrower to finish", 60000);
            expect_success(borrower, "the borrower");

            // The client lets go of its shm; QTEE's hold keeps the region until it is dropped.
            shm.reset();
            ObjectRef memory;
            check(lend_region(store, token, memory) == QCOMTEE_MSG_OK, "the region is gone while QTEE holds it");
            drop_region(store, token);
            check(lend_region(store, token, memory) == QCOMTEE_MSG_ERROR, "a dropped region is still lent");
        }
        supplicant.stop();
        ctx.close();
        std::printf("scenario_regions: region lent %llu times, refused to another context, dropped\n",
                    static_cast<unsigned long long>(lends));
    });
}
