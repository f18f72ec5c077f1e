-- The shm of the run: the supplicant registers one 49460-byte buffer per TA load (the TA image),
-- made by its SHM_ALLOC RPC; the ECHO client registers its own buffers. Every one is freed by
-- its client; each memref of an ECHO names a registered shm with its direction.
SELECT s.how, s.size, s.end_kind, s.freed_by, p.name AS process,
       (SELECT op FROM callback_requests r WHERE r.id = s.rpc_request_id) AS made_by_rpc,
       (SELECT group_concat(u.dir || '@' || u.offset || '+' || u.size, ' ') FROM shm_uses u WHERE u.shm_id = s.id) AS uses
  FROM shm s JOIN processes p ON p.id = s.process_id
 ORDER BY s.created_ts;
