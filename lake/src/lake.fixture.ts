import { join } from 'node:path';
import { LocalDirStorage } from '../../packages/kit/src/storage/local-dir.storage';
import { makeBatch, writeNdjson } from './batch.fixture';
import { publishTableFile } from './catalog';
import { LakeEngine } from './duckdb';
import { runWorkload, WORKLOAD_TABLES } from './workload';

/**
 * A small lake below `dir`/storage: the reference workload over `makeBatch(perSeries)` for dataset `greenhouse`,
 * generations 1 and 2 (complexity 1 and 2). Returns the store and the number of observations per generation.
 */
export async function buildFixtureLake(
  dir: string,
  perSeries = 100,
): Promise<{ storageDir: string; store: LocalDirStorage; observations: number }> {
  const storageDir = join(dir, 'storage');
  const store = new LocalDirStorage(storageDir);
  const batch = makeBatch(perSeries);
  const ndjsonPath = join(dir, 'batch.ndjson');
  writeNdjson(ndjsonPath, batch.records);
  const engine = await LakeEngine.create({ threads: 2 });
  try {
    const conn = await engine.connect();
    for (const generation of [1, 2]) {
      const out = await runWorkload(conn, {
        ndjsonPath,
        batchId: `batch-${generation}`,
        complexity: generation,
        outDir: join(dir, `gen-${generation}`),
      });
      for (const table of WORKLOAD_TABLES) {
        await publishTableFile(
          store,
          table,
          { dataset: 'greenhouse', date: '2026-01-01', generation },
          out[table].localFile,
        );
      }
    }
  } finally {
    await engine.close();
  }
  return { storageDir, store, observations: batch.records.length };
}
