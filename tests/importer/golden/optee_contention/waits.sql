-- scenario_optee_contention: six workload sessions in two processes of three threads SLEEP at
-- once against OP-TEE's two threads: calls wait in the driver for a thread (reason no_thread).
-- Every wait ended within the trace; an invocation's wait_ns is the sum of its waits.
SELECT w.reason, i.call, count(*) AS waits, sum(w.end_ts IS NOT NULL) AS ended,
       sum(w.guest) AS guests, count(DISTINCT w.invocation_id) AS calls,
       sum(w.end_ts >= w.begin_ts AND w.begin_ts >= i.drv_begin_ts AND w.end_ts <= i.drv_end_ts) AS inside_call,
       (SELECT count(*) FROM invocations j
         WHERE j.wait_ns IS NOT NULL
           AND j.wait_ns <> (SELECT sum(end_ts - begin_ts) FROM optee_waits v WHERE v.invocation_id = j.id)) AS wait_ns_mismatches
  FROM optee_waits w JOIN invocations i ON i.id = w.invocation_id
 GROUP BY w.reason, i.call ORDER BY w.reason, i.call;
