-- Guest 2 runs hello_world and secure_storage, every session closed; guest 3 opens the workload
-- TA from five concurrent SLEEPers (closed) and a holder whose session is closed by the guest's
-- destruction. Each call carries its session's guest.
SELECT s.guest, n.name AS ta, s.end_kind, count(*) AS sessions,
       sum((SELECT count(*) FROM invocations i WHERE i.session_id = s.id AND i.guest <> s.guest)) AS calls_of_other_guests
  FROM sessions s LEFT JOIN ta_names n ON n.uuid = s.uuid
 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
