-- SPDX-License-Identifier: MIT
-- The teescope trace database: what `teescope import` writes and what the GUI, the CLI and
-- users' own queries read. Versioned with PRAGMA user_version (and metadata.schema_version);
-- a reader refuses a newer version.
--
-- Identity: raw ids of a trace are reused (handles, request ids, driver addresses, pids, shm
-- ids, session ids), so every lifetime gets its own `id` here and keeps the raw value as an
-- attribute. Times (`*_ts`) are nanoseconds of the trace clock (LTTng: CLOCK_MONOTONIC). A NULL
-- time means "did not happen within the trace". Lifetimes whose start or end was lost carry
-- `origin_unknown` / `end_inferred` = 1.
--
-- Every column has a comment; tests check that each column is documented.

PRAGMA user_version = 6;

CREATE TABLE metadata (
    key TEXT PRIMARY KEY,          -- schema_version, importer_version, trace_path, complete (0 until the import finished), first_ts, last_ts, events, contract_version, names_file (the user's names file read at import, if any), teescope_events (teescope events used; 0: the trace holds none), foreign_events and foreign_providers (events of other providers, as `provider count, ...`), unusable_events (teescope events that do not match the contract), trace_contract_version (the event contract the trace matches: 2, 1, newer than 2, older than 2, other than 2; empty when it holds no teescope event); live imports: live (1 while a live import writes the file, 0 once finished), live_ts (trace time of the newest event committed), live_events, live_wall_ms (unix ms of the last commit), live_caught_up (0 while the import had more to read), events_lost, packets_lost
    value TEXT                     -- the value, as text
);

CREATE TABLE import_stats (
    name TEXT PRIMARY KEY,         -- what was counted, e.g. discarded_events, discarded_packets, foreign_events, unknown_event, malformed_event, unmatched_invoke_end, release_of_unknown_object
    severity TEXT NOT NULL,        -- info | data_loss | error
    count INTEGER NOT NULL,        -- how many times
    example TEXT                   -- one occurrence in words, with its time, as plain text
);

CREATE TABLE processes (
    id INTEGER PRIMARY KEY,        -- assigned: a pid seen again after the process ended is another process
    pid INTEGER NOT NULL,          -- raw process id (tgid)
    name TEXT,                     -- procname (the kernel's comm, at most 15 bytes) of its last event
    guest INTEGER NOT NULL DEFAULT 0, -- Xen OP-TEE client id (domid + 1) of the contexts it opened or called through; 0 native
    parent_id INTEGER,             -- processes.id of the parent (proc_fork), NULL if unknown
    start_ts INTEGER NOT NULL,     -- its first event (or its fork)
    end_ts INTEGER,                -- proc_exit, or its last event if it ended otherwise
    end_kind TEXT NOT NULL,        -- exited | vanished (killed, or its exit was not traced) | alive_at_end
    exe TEXT,                      -- executable path (proc_name) of the last program it ran: an exec keeps the process (same id, same pid) and changes exe, cmdline and name; a fork child has its parent's until it execs; NULL when the trace does not say (recorded before proc_name)
    cmdline TEXT,                  -- command line of that program, its arguments separated by one space, at most 4095 bytes as the tracer cut it; NULL as exe
    cmdline_bytes INTEGER,         -- length in bytes of the whole command line: larger than length(cmdline) when it was cut; NULL as exe
    display_name TEXT GENERATED ALWAYS AS (COALESCE(NULLIF(replace(exe, rtrim(exe, replace(exe, '/', '')), ''), ''), name)) VIRTUAL -- what every view calls it: the file name of exe, else name; labels read `display_name (pid N)`
);

CREATE TABLE threads (
    id INTEGER PRIMARY KEY,        -- assigned
    process_id INTEGER NOT NULL,   -- processes.id
    tid INTEGER NOT NULL,          -- raw thread id
    start_ts INTEGER NOT NULL,     -- its first event
    end_ts INTEGER                 -- its last event
);

CREATE TABLE contexts (
    id INTEGER PRIMARY KEY,        -- assigned
    serial INTEGER NOT NULL,       -- context serial of the trace (never reused by the driver)
    process_id INTEGER,            -- processes.id of the opener
    dev TEXT,                      -- device, e.g. tee0
    impl INTEGER,                  -- implementation id (QTEE 4, OP-TEE 1)
    guest INTEGER NOT NULL DEFAULT 0, -- Xen client id; 0 native
    open_ts INTEGER,               -- context_open
    close_ts INTEGER,              -- context_close (last file reference dropped)
    release_ts INTEGER,            -- context_release (freed: no callback object of it held by the TEE)
    handles_at_close INTEGER,      -- handles still bound at close (reclaimed by the driver)
    requests_at_close INTEGER,     -- callback requests pending at close
    end_kind TEXT NOT NULL,        -- released | closed (never released) | dropped_by_guest_destroy (open when its Xen guest was destroyed; close_ts is then) | open_at_end
    origin_unknown INTEGER NOT NULL DEFAULT 0, -- 1 if its open is not in the trace
    end_inferred INTEGER NOT NULL DEFAULT 0    -- 1 if data loss hides how it ended
);

CREATE TABLE context_users (
    context_id INTEGER NOT NULL,   -- contexts.id
    process_id INTEGER NOT NULL,   -- processes.id of a process that invoked through it
    first_ts INTEGER NOT NULL,     -- its first call on the context
    last_ts INTEGER NOT NULL,      -- its last call on the context
    calls INTEGER NOT NULL,        -- invocations and supplicant calls it made there
    PRIMARY KEY (context_id, process_id)
);

CREATE TABLE objects (
    id INTEGER PRIMARY KEY,        -- assigned: one driver object instance
    address INTEGER NOT NULL,      -- driver address of the instance (reused after free)
    kind TEXT NOT NULL,            -- qtee | callback | memory | root | primordial
    class TEXT NOT NULL,           -- what it is: a service name (diagnostics, apploader, ...), client_env, app_controller, app, registration, callback, memory, root, primordial, or uid:N
    uid INTEGER,                   -- service uid or class code of a QTEE object
    sw_id INTEGER,                 -- secure-world object id: instances of the same secure-world object share it
    context_id INTEGER,            -- contexts.id that received it (QTEE object) or hosts it (callback, memory); NULL for driver-internal objects
    ref INTEGER,                   -- user object id of a callback object, shm id of a memory object
    created_ts INTEGER,            -- object_create
    produced_by INTEGER,           -- invocations.id whose result produced it (provenance), NULL if none
    creator_process_id INTEGER,    -- processes.id of the process whose call created it
    creator_thread_id INTEGER,     -- threads.id of that thread
    wire_id INTEGER,               -- callback objects: wire id of the export
    unexported_ts INTEGER,         -- callback objects: the TEE released it (callback_unexport)
    release_queue_ts INTEGER,      -- QTEE objects: last handle gone, release queued to the TEE
    release_done_ts INTEGER,       -- QTEE objects: release sent to the TEE
    release_result INTEGER,        -- QTEE result of the release (0 = released)
    release_retries INTEGER,       -- times the release was retried
    freed_ts INTEGER,              -- object_free
    end_kind TEXT NOT NULL,        -- released | reclaimed_at_close | held_at_exit | alive_at_end | release_failed | release_unobserved | not_released_by_tee | freed
    origin_unknown INTEGER NOT NULL DEFAULT 0, -- 1 if its creation is not in the trace
    end_inferred INTEGER NOT NULL DEFAULT 0    -- 1 if data loss hides how it ended
);

CREATE TABLE handles (
    id INTEGER PRIMARY KEY,        -- assigned: one binding of a handle to an object
    context_id INTEGER NOT NULL,   -- contexts.id whose namespace holds it
    handle INTEGER NOT NULL,       -- raw object id seen by user space (reused)
    object_id INTEGER NOT NULL,    -- objects.id it names
    bind_ts INTEGER,               -- handle_bind
    unbind_ts INTEGER,             -- handle_unbind, NULL if still bound at the end
    unbind_reason TEXT,            -- release | context_close | marshal_undo
    invocation_id INTEGER,         -- invocations.id that bound it, NULL outside an invocation
    request_id INTEGER,            -- callback_requests.id that bound it (objects given to a supplicant)
    process_id INTEGER,            -- processes.id of the process that caused the bind
    end_inferred INTEGER NOT NULL DEFAULT 0 -- 1 if data loss hides its unbind
);

CREATE TABLE invocations (
    id INTEGER PRIMARY KEY,        -- assigned
    serial INTEGER,                -- driver invocation serial (never reused), NULL for user-side only calls
    user_serial INTEGER,           -- per-process serial of the user-side begin/end, NULL without user side
    context_id INTEGER,            -- contexts.id
    process_id INTEGER,            -- processes.id of the caller
    thread_id INTEGER,             -- threads.id of the caller
    object_id INTEGER,             -- objects.id invoked, NULL if unknown
    handle INTEGER,                -- raw object id given (18446744073709551615 = root)
    op INTEGER NOT NULL,           -- operation (65535 RELEASE); OP-TEE: the TA command (func), -1 OPEN_SESSION, -2 CLOSE_SESSION
    bi INTEGER, bo INTEGER, oi INTEGER, oo INTEGER, -- input buffers, output buffers, input objects, output objects
    in_bytes INTEGER,              -- bytes in input buffers
    out_bytes INTEGER,             -- bytes returned in output buffers
    user_begin_ts INTEGER,         -- user side: before the ioctl
    user_end_ts INTEGER,           -- user side: after the ioctl
    drv_begin_ts INTEGER,          -- driver side: invoke_begin (OP-TEE CLOSE_SESSION: its first wait for a thread; NULL without one, its start is not traced)
    drv_end_ts INTEGER,            -- driver side: invoke_end (OP-TEE CLOSE_SESSION: optee_close)
    err INTEGER,                   -- errno of the ioctl (0 success)
    ret INTEGER,                   -- result in the argument (QTEE result; OP-TEE GP result, e.g. 4294901772 = 0xFFFF000C)
    depth INTEGER NOT NULL DEFAULT 0, -- nesting: 0 top level, 1 inside a callback request served by this thread, ...
    parent_request_id INTEGER,     -- callback_requests.id this invocation was made while serving, NULL at top level
    internal INTEGER NOT NULL DEFAULT 0, -- 1 for the driver's own invocations (pid 0)
    end_inferred INTEGER NOT NULL DEFAULT 0, -- 1 if its end is missing (data loss, or the caller died)
    call TEXT,                     -- OP-TEE: open_session | invoke | close_session (OPEN_SESSION, INVOKE, CLOSE_SESSION); NULL for a QTEE OBJECT_INVOKE
    session_id INTEGER,            -- OP-TEE: sessions.id the call opened, invoked or closed
    origin INTEGER,                -- OP-TEE: GP result origin (API 1, COMMS 2, TEE 3, TRUSTED_APP 4)
    guest INTEGER NOT NULL DEFAULT 0, -- Xen client id of the caller's context; 0 native
    wait_ns INTEGER                -- OP-TEE: total time it waited for an OP-TEE thread before running (optee_waits), NULL if it never waited
);

-- Requests served by a supplicant on behalf of an invocation: QTEE callback requests (kind
-- callback) and OP-TEE RPCs to tee-supplicant (kind rpc), so both draw as flows from the
-- invoking thread to the supplicant thread that served them.
CREATE TABLE callback_requests (
    id INTEGER PRIMARY KEY,        -- assigned
    context_id INTEGER,            -- contexts.id of the owner (hosts the callback object; RPC: the supplicant's context), NULL for an RPC no supplicant took
    request INTEGER,               -- raw request id (reused), NULL for an RPC no supplicant took
    object_id INTEGER,             -- objects.id of the callback object invoked (NULL for an RPC)
    op INTEGER NOT NULL,           -- operation (65535 = RELEASE notice); RPC: the command (LOAD_TA 0, RPMB 1, FS 2, SHM_ALLOC 6, SHM_FREE 7, GPROF 9, SOCKET 10, FTRACE 11, PLUGIN 12)
    invocation_id INTEGER,         -- invocations.id during which the TEE made the call (the cause)
    invoker_process_id INTEGER,    -- processes.id of the invoker: the process on whose behalf it runs
    queue_ts INTEGER,              -- request_queue (QUEUED); RPC: optee_rpc_begin
    pick_ts INTEGER,               -- request_pick (PROCESSING)
    answer_ts INTEGER,             -- request_answer (PROCESSED) or request_abandon
    supplicant_thread_id INTEGER,  -- threads.id of the supplicant thread that served it
    ret INTEGER,                   -- result given by the supplicant; RPC: its GP result, unsigned (not answered: the result optee_rpc_end returned)
    err INTEGER,                   -- errno of SUPPL_SEND, if refused
    end_kind TEXT NOT NULL,        -- answered | delivered (RELEASE notice) | invoker_died | owner_closed | bad_answer | bad_request | not_served (RPC returned without a supplicant taking it) | pending_at_end
    end_inferred INTEGER NOT NULL DEFAULT 0, -- 1 if data loss hides how it ended
    kind TEXT NOT NULL DEFAULT 'callback', -- callback (QTEE callback object invoked) | rpc (OP-TEE RPC to tee-supplicant)
    return_ts INTEGER,             -- RPC: optee_rpc_end, the answer went back to the secure world
    guest INTEGER NOT NULL DEFAULT 0 -- Xen client id of the invocation that caused it; 0 native
);

CREATE TABLE async_releases (
    id INTEGER PRIMARY KEY,        -- assigned
    object_id INTEGER,             -- objects.id of the callback object the TEE released
    carrier_invocation_id INTEGER, -- invocations.id on whose return the message came
    carrier_context_id INTEGER,    -- contexts.id of the carrier
    ts INTEGER NOT NULL            -- async_release
);

CREATE TABLE data_loss (
    id INTEGER PRIMARY KEY,        -- assigned, in the order the losses were read
    what TEXT NOT NULL,            -- events | packets: what the tracer discarded; unreadable_packets: packets of a damaged stream file (cut by a crash or a full disk) that the importer could not read
    count INTEGER NOT NULL,        -- how many were lost
    begin_ts INTEGER,              -- the loss happened after this time (NULL if the stream has no clock)
    end_ts INTEGER,                -- and before this time
    stream TEXT                    -- the stream (file) of the trace that lost them, as plain text
);

CREATE TABLE shm (
    id INTEGER PRIMARY KEY,        -- assigned
    context_id INTEGER,            -- contexts.id that created it
    shm INTEGER NOT NULL,          -- raw shm id (reused; unique per guest)
    size INTEGER,                  -- bytes
    how TEXT NOT NULL,             -- alloc | register | unknown (created before the trace, first named by a memref)
    process_id INTEGER,            -- processes.id that created it
    created_ts INTEGER,            -- shm_alloc / shm_register
    freed_ts INTEGER,              -- shm_free
    end_kind TEXT NOT NULL,        -- freed | held_at_exit | alive_at_end
    end_inferred INTEGER NOT NULL DEFAULT 0, -- 1 if data loss hides how it ended
    freed_by TEXT,                 -- client (freed while its process ran, or after the client closed its last descriptor of it) | process_exit (freed at its process's exit: the client never freed it) | guest_destroy (dropped with its guest); NULL unless freed
    guest INTEGER NOT NULL DEFAULT 0, -- Xen client id of its context; 0 native
    rpc_request_id INTEGER,        -- callback_requests.id of the OP-TEE RPC (SHM_ALLOC) the supplicant served by creating it
    origin_unknown INTEGER NOT NULL DEFAULT 0 -- 1 if it was created before the trace (first named by a memref)
);

-- Every memref parameter of an OP-TEE call that named shared memory (optee_memref): which
-- invocations used which shm lifetime.
CREATE TABLE shm_uses (
    id INTEGER PRIMARY KEY,        -- assigned, in the order the memrefs were seen
    shm_id INTEGER,                -- shm.id named; NULL for a NULL memref
    invocation_id INTEGER,         -- invocations.id of the OP-TEE call that passed it
    param INTEGER NOT NULL,        -- parameter index
    shm INTEGER NOT NULL,          -- raw shm id given (-1 for a NULL memref)
    offset INTEGER,                -- offset into the shm
    size INTEGER,                  -- size the caller gave
    dir TEXT NOT NULL,             -- in | out | inout
    ts INTEGER                     -- optee_memref
);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,        -- assigned: one OP-TEE session lifetime (a failed open gets a row too)
    context_id INTEGER,            -- contexts.id
    session INTEGER,               -- raw session id (reused after close); NULL for a failed open
    uuid TEXT,                     -- trusted application uuid (its name: ta_names)
    login INTEGER,                 -- login method (PUBLIC 0, USER 1, GROUP 2, APPLICATION 4, USER_APPLICATION 5, GROUP_APPLICATION 6)
    guest INTEGER NOT NULL DEFAULT 0, -- Xen client id; 0 native
    open_ts INTEGER,               -- OPEN_SESSION returned (opened, or failed)
    close_ts INTEGER,              -- closed
    ret INTEGER,                   -- GP result of the open
    origin INTEGER,                -- result origin of the open
    end_kind TEXT NOT NULL,        -- closed (CLOSE_SESSION) | closed_at_release (its context was released with it open) | closed_by_guest_destroy | failed | open_at_end
    process_id INTEGER,            -- processes.id of the process that opened it
    thread_id INTEGER,             -- threads.id of the thread that opened it
    opened_by INTEGER,             -- invocations.id of its OPEN_SESSION
    closed_by INTEGER,             -- invocations.id of its CLOSE_SESSION; NULL when the driver closed it
    err INTEGER,                   -- errno of the OPEN_SESSION ioctl
    origin_unknown INTEGER NOT NULL DEFAULT 0, -- 1 if it was opened before the trace (first seen in an invoke or close)
    end_inferred INTEGER NOT NULL DEFAULT 0    -- 1 if data loss hides how it ended
);

-- Time an OP-TEE call waited before the secure world ran it: for a free OP-TEE thread, or under
-- Xen for its guest's limit of calls in flight. A call may wait several times.
CREATE TABLE optee_waits (
    id INTEGER PRIMARY KEY,        -- assigned
    invocation_id INTEGER,         -- invocations.id of the waiting call; NULL for a close the driver makes itself (context release)
    context_id INTEGER,            -- contexts.id of the call
    thread_id INTEGER,             -- threads.id of the waiting thread
    guest INTEGER NOT NULL DEFAULT 0, -- Xen client id; 0 native
    reason TEXT NOT NULL,          -- no_thread (every OP-TEE thread busy) | guest_limit (the guest at the Xen mediator's limit of calls in flight)
    begin_ts INTEGER,              -- optee_wait_begin
    end_ts INTEGER,                -- optee_wait_end; NULL if it never got a thread within the trace
    end_inferred INTEGER NOT NULL DEFAULT 0 -- 1 if data loss hides its end
);

-- Xen guests: one row per lifetime of a guest's OP-TEE partition.
CREATE TABLE guests (
    id INTEGER PRIMARY KEY,        -- assigned (a client id comes back when Xen reuses the domain id)
    guest INTEGER NOT NULL,        -- Xen OP-TEE client id (domid + 1)
    threads INTEGER,               -- OP-TEE threads of the guest: its limit of calls in flight
    created_ts INTEGER,            -- guest_create; NULL if created before the trace
    destroyed_ts INTEGER,          -- guest_destroy; NULL if alive at the end
    contexts_dropped INTEGER,      -- contexts still open when it was destroyed (closed with it)
    sessions_dropped INTEGER,      -- sessions still open then (closed by the secure world)
    shm_dropped INTEGER,           -- shared buffers still registered then (unpinned)
    end_kind TEXT NOT NULL,        -- destroyed | alive_at_end
    origin_unknown INTEGER NOT NULL DEFAULT 0, -- 1 if created before the trace (first seen in a context or call of the guest)
    end_inferred INTEGER NOT NULL DEFAULT 0    -- 1 if data loss hides how it ended
);

-- Names of trusted applications by uuid: teescope's catalogue of known TAs, then the entries of
-- the user's TA name file read at import time (which win). Filled when the trace holds OP-TEE.
CREATE TABLE ta_names (
    uuid TEXT PRIMARY KEY,         -- trusted application uuid, lower case 8-4-4-4-12
    name TEXT NOT NULL,            -- its name (the latency class of its calls)
    source TEXT NOT NULL           -- builtin (teescope's catalogue) | user (the names file)
);

CREATE TABLE ta_commands (
    uuid TEXT NOT NULL,            -- trusted application uuid
    func INTEGER NOT NULL,         -- command id (INVOKE func)
    name TEXT NOT NULL,            -- its name
    source TEXT NOT NULL,          -- builtin | user
    PRIMARY KEY (uuid, func)
);

-- Names of QTEE ops by object class: teescope's catalogue of the well-known services (root,
-- client_env, apploader, app_controller, the credentials' IIO, teesim's services, release and
-- retain of every object), then the `op` lines of the user's names file (which win). Filled when
-- the trace holds QTEE.
CREATE TABLE op_names (
    class TEXT NOT NULL,           -- objects.class (e.g. app, client_env); * for every class; credentials for the ops of a callback object passed to the root's register call (IIO)
    op INTEGER NOT NULL,           -- operation number (invocations.op, callback_requests.op)
    name TEXT NOT NULL,            -- its name, e.g. add, register_as_client, release
    source TEXT NOT NULL,          -- builtin (teescope's catalogue) | user (the names file)
    PRIMARY KEY (class, op)
);

CREATE TABLE latency (
    class TEXT NOT NULL,           -- objects.class of the invoked object; OP-TEE: the TA's name (ta_names), else its uuid; of no known object: driver (kernel) for the driver's own calls (invocations.internal), else unknown
    op INTEGER NOT NULL,           -- operation (OP-TEE: the command, -1 open, -2 close)
    count INTEGER NOT NULL,        -- invocations with both driver times
    min_ns INTEGER, p50_ns INTEGER, p90_ns INTEGER, p99_ns INTEGER, p999_ns INTEGER, max_ns INTEGER, -- driver-side duration (drv_end_ts - drv_begin_ts) percentiles
    PRIMARY KEY (class, op)
);

-- The names of the latency rows' ops that have one: OP-TEE TA commands (ta_commands). The
-- latency_ops view gives every row its op in words.
CREATE TABLE latency_op_names (
    class TEXT NOT NULL,           -- latency.class (a TA's name, else its uuid)
    op INTEGER NOT NULL,           -- latency.op (a TA command)
    op_name TEXT NOT NULL,         -- the command's name
    PRIMARY KEY (class, op)
);

-- Invocations summed per caller process, target, op and guest, written when the import finishes:
-- views of millions of invocations (the capability graph's invoke edges, the latency charts'
-- histograms) read these few rows instead. Durations are driver-side (drv_end_ts - drv_begin_ts).
CREATE TABLE invocation_groups (
    id INTEGER PRIMARY KEY,        -- assigned, in the order of (process_id, object_id, session_id, internal, guest, op), NULLs first
    process_id INTEGER,            -- invocations.process_id of the calls
    object_id INTEGER,             -- invocations.object_id
    session_id INTEGER,            -- invocations.session_id
    internal INTEGER NOT NULL,     -- invocations.internal
    guest INTEGER NOT NULL,        -- invocations.guest
    op INTEGER NOT NULL,           -- invocations.op
    calls INTEGER NOT NULL,        -- invocations of the group
    measured INTEGER NOT NULL,     -- of them, those with both driver times
    total_ns INTEGER,              -- sum of their durations (a negative one counts 0; at most 9223372036854775807); NULL when none is measured
    min_ns INTEGER,                -- shortest duration; NULL when none is measured
    max_ns INTEGER,                -- longest duration; NULL when none is measured
    slowest_id INTEGER,            -- invocations.id of the longest (the smallest id among equals); NULL when none is measured
    first_ts INTEGER,              -- earliest begin: COALESCE(drv_begin_ts, user_begin_ts)
    last_ts INTEGER                -- latest end: COALESCE(drv_end_ts, user_end_ts, drv_begin_ts, user_begin_ts)
);

-- The durations of each group's measured invocations in log-scale buckets, ten per decade.
CREATE TABLE invocation_group_durations (
    group_id INTEGER NOT NULL,     -- invocation_groups.id
    bucket INTEGER NOT NULL,       -- durations in [ceil(10^(bucket/10)), ceil(10^((bucket+1)/10))) ns; 0: below 2 ns (or negative)
    count INTEGER NOT NULL,        -- measured invocations of the group in it
    PRIMARY KEY (group_id, bucket)
) WITHOUT ROWID;

-- The timeline's summary of the invocations and callback requests, written when the import
-- finishes: per lane (a thread, or 0 for the driver's own lane), power-of-two time buckets of
-- 2^shift ns from origin. A timeline of millions of invocations paints from these rows and reads
-- the detail of the range in view by id. Empty while a live import writes the file.
CREATE TABLE timeline_summary (
    origin INTEGER NOT NULL,             -- start of bucket 0 (metadata.first_ts)
    shift INTEGER NOT NULL,              -- buckets are 2^shift ns long
    last_invocation_id INTEGER NOT NULL, -- largest invocations.id summed (0: none)
    last_request_id INTEGER NOT NULL     -- largest callback_requests.id summed (0: none)
);

-- The lanes of the timeline summary.
CREATE TABLE timeline_lanes (
    thread_id INTEGER PRIMARY KEY,       -- threads.id of the lane (of the calling or supplicant thread); 0: the driver's lane and what has no thread
    invocations INTEGER NOT NULL,        -- invocations of the lane with a time
    requests INTEGER NOT NULL,           -- callback requests or RPCs the lane served, with a time
    max_depth INTEGER NOT NULL           -- deepest nesting of its invocations (-1: none)
);

-- The non-empty buckets of each lane. An invocation's time runs from its user-side begin (else
-- driver-side, else the earliest time it has) to its user-side end (else driver-side, else the
-- latest); a request's from queue_ts (else pick_ts, else answer_ts) to answer_ts.
CREATE TABLE timeline_buckets (
    thread_id INTEGER NOT NULL,          -- timeline_lanes.thread_id
    bucket INTEGER NOT NULL,             -- [origin + bucket * 2^shift, origin + (bucket + 1) * 2^shift); times before origin go to 0
    count INTEGER NOT NULL,              -- invocations that began in it (at most 4294967295)
    errors INTEGER NOT NULL,             -- of them, those that failed: err or ret not 0 (at most 65535)
    requests INTEGER NOT NULL,           -- callback requests or RPCs that began in it (at most 65535)
    max_depth INTEGER NOT NULL,          -- deepest invocations.depth of those that began in it (-1: none)
    busy_ns INTEGER NOT NULL,            -- time of it covered by the lane's top-level (depth 0) invocations
    request_busy_ns INTEGER NOT NULL,    -- time of it covered by the requests the lane served
    PRIMARY KEY (thread_id, bucket)
) WITHOUT ROWID;

-- Per bucket, over every lane, the ids to read for the invocations overlapping a time range
-- (ids grow with the time an invocation begins): those spanning at most 3 buckets are in
-- [lo_id of the range's buckets, hi_id of its buckets and the 2 before]; longer ones are in
-- timeline_long.
CREATE TABLE timeline_id_ranges (
    bucket INTEGER PRIMARY KEY,          -- timeline_buckets.bucket
    lo_id INTEGER,                       -- smallest invocations.id of the short invocations overlapping it; NULL: none
    hi_id INTEGER                        -- largest invocations.id of the short invocations beginning in it; NULL: none
);

-- Invocations spanning more than 3 buckets, and the rows with no end yet.
CREATE TABLE timeline_long (
    id INTEGER NOT NULL,                 -- invocations.id (kind 0, 1) or callback_requests.id (kind 2)
    begin_ts INTEGER NOT NULL,           -- its time's begin, as in timeline_buckets
    end_ts INTEGER NOT NULL,             -- its time's end, as in timeline_buckets
    kind INTEGER NOT NULL                -- 0: a long invocation; 1: an invocation with no end; 2: a request with no end
);
