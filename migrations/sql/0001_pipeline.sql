-- Up Migration

-- Datasets group the batches of one owner; generation numbers are counted per dataset.
create table datasets (
  id uuid primary key default gen_random_uuid(),
  name text not null unique check (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  owner_id text not null,
  last_generation integer not null default 0,
  created_at timestamptz not null default now()
);

create table batches (
  id uuid primary key,
  dataset_id uuid not null references datasets (id),
  owner_id text not null,
  status text not null default 'accepted' check (status in ('accepted', 'processing', 'correcting', 'completed')),
  record_count bigint not null check (record_count > 0),
  options jsonb not null default '{}',
  source_format text not null check (source_format in ('json', 'csv', 'ndjson')),
  -- where the normalized records are: inline (batch_payloads) or an object key (claim check)
  payload_kind text not null check (payload_kind in ('inline', 'object')),
  payload_key text,
  payload_bytes bigint not null,
  payload_sha256 text not null,
  content_hash text not null,
  idempotency_key text,
  correlation_id text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  processing_at timestamptz,
  correcting_at timestamptz,
  completed_at timestamptz,
  check (payload_kind = 'inline' or payload_key is not null)
);
create unique index batches_idempotency on batches (owner_id, idempotency_key) where idempotency_key is not null;
create index batches_dataset_created on batches (dataset_id, created_at desc, id desc);
create index batches_owner_created on batches (owner_id, created_at desc, id desc);
create index batches_status on batches (status) where status <> 'completed';

-- Small batches keep their normalized NDJSON here, written in the same transaction as the batch.
create table batch_payloads (
  batch_id uuid primary key references batches (id) on delete cascade,
  body text not null
);

create table generations (
  id uuid primary key,
  dataset_id uuid not null references datasets (id),
  batch_id uuid not null references batches (id),
  number integer not null check (number > 0),
  stage text not null check (stage in ('processed', 'corrected')),
  parent_generation_id uuid references generations (id),
  status text not null default 'writing' check (status in ('writing', 'complete')),
  partition_date date not null,
  schema_version integer not null default 1,
  -- previous generation numbers the correction used (corrected stage only)
  used_generations integer[] not null default '{}',
  stats jsonb not null default '{}',
  created_at timestamptz not null default now(),
  completed_at timestamptz,
  unique (dataset_id, stage, number),
  unique (batch_id, stage)
);
create index generations_dataset on generations (dataset_id, number);

-- The manifest: every file of a generation with its row count, size and checksum.
create table generation_files (
  generation_id uuid not null references generations (id) on delete cascade,
  table_name text not null,
  object_key text not null,
  row_count bigint not null,
  size_bytes bigint not null,
  sha256 text not null,
  primary key (generation_id, object_key)
);

-- Transactional outbox: rows are written with the state they announce, a relay publishes them.
create table outbox (
  seq bigserial unique,
  id uuid primary key,
  exchange text not null,
  routing_key text not null,
  payload jsonb not null,
  headers jsonb not null default '{}',
  created_at timestamptz not null default now(),
  sent_at timestamptz
);
create index outbox_pending on outbox (seq) where sent_at is null;

-- Inbox: the messages each consumer has fully handled (idempotency across redeliveries).
create table inbox (
  consumer text not null,
  message_id uuid not null,
  processed_at timestamptz not null default now(),
  primary key (consumer, message_id)
);

-- Status changes are announced to listeners (server-sent events in the gateway).
create function notify_batch_status() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' or new.status is distinct from old.status then
    perform pg_notify('batch_status', json_build_object('id', new.id, 'status', new.status)::text);
  end if;
  return new;
end $$;
create trigger batches_status_notify after update of status on batches
  for each row execute function notify_batch_status();

-- Down Migration
drop trigger if exists batches_status_notify on batches;
drop function if exists notify_batch_status();
drop table if exists inbox, outbox, generation_files, generations, batch_payloads, batches, datasets;
