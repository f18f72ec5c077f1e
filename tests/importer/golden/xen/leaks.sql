-- The leaks, per guest: guest 3's holder session and shm, dropped by the guest's destruction.
SELECT l.guest, l.kind, l.class, l.holders FROM leaks l ORDER BY l.guest, l.kind;
