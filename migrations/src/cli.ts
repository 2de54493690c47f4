#!/usr/bin/env node
import { migrate } from './migrate';

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/genlake';
migrate({ databaseUrl: url, log: (m) => console.log(m) })
  .then((names) => {
    console.log(names.length ? `migrated ${new URL(url).pathname.slice(1)}` : 'database is up to date');
  })
  .catch((err: Error) => {
    console.error(`error: migration failed: ${err.message}`);
    process.exit(1);
  });
