-- scenario_leaky: the forked service child is still alive at the end holding its client env and
-- Diagnostics (held_at_end, it is the holder); the client exited without releasing Diagnostics,
-- the app controller and the app, so its context close reclaimed them (reclaimed_at_close, no
-- holder left); the listener it registered was never released by the TEE (callback_not_released).
-- The client's shared memory was freed by the driver when it exited: no shm_not_freed.
SELECT l.kind, l.class,
       CASE WHEN p.parent_id IS NULL THEN 'client' ELSE 'service child' END AS creator,
       p.end_kind AS creator_end, l.provenance,
       CASE WHEN l.holders IS NULL THEN NULL
            WHEN l.holders = p.display_name || ' (pid ' || p.pid || ')' THEN 'creator' ELSE l.holders END AS holders,
       l.age_ns > 0 AS aged
  FROM leaks l JOIN processes p ON p.pid = l.creator_pid
 ORDER BY l.kind, p.parent_id IS NULL, l.created_ts;
