-- User and driver sides of every client invocation are joined (thread + time containment): 70
-- invocations of the client, all with both sides, the driver span inside the user span; the
-- driver's own two invocations at start-up are internal and have no user side.
SELECT internal, COUNT(*) AS invocations,
       SUM(user_begin_ts IS NOT NULL AND drv_begin_ts IS NOT NULL) AS joined,
       SUM(user_begin_ts <= drv_begin_ts AND drv_end_ts <= user_end_ts) AS contained,
       SUM(err = 0 AND ret = 0) AS succeeded, MAX(depth) AS max_depth
  FROM invocations GROUP BY internal ORDER BY internal;
