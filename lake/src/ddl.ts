// Generated SQL and catalog definitions for Athena/Glue, Trino and DuckDB, from lake/tables.
export {};
