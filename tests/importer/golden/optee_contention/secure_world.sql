-- Never more than OP-TEE's two threads' worth of calls run in the secure world at once: a call
-- runs from the end of its last wait (or its driver begin) to its driver end. With six callers,
-- both threads are in use at some time. The 30 s SLEEP cancelled from another thread returns
-- CANCEL (0xFFFF0002) from the TA long before.
WITH run(id, b, e) AS (
  SELECT i.id, COALESCE((SELECT max(end_ts) FROM optee_waits w WHERE w.invocation_id = i.id), i.drv_begin_ts), i.drv_end_ts
    FROM invocations i WHERE i.drv_begin_ts IS NOT NULL AND i.drv_end_ts IS NOT NULL)
SELECT (SELECT max(n) FROM (SELECT (SELECT count(*) FROM run r2 WHERE r2.b <= r1.b AND r1.b < r2.e) AS n FROM run r1)) AS max_running,
       (SELECT group_concat(printf('%X/%d', ret, origin)) FROM invocations WHERE call = 'invoke' AND ret <> 0) AS failures,
       (SELECT max(drv_end_ts - drv_begin_ts) < 1000000000 FROM invocations WHERE ret = 4294901762) AS cancelled_early,
       (SELECT count(*) FROM sessions WHERE end_kind = 'closed') AS sessions_closed,
       (SELECT count(*) FROM sessions) AS sessions;
