import { EventEmitter } from 'node:events';
import type { Logger, Sql } from '@genlake/kit';

/**
 * One LISTEN connection per gateway process turns Postgres `batch_status` notifications into
 * in-process events, so server-sent event streams need no polling and no extra connections.
 */
export class BatchEvents {
  private readonly emitter = new EventEmitter();
  private unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly sql: Sql,
    private readonly logger: Logger,
  ) {
    this.emitter.setMaxListeners(0);
  }

  async start(): Promise<void> {
    const { unlisten } = await this.sql.listen(
      'batch_status',
      (payload) => {
        try {
          const { id, status } = JSON.parse(payload) as { id: string; status: string };
          this.emitter.emit(id, status);
        } catch {
          this.logger.warn({ payload }, 'unreadable batch_status notification');
        }
      },
      () => this.emitter.emit('*reconnected'),
    );
    this.unlisten = unlisten;
  }

  /** Calls `onChange` when the batch's status changes, and after a reconnect (a change may have been missed). */
  subscribe(batchId: string, onChange: (status?: string) => void): () => void {
    const reconnect = () => onChange();
    this.emitter.on(batchId, onChange);
    this.emitter.on('*reconnected', reconnect);
    return () => {
      this.emitter.off(batchId, onChange);
      this.emitter.off('*reconnected', reconnect);
    };
  }

  async stop(): Promise<void> {
    await this.unlisten?.().catch(() => {});
  }
}
