-- Up Migration

-- Wake the outbox relays as soon as new rows are committed (notifications are delivered at commit).
-- One notification per INSERT statement, however many rows it writes.
create function notify_outbox() returns trigger language plpgsql as $$
begin
  perform pg_notify('outbox', '');
  return null;
end $$;
create trigger outbox_notify after insert on outbox
  for each statement execute function notify_outbox();

-- Down Migration
drop trigger if exists outbox_notify on outbox;
drop function if exists notify_outbox();
