import type { Sql } from '@genlake/kit';

export interface GenerationRow {
  id: string;
  dataset_id: string;
  dataset: string;
  owner_id: string;
  batch_id: string;
  number: number;
  stage: 'processed' | 'corrected';
  status: string;
}

export interface ManifestFile {
  table_name: string;
  object_key: string;
  row_count: number;
  size_bytes: number;
  sha256: string;
}

export class GenerationRepository {
  constructor(private readonly sql: Sql) {}

  async findById(id: string): Promise<GenerationRow | undefined> {
    const [row] = await this.sql<GenerationRow[]>`
      select g.id, g.dataset_id, d.name as dataset, d.owner_id, g.batch_id, g.number, g.stage, g.status
      from generations g join datasets d on d.id = g.dataset_id where g.id = ${id}`;
    return row;
  }

  async files(generationId: string, table: string): Promise<ManifestFile[]> {
    return this.sql<ManifestFile[]>`
      select table_name, object_key, row_count, size_bytes, sha256 from generation_files
      where generation_id = ${generationId} and table_name = ${table} order by object_key`;
  }
}
