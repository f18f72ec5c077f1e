-- SPDX-License-Identifier: MIT
-- Views of the trace database for the questions users ask (leaks, sharing, import statistics).
-- Created with the tables, embedded in the store library next to schemas/teescope.sql.
-- "The end of the trace" is metadata.last_ts; a process label is "name (pid N)", its name
-- being processes.display_name (the program's file name, else the procname).
-- Every column has a comment.

-- One row per leak, of each kind of the domain model:
--   held_at_end            a handle still bound at the end, its holder process alive
--   reclaimed_at_close     a handle unbound by context close, or still bound when its holder
--                          process ended: the process exited (or closed the device) holding it
--   release_failed         the TEE refused the release (objects.end_kind)
--   release_unobserved     the handle went away but the release to the TEE was never seen
--   callback_not_released  a callback object exported to the TEE and never released by it
--   shm_not_freed          shared memory never freed
--   shm_freed_at_exit      OP-TEE shared memory the client never freed: freed only when its
--                          process exited (shm.freed_by = process_exit)
--   shm_freed_by_guest_destroy  OP-TEE shared memory still registered when its guest was destroyed
--   session_not_closed     an OP-TEE session still open at the end
--   session_closed_at_release   an OP-TEE session the client never closed: closed when its
--                          context was released (the process exited or closed the device)
--   session_closed_by_guest_destroy  an OP-TEE session still open when its guest was destroyed
-- Root and primordial objects belong to their context and are never leaks. While a live import
-- writes the file, what open processes, contexts, shm and callbacks hold (end_kind 'live') is
-- held now, and no leak yet. Every leak names its
-- guest (0 native); leaks_per_guest counts them per guest and kind.
CREATE VIEW leaks AS
WITH RECURSIVE
    trace_end(ts) AS (SELECT CAST(value AS INTEGER) FROM metadata WHERE key = 'last_ts'),
    -- live: its process or context is still open in a database a live import is writing (end_kind
    -- 'live'): what it holds is held now, not left behind, and is no leak (yet).
    holder(handle_id, object_id, reason, unbound, alive, live) AS (
        SELECT h.id, h.object_id, h.unbind_reason, h.unbind_ts IS NOT NULL,
               COALESCE(p.end_kind = 'alive_at_end', c.end_kind = 'open_at_end', 0),
               COALESCE(p.end_kind = 'live', 0) OR COALESCE(c.end_kind = 'live', 0)
          FROM handles h
          JOIN objects o ON o.id = h.object_id
          LEFT JOIN contexts c ON c.id = h.context_id
          LEFT JOIN processes p ON p.id = c.process_id
         WHERE o.kind NOT IN ('root', 'primordial')),
    leak_objects(kind, object_id) AS (
        SELECT 'held_at_end', object_id FROM holder WHERE NOT unbound AND alive AND NOT live
        UNION
        SELECT 'reclaimed_at_close', object_id FROM holder
         WHERE reason = 'context_close' OR (NOT unbound AND NOT alive AND NOT live)
        UNION ALL
        SELECT end_kind, id FROM objects WHERE end_kind IN ('release_failed', 'release_unobserved')
        UNION ALL
        SELECT 'callback_not_released', id FROM objects
         WHERE kind = 'callback' AND unexported_ts IS NULL AND end_kind <> 'live'
           AND (wire_id IS NOT NULL OR end_kind = 'not_released_by_tee')),
    -- Walks objects.produced_by -> invocations.object_id up to the root, one row per step.
    chain(object_id, cur, path, depth) AS (
        SELECT o.id, o.id, o.class, 0 FROM objects o
         WHERE o.id IN (SELECT object_id FROM leak_objects)
        UNION ALL
        SELECT ch.object_id, t.id,
               COALESCE(t.class, CASE WHEN i.handle = -1 THEN 'root' ELSE '?' END) || ' → ' || ch.path,
               ch.depth + 1
          FROM chain ch
          JOIN objects c ON c.id = ch.cur
          JOIN invocations i ON i.id = c.produced_by
          LEFT JOIN objects t ON t.id = i.object_id
         WHERE ch.depth < 64),
    -- The longest path per object (SQLite takes the bare column from the MAX row); a chain cut
    -- at 64 steps starts with "…".
    provenance(object_id, path, depth) AS (
        SELECT object_id, CASE WHEN MAX(depth) >= 64 THEN '… → ' || path ELSE path END, MAX(depth)
          FROM chain GROUP BY object_id)
SELECT
    l.kind AS kind,                         -- leak kind (see above)
    l.object_id AS object_id,               -- objects.id (shm.id for the shm kinds, sessions.id for the session kinds)
    o.class AS class,                       -- objects.class; 'shm' for shared memory; the TA's name (else its uuid) for a session
    o.uid AS uid,                           -- service uid or class code (QTEE objects)
    o.sw_id AS sw_id,                       -- secure-world object id (the raw session id for a session)
    cp.pid AS creator_pid,                  -- raw pid of the process whose call created it
    COALESCE(cp.display_name, CASE WHEN cp.id IS NULL AND o.origin_unknown = 0 THEN 'driver (kernel)' END)
        AS creator_name,                    -- its name (processes.display_name); 'driver (kernel)' for the driver's own work (no process)
    o.created_ts AS created_ts,             -- when it was created (session: opened)
    (SELECT ts FROM trace_end) - o.created_ts AS age_ns, -- end of the trace - created_ts
    o.produced_by AS produced_by,           -- invocations.id whose result produced it (session: its OPEN_SESSION)
    pv.path AS provenance,                  -- classes from the root down to this object, e.g. "root → client_env → app"
    (SELECT group_concat(label, ', ') FROM (
        SELECT DISTINCT COALESCE(hp.display_name, '?') || ' (pid ' || hp.pid || ')' AS label
          FROM handles h
          JOIN contexts hc ON hc.id = h.context_id
          JOIN processes hp ON hp.id = hc.process_id
              OR hp.id IN (SELECT process_id FROM context_users WHERE context_id = hc.id)
         WHERE h.object_id = l.object_id AND h.unbind_ts IS NULL
         ORDER BY hp.pid)) AS holders,       -- processes whose context still holds it at the end
    COALESCE(oc.guest, 0) AS guest          -- Xen client id of its context (0 native)
FROM leak_objects l
JOIN objects o ON o.id = l.object_id
LEFT JOIN contexts oc ON oc.id = o.context_id
LEFT JOIN provenance pv ON pv.object_id = l.object_id
LEFT JOIN processes cp ON cp.id = COALESCE(o.creator_process_id, oc.process_id)
UNION ALL
SELECT 'shm_not_freed', s.id, 'shm', NULL, NULL, p.pid, p.display_name, s.created_ts,
       (SELECT CAST(value AS INTEGER) FROM metadata WHERE key = 'last_ts') - s.created_ts,
       NULL, NULL,
       CASE WHEN s.end_kind = 'alive_at_end' THEN COALESCE(p.display_name, '?') || ' (pid ' || p.pid || ')' END,
       COALESCE(c.guest, s.guest)
  FROM shm s
  LEFT JOIN contexts c ON c.id = s.context_id
  LEFT JOIN processes p ON p.id = COALESCE(s.process_id, c.process_id)
 WHERE s.end_kind NOT IN ('freed', 'live')
UNION ALL
-- OP-TEE shm (the memory itself is what a client passes; QTEE passes memory objects, whose
-- leaks are the object kinds above).
SELECT CASE s.freed_by WHEN 'process_exit' THEN 'shm_freed_at_exit' ELSE 'shm_freed_by_guest_destroy' END,
       s.id, 'shm', NULL, NULL, p.pid, p.display_name, s.created_ts,
       (SELECT CAST(value AS INTEGER) FROM metadata WHERE key = 'last_ts') - s.created_ts,
       NULL, NULL, NULL, COALESCE(c.guest, s.guest)
  FROM shm s
  LEFT JOIN contexts c ON c.id = s.context_id
  LEFT JOIN processes p ON p.id = COALESCE(s.process_id, c.process_id)
 WHERE s.freed_by IN ('process_exit', 'guest_destroy') AND (c.impl = 1 OR s.guest <> 0)
UNION ALL
SELECT CASE se.end_kind WHEN 'open_at_end' THEN 'session_not_closed'
                        WHEN 'closed_at_release' THEN 'session_closed_at_release'
                        ELSE 'session_closed_by_guest_destroy' END,
       se.id, COALESCE(t.name, se.uuid), NULL, se.session, p.pid, p.display_name, se.open_ts,
       (SELECT CAST(value AS INTEGER) FROM metadata WHERE key = 'last_ts') - se.open_ts,
       se.opened_by, NULL,
       CASE WHEN se.end_kind = 'open_at_end' AND p.end_kind = 'alive_at_end'
            THEN COALESCE(p.display_name, '?') || ' (pid ' || p.pid || ')' END,
       se.guest
  FROM sessions se
  LEFT JOIN ta_names t ON t.uuid = se.uuid
  LEFT JOIN contexts c ON c.id = se.context_id
  LEFT JOIN processes p ON p.id = COALESCE(se.process_id, c.process_id)
 WHERE se.end_kind IN ('open_at_end', 'closed_at_release', 'closed_by_guest_destroy');

-- Leaks per guest and kind (guest 0: native).
CREATE VIEW leaks_per_guest AS
SELECT
    guest AS guest,                                 -- Xen client id (0 native)
    kind AS kind,                                   -- leak kind (see leaks)
    COUNT(*) AS leaks                               -- leaks of that kind in that guest
FROM leaks GROUP BY guest, kind;

-- The same secure-world object held through handles of two or more contexts at overlapping
-- times (a handle without unbind is held until the end of the trace). One row per sw_id.
-- A sweep, not a pairwise join: each context's handles of an sw_id are merged into islands,
-- islands of one context never overlap, so any overlap between islands is sharing.
CREATE VIEW sharing_objects AS
WITH
    bounds(first_ts, last_ts) AS (
        SELECT (SELECT CAST(value AS INTEGER) FROM metadata WHERE key = 'first_ts'),
               (SELECT CAST(value AS INTEGER) FROM metadata WHERE key = 'last_ts')),
    held(id, context_id, process_id, sw_id, class, b, e) AS (
        SELECT h.id, h.context_id, c.process_id, o.sw_id, o.class,
               COALESCE(h.bind_ts, (SELECT first_ts FROM bounds), 0),
               COALESCE(h.unbind_ts, (SELECT last_ts FROM bounds), 9223372036854775807)
          FROM handles h
          JOIN objects o ON o.id = h.object_id
          LEFT JOIN contexts c ON c.id = h.context_id
         WHERE o.sw_id IS NOT NULL AND o.kind NOT IN ('root', 'primordial')),
    in_context AS (
        SELECT *, MAX(e) OVER (PARTITION BY sw_id, context_id ORDER BY b, id
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_e
          FROM held),
    numbered AS (
        SELECT *, SUM(prev_e IS NULL OR b > prev_e) OVER (PARTITION BY sw_id, context_id ORDER BY b, id) AS island
          FROM in_context),
    islands AS (
        SELECT sw_id, context_id, MIN(process_id) AS process_id, MIN(class) AS class, MIN(b) AS b, MAX(e) AS e
          FROM numbered GROUP BY sw_id, context_id, island),
    swept AS (
        SELECT *, MAX(e) OVER (PARTITION BY sw_id ORDER BY b, context_id
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_e,
               LEAD(b) OVER (PARTITION BY sw_id ORDER BY b, context_id) AS next_b
          FROM islands),
    members AS (
        SELECT * FROM swept WHERE b < prev_e OR next_b < e),
    labels(sw_id, holders) AS (
        SELECT sw_id, group_concat(label, ', ') FROM (
            SELECT DISTINCT m.sw_id, p.pid, COALESCE(p.display_name, '?') || ' (pid ' || p.pid || ')' AS label
              FROM members m JOIN processes p ON p.id = m.process_id
             ORDER BY m.sw_id, p.pid, label)
         GROUP BY sw_id)
SELECT
    g.sw_id AS sw_id,                               -- secure-world object id
    g.class AS class,                               -- objects.class
    g.contexts AS contexts,                         -- contexts holding it at overlapping times
    g.processes AS processes,                       -- their opener processes
    l.holders AS holders,                           -- those processes, "name (pid N), ..."
    g.s AS overlap_start_ts,                        -- first moment two contexts held it
    g.e AS overlap_end_ts                           -- last moment two contexts held it
FROM (SELECT sw_id, MIN(class) AS class, COUNT(DISTINCT context_id) AS contexts,
             COUNT(DISTINCT process_id) AS processes,
             MIN(CASE WHEN b < prev_e THEN b END) AS s,
             MAX(CASE WHEN b < prev_e THEN MIN(e, prev_e) END) AS e
        FROM members GROUP BY sw_id) g
LEFT JOIN labels l ON l.sw_id = g.sw_id;

-- Contexts used by two or more processes (fork, descriptor passing): the opener and every
-- process that called through the context.
CREATE VIEW sharing_contexts AS
WITH
    users(context_id, process_id) AS (
        SELECT context_id, process_id FROM context_users
        UNION
        SELECT id, process_id FROM contexts WHERE process_id IS NOT NULL),
    shared(context_id, processes) AS (
        SELECT context_id, COUNT(*) FROM users GROUP BY context_id HAVING COUNT(*) >= 2),
    labels(context_id, users) AS (
        SELECT context_id, group_concat(label, ', ') FROM (
            SELECT u.context_id, COALESCE(p.display_name, '?') || ' (pid ' || p.pid || ')' AS label
              FROM users u JOIN shared s ON s.context_id = u.context_id
              JOIN processes p ON p.id = u.process_id
             ORDER BY u.context_id, p.pid, p.id)
         GROUP BY context_id),
    calls(context_id, first_ts, last_ts, calls) AS (
        SELECT cu.context_id, MIN(cu.first_ts), MAX(cu.last_ts), SUM(cu.calls)
          FROM context_users cu JOIN shared s ON s.context_id = cu.context_id
         GROUP BY cu.context_id)
SELECT
    c.id AS context_id,                             -- contexts.id
    c.serial AS serial,                             -- context serial of the trace
    op.pid AS opener_pid,                           -- raw pid of the process that opened it
    op.display_name AS opener_name,                 -- its name (processes.display_name)
    s.processes AS processes,                       -- distinct processes using it (opener included)
    l.users AS users,                               -- those processes, "name (pid N), ..."
    k.first_ts AS first_ts,                         -- first call through it
    k.last_ts AS last_ts,                           -- last call through it
    k.calls AS calls                                -- calls through it
FROM shared s
JOIN contexts c ON c.id = s.context_id
LEFT JOIN processes op ON op.id = c.process_id
LEFT JOIN labels l ON l.context_id = s.context_id
LEFT JOIN calls k ON k.context_id = s.context_id;

-- Callback requests served by one process (the owner of the callback object, or tee-supplicant
-- for OP-TEE RPCs) on behalf of another (the invoker): one row per invoker process, owner
-- context and request kind.
CREATE VIEW callback_flows AS
SELECT
    r.invoker_process_id AS invoker_process_id,    -- processes.id of the invoker
    ip.pid AS invoker_pid,                          -- its raw pid
    ip.display_name AS invoker_name,                -- its name (processes.display_name)
    r.context_id AS owner_context_id,               -- contexts.id hosting the callback objects
    c.process_id AS owner_process_id,               -- processes.id of the owner context's process
    op.pid AS owner_pid,                            -- its raw pid
    op.display_name AS owner_name,                  -- its name (processes.display_name)
    COUNT(*) AS requests,                           -- callback requests
    SUM(r.end_kind IN ('answered', 'delivered')) AS answered, -- answered (or RELEASE notices delivered)
    MIN(r.answer_ts - r.queue_ts) AS min_ns,        -- fastest queue -> answer
    CAST(AVG(r.answer_ts - r.queue_ts) AS INTEGER) AS avg_ns, -- mean queue -> answer
    MAX(r.answer_ts - r.queue_ts) AS max_ns,        -- slowest queue -> answer
    SUM(r.answer_ts - r.queue_ts) AS total_ns,      -- time the invokers waited on the owner in total
    r.kind AS kind                                  -- callback (QTEE) | rpc (OP-TEE RPC to tee-supplicant)
FROM callback_requests r
JOIN contexts c ON c.id = r.context_id
LEFT JOIN processes ip ON ip.id = r.invoker_process_id
LEFT JOIN processes op ON op.id = c.process_id
WHERE r.invoker_process_id IS NOT NULL AND c.process_id IS NOT NULL
  AND r.invoker_process_id <> c.process_id
GROUP BY r.invoker_process_id, r.context_id, r.kind;

-- The TEE stacks the trace holds: one row per stack present (QTEE, OP-TEE), with the number of
-- its contexts and, for OP-TEE under Xen, of its guests.
CREATE VIEW stacks AS
WITH guest_ids(guest) AS (
    SELECT guest FROM guests
    UNION SELECT guest FROM contexts WHERE guest <> 0
    UNION SELECT guest FROM processes WHERE guest <> 0)
SELECT
    'QTEE' AS stack,                                -- QTEE | OP-TEE
    (SELECT COUNT(*) FROM contexts WHERE impl = 4) AS contexts, -- contexts of that stack's devices
    0 AS guests,                                    -- Xen guests (OP-TEE only)
    'QTEE' AS description                           -- in words, e.g. "OP-TEE under Xen, 2 guests"
 WHERE EXISTS (SELECT 1 FROM contexts WHERE impl = 4)
    OR EXISTS (SELECT 1 FROM objects WHERE kind IN ('qtee', 'callback'))
UNION ALL
SELECT 'OP-TEE', (SELECT COUNT(*) FROM contexts WHERE impl = 1), g.n,
       CASE g.n WHEN 0 THEN 'OP-TEE' WHEN 1 THEN 'OP-TEE under Xen, 1 guest'
                ELSE 'OP-TEE under Xen, ' || g.n || ' guests' END
  FROM (SELECT COUNT(*) AS n FROM guest_ids) g
 WHERE EXISTS (SELECT 1 FROM contexts WHERE impl = 1) OR EXISTS (SELECT 1 FROM sessions)
    OR EXISTS (SELECT 1 FROM guests);

-- The latency table with each op in words: a TA command's name, open / close (OP-TEE session
-- calls), a QTEE op's name (op_names: of its class, else of every class, e.g. release), or the
-- number.
CREATE VIEW latency_ops AS
SELECT
    l.class AS class,                               -- latency.class: an object class, or a TA's name (else its uuid)
    l.op AS op,                                     -- latency.op
    COALESCE(n.op_name, q.name, e.name,
             CASE l.op WHEN -1 THEN 'open' WHEN -2 THEN 'close' WHEN 65535 THEN 'release'
                       ELSE CAST(l.op AS TEXT) END) AS op_name, -- the op in words
    l.count AS count,                               -- invocations with both driver times
    l.min_ns AS min_ns,                             -- fastest
    l.p50_ns AS p50_ns,                             -- median
    l.p90_ns AS p90_ns,                             -- 90th percentile
    l.p99_ns AS p99_ns,                             -- 99th percentile
    l.p999_ns AS p999_ns,                           -- 99.9th percentile
    l.max_ns AS max_ns                              -- slowest
FROM latency l
LEFT JOIN latency_op_names n ON n.class = l.class AND n.op = l.op
LEFT JOIN op_names q ON q.class = l.class AND q.op = l.op
LEFT JOIN op_names e ON e.class = '*' AND e.op = l.op;

-- The import statistics, then a total per severity and a grand total.
CREATE VIEW import_summary AS
SELECT
    'stat' AS scope,                                -- stat (one statistic) | total
    name AS name,                                   -- import_stats.name, or total_<severity> / total
    severity AS severity,                           -- info | data_loss | error (all for the grand total)
    count AS count,                                 -- how many times
    example AS example                              -- one occurrence in words (stat rows only)
FROM import_stats
UNION ALL
SELECT 'total', 'total_' || severity, severity, SUM(count), NULL FROM import_stats GROUP BY severity
UNION ALL
SELECT 'total', 'total', 'all', COALESCE(SUM(count), 0), NULL FROM import_stats;
