import { tableFromArrays, tableToIPC } from 'apache-arrow';
import type { FastifyReply } from 'fastify';
import { csvCell } from './csv';
import type { GenerationRepository } from './generation.repository';
import type { LakeReader } from './lake.reader';

const RESULT_COLUMNS = [
  'estimate_id',
  'entity',
  'metric',
  'value',
  'original_value',
  'corrected',
  'correction_id',
] as const;

/** A batch's result: the corrected estimates of its corrected generation, as JSON, CSV or Arrow IPC. */
export class ResultService {
  constructor(
    private readonly generations: GenerationRepository,
    private readonly lake: LakeReader,
    private readonly maxRows: number,
  ) {}

  async send(
    reply: FastifyReply,
    generationId: string,
    format: 'json' | 'csv' | 'arrow',
    batchId: string,
  ): Promise<void> {
    const manifest = await this.generations.files(generationId, 'corrected_estimates');
    const rows = await this.lake.rows('corrected_estimates', manifest, {
      where: [],
      params: [],
      orderBy: 'entity, metric, estimate_id',
      limit: this.maxRows,
    });
    const disposition = `attachment; filename="batch-${batchId}.${format === 'arrow' ? 'arrows' : format}"`;
    if (format === 'csv') {
      const lines = [RESULT_COLUMNS.join(','), ...rows.map((r) => RESULT_COLUMNS.map((c) => csvCell(r[c])).join(','))];
      await reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', disposition)
        .send(`${lines.join('\n')}\n`);
      return;
    }
    if (format === 'arrow') {
      const table = tableFromArrays({
        estimate_id: BigInt64Array.from(rows, (r) => BigInt(r.estimate_id as number)),
        entity: rows.map((r) => r.entity as string),
        metric: rows.map((r) => r.metric as string),
        value: Float64Array.from(rows, (r) => r.value as number),
        original_value: Float64Array.from(rows, (r) => r.original_value as number),
        corrected: rows.map((r) => r.corrected as boolean),
        correction_id: rows.map((r) => (r.correction_id === null ? null : (r.correction_id as number))),
      });
      await reply
        .header('content-type', 'application/vnd.apache.arrow.stream')
        .header('content-disposition', disposition)
        .send(Buffer.from(tableToIPC(table, 'stream')));
      return;
    }
    await reply.header('content-type', 'application/json; charset=utf-8').send({ batchId, generationId, rows });
  }
}
