import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LakeCatalog, type LakeObjectStore } from '../catalog';
import { LakeEngine } from '../duckdb';
import { DuckDbEngine } from './duckdb.engine';
import type { Engine, EngineName } from './engine';

// The Athena and Trino adapters load the AWS SDK and axios (well over a second): they are imported when used only,
// so the services that use the lake library do not pay for them at start.
export type { AthenaEngine, AthenaEngineConfig, AthenaResultsMode } from './athena.engine';
export * from './athena.names';
export * from './duckdb.engine';
export * from './engine';
export type { TrinoEngine, TrinoEngineConfig } from './trino.engine';

/** Where the CLI's DuckDB spills when a query outgrows memory. */
export const DUCKDB_TEMP_DIRECTORY = join(tmpdir(), 'genlake-lake-duckdb');

export interface EngineSettings {
  env: Record<string, string | undefined>;
  /** The lake the DuckDB engine reads. */
  openStore: () => LakeObjectStore;
  cacheDir?: string;
}

/** The engine of a name, configured from the environment (Athena: LAKE_ATHENA_*, AWS_*; Trino: LAKE_TRINO_*). */
export async function createEngine(name: EngineName, settings: EngineSettings): Promise<Engine> {
  switch (name) {
    case 'athena': {
      const { AthenaEngine, athenaConfigFromEnv } = await import('./athena.engine.js');
      return new AthenaEngine(athenaConfigFromEnv(settings.env));
    }
    case 'trino': {
      const { TrinoEngine, trinoConfigFromEnv } = await import('./trino.engine.js');
      return new TrinoEngine(trinoConfigFromEnv(settings.env));
    }
    default: {
      const engine = new LakeEngine({ tempDirectory: DUCKDB_TEMP_DIRECTORY });
      const catalog = new LakeCatalog(settings.openStore(), engine, { cacheDir: settings.cacheDir });
      return new DuckDbEngine(catalog, () => engine.close());
    }
  }
}
