-- What is left behind, named by TA: the holder's session and one of its shm are held by the live
-- holder; the quitter's sessions were closed at release and two of its shm freed only at its exit.
SELECT l.kind, l.class, p.end_kind AS creator_end,
       CASE WHEN l.holders IS NULL THEN NULL
            WHEN l.holders = p.display_name || ' (pid ' || p.pid || ')' THEN 'creator' ELSE l.holders END AS holders,
       l.age_ns > 0 AS aged
  FROM leaks l JOIN processes p ON p.pid = l.creator_pid
 ORDER BY l.kind, l.created_ts;
