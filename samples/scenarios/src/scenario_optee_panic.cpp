// SPDX-License-Identifier: MIT
// scenario_optee_panic: a trusted application that panics. A bystander process holds its own
// session with the panic TA (a multi-instance TA: its own instance). The victim's OK succeeds;
// PANIC kills its instance (TARGET_DEAD, origin TEE); the session stays open but every later
// invoke is TARGET_DEAD from the TEE without reaching the TA; closing it works, and a new
// session loads a fresh instance that answers OK. The bystander's instance never notices.
#include <cstdio>
#include <string>

#include "scenarios/common.h"
#include "scenarios/optee.h"

using namespace teescope;
using namespace teescope::optee;
using namespace teescope::scenarios;

namespace {

Result ok(Session &session)
{
    return session.invoke(kPanicCmdOk);
}

int victim()
{
    Context ctx;
    initialize(ctx);
    Session session;
    open_session(session, ctx, kPanicUuid);
    expect_success(ok(session), "OK before the panic");
    expect_result(session.invoke(kPanicCmdPanic), TEEC_ERROR_TARGET_DEAD, TEEC_ORIGIN_TEE, "PANIC");
    expect_result(ok(session), TEEC_ERROR_TARGET_DEAD, TEEC_ORIGIN_TEE, "OK on the dead session");
    session.close();
    Session again;
    open_session(again, ctx, kPanicUuid);
    expect_success(ok(again), "OK on a new session after the panic");
    again.close();
    ctx.finalize();
    std::printf("%s: PANIC -> TARGET_DEAD (TEE); the dead session answers TARGET_DEAD; a new session works\n",
                program().c_str());
    return 0;
}

int bystander(Pipe &opened, Pipe &panicked)
{
    Context ctx;
    initialize(ctx);
    Session session;
    open_session(session, ctx, kPanicUuid);
    expect_success(ok(session), "the bystander's OK");
    opened.send('o');
    panicked.expect('p', "the victim's panic");
    expect_success(ok(session), "the bystander's OK after another instance panicked");
    session.close();
    std::printf("%s: its own instance is unaffected\n", program().c_str());
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    set_program("scenario_optee_panic");
    const std::string supplicant = take_supplicant_option(argc, argv);
    if (!parse_options(argc, argv, "A trusted application that panics (--supplicant PATH).", {}))
        return 0;
    return run_main("scenario_optee_panic", [&] {
        OpteeWorld world(supplicant);
        Pipe opened, panicked;
        const pid_t b = spawn("bystander", [&] {
            opened.close_read();
            panicked.close_write();
            return bystander(opened, panicked);
        });
        opened.close_write();
        panicked.close_read();
        opened.expect('o', "the bystander's session");
        expect_success(spawn("victim", [] { return victim(); }), "the victim");
        panicked.send('p');
        expect_success(b, "the bystander");
        world.supplicant().stop();
        std::printf("scenario_optee_panic: a panicked TA is dead for its session only\n");
    });
}
