-- scenario_optee_storage: a writer opens secure_storage and WRITE_RAWs an object; a second
-- process's open while the writer's session is open is refused with BUSY (0xFFFF000D, origin TEE
-- 3: the TA is single-instance, single-session) and imported as a failed session. Once the
-- writer closed, the reader's READ_RAW into a too-small buffer gives SHORT_BUFFER, the retry
-- reads, DELETE removes the object; a last session's READ_RAW finds nothing (ITEM_NOT_FOUND).
SELECT s.id, n.name AS ta, s.end_kind, printf('%X', s.ret) AS open_ret, s.origin, s.session IS NULL AS no_session_id,
       (SELECT group_concat(x, ' ') FROM
          (SELECT COALESCE(c.name, i.op) || '=' || printf('%X', i.ret) AS x FROM invocations i
             LEFT JOIN ta_commands c ON c.uuid = s.uuid AND c.func = i.op
            WHERE i.session_id = s.id AND i.call = 'invoke' ORDER BY i.id)) AS commands,
       dense_rank() OVER (ORDER BY s.process_id) AS process
  FROM sessions s LEFT JOIN ta_names n ON n.uuid = s.uuid
 ORDER BY s.id;
