-- The secure storage reaches the REE file system through tee-supplicant: per call, the FS
-- requests (op 2) and the SHM_ALLOC/SHM_FREE (6/7) of the thread's RPC buffer; the open of a
-- missing object is answered ITEM_NOT_FOUND (0xFFFF0008) by the supplicant, as OP-TEE's REE FS
-- expects, and every RPC is answered.
SELECT i.id AS invocation, i.call, COALESCE(c.name, i.op) AS command,
       sum(r.op = 0) AS load_ta, sum(r.op = 2) AS fs, sum(r.op = 6) AS shm_alloc, sum(r.op = 7) AS shm_free,
       (SELECT group_concat(DISTINCT printf('%X', r2.ret)) FROM callback_requests r2
         WHERE r2.invocation_id = i.id AND r2.ret <> 0) AS failed_rpcs,
       group_concat(DISTINCT r.end_kind) AS ends
  FROM invocations i JOIN sessions s ON s.id = i.session_id
  LEFT JOIN ta_commands c ON c.uuid = s.uuid AND c.func = i.op
  JOIN callback_requests r ON r.invocation_id = i.id
 GROUP BY i.id ORDER BY i.id;
