-- Up Migration

-- Accounts. Owner ids of batches and datasets are user ids (as text); rows from before accounts keep 'public'.
create table users (
  id uuid primary key default gen_random_uuid(),
  -- stored as given (trimmed); unique without regard to case
  email text not null check (length(email) between 3 and 254),
  password_hash text not null,
  role text not null default 'user' check (role in ('user', 'operator')),
  email_confirmed_at timestamptz,
  -- user preference: an email when one of the user's batches is completed
  notify_batch_completed boolean not null default false,
  password_changed_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index users_email on users (lower(email));

-- Email confirmation links: only the SHA-256 of the token is kept; a link works once and expires.
create table email_confirmations (
  token_hash text primary key,
  user_id uuid not null references users (id) on delete cascade,
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now()
);
create index email_confirmations_user on email_confirmations (user_id);

-- Refresh tokens: stored hashed, rotated on every use. A token used twice revokes its whole family
-- (the chain of rotations that started at one login): someone else holds a copy.
create table refresh_tokens (
  id uuid primary key,
  user_id uuid not null references users (id) on delete cascade,
  family_id uuid not null,
  token_hash text not null unique,
  expires_at timestamptz not null,
  created_at timestamptz not null default now(),
  used_at timestamptz,
  revoked_at timestamptz,
  revoked_reason text
);
create index refresh_tokens_user on refresh_tokens (user_id) where revoked_at is null;
create index refresh_tokens_family on refresh_tokens (family_id);

-- Dead letters, kept for operators: the notifier moves every message that reaches a `<queue>.dead` queue
-- here (and emails an alert); operators list, inspect and replay them through the gateway.
create table dead_letters (
  -- the x-genlake-dead-id header set when the message was dead-lettered (a redelivery is not a second row)
  id uuid primary key,
  queue text not null,
  message_id text not null,
  message_type text,
  correlation_id text,
  reason text not null,
  attempts integer not null default 1,
  headers jsonb not null default '{}',
  -- the body as it arrived (it may not even be JSON)
  body text not null,
  dead_at timestamptz not null default now(),
  alerted_at timestamptz,
  replayed_at timestamptz,
  replayed_by text
);
create index dead_letters_dead_at on dead_letters (dead_at desc, id desc);
create index dead_letters_unalerted on dead_letters (dead_at) where alerted_at is null;

-- Down Migration
drop table if exists dead_letters, refresh_tokens, email_confirmations, users;
