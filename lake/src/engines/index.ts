import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LakeCatalog, type LakeObjectStore } from '../catalog';
import { LakeEngine } from '../duckdb';
import { AthenaEngine, athenaConfigFromEnv } from './athena.engine';
import { DuckDbEngine } from './duckdb.engine';
import type { Engine, EngineName } from './engine';
import { TrinoEngine, trinoConfigFromEnv } from './trino.engine';

export * from './athena.engine';
export * from './duckdb.engine';
export * from './engine';
export * from './trino.engine';

/** Where the CLI's DuckDB spills when a query outgrows memory. */
export const DUCKDB_TEMP_DIRECTORY = join(tmpdir(), 'genlake-lake-duckdb');

export interface EngineSettings {
  env: Record<string, string | undefined>;
  /** The lake the DuckDB engine reads. */
  openStore: () => LakeObjectStore;
  cacheDir?: string;
}

/** The engine of a name, configured from the environment (Athena: LAKE_ATHENA_*, AWS_*; Trino: LAKE_TRINO_*). */
export function createEngine(name: EngineName, settings: EngineSettings): Engine {
  switch (name) {
    case 'athena':
      return new AthenaEngine(athenaConfigFromEnv(settings.env));
    case 'trino':
      return new TrinoEngine(trinoConfigFromEnv(settings.env));
    default: {
      const engine = new LakeEngine({ tempDirectory: DUCKDB_TEMP_DIRECTORY });
      const catalog = new LakeCatalog(settings.openStore(), engine, { cacheDir: settings.cacheDir });
      return new DuckDbEngine(catalog, () => engine.close());
    }
  }
}
