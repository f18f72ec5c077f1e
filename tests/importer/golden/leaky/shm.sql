-- The client's 8 KiB shared memory, kept mapped and open until exit, freed by the driver
-- (pid 0) after the process ended.
SELECT s.how, s.size, s.end_kind, s.freed_ts > p.end_ts AS freed_after_exit
  FROM shm s JOIN processes p ON p.id = s.process_id;
