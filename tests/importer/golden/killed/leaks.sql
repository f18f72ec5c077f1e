-- The killed processes held their client env and registry until their context closed.
SELECT l.kind, l.class, p.end_kind AS creator_end, l.provenance
  FROM leaks l JOIN processes p ON p.pid = l.creator_pid
 ORDER BY l.created_ts;
