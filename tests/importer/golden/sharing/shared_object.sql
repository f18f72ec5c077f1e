-- Diagnostics (one secure-world object) held through handles of both contexts at overlapping
-- times: the parent's binding spans the own-context child's whole binding.
SELECT so.class, so.contexts, so.processes, so.overlap_start_ts < so.overlap_end_ts AS overlaps,
       so.overlap_start_ts = (SELECT h.bind_ts FROM handles h JOIN objects o ON o.id = h.object_id
                               WHERE o.sw_id = so.sw_id AND h.context_id = 2) AS from_second_bind,
       so.overlap_end_ts = (SELECT h.unbind_ts FROM handles h JOIN objects o ON o.id = h.object_id
                             WHERE o.sw_id = so.sw_id AND h.context_id = 2) AS to_second_unbind
  FROM sharing_objects so;
