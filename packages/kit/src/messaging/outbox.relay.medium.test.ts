import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { EVENTS_EXCHANGE } from '@genlake/contracts';
import { setupTestServices, TcpProxy, type TestServices } from '@genlake/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Sql } from '../database/database';
import { OutboxRepository } from '../database/outbox.repository';
import { createLogger } from '../logging/logger';
import { Metrics } from '../observability/metrics';
import { Broker } from './broker';
import { OutboxRelay } from './outbox.relay';

const logger = createLogger('test', 'silent');

describe('OutboxRelay', () => {
  let services: TestServices;
  let sql: Sql;
  let proxy: TcpProxy;

  beforeAll(async () => {
    services = await setupTestServices('relay');
    sql = createDatabase(services.databaseUrl, { max: 4 });
    const target = new URL(services.rabbitmqUrl);
    proxy = new TcpProxy(target.hostname, Number(target.port || 5672));
    await proxy.start();
  });

  afterAll(async () => {
    await proxy?.stop();
    await sql?.end();
    await services?.cleanup();
  });

  it('keeps rows while the broker is unreachable and publishes each once it is back', async () => {
    const viaProxy = new URL(services.rabbitmqUrl);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    proxy.cut();
    const broker = new Broker(viaProxy.toString(), logger, 'relay-test');
    const outbox = new OutboxRepository(sql);
    const relay = new OutboxRelay(outbox, broker, logger, new Metrics('relay'), { idleMs: 20, maxBackoffMs: 300 });

    // A queue on the real broker (not through the proxy) to count what arrives.
    const observer = new Broker(services.rabbitmqUrl, logger, 'observer');
    await observer.waitReady(10_000);
    await observer.connection.exchangeDeclare({ exchange: EVENTS_EXCHANGE, type: 'topic', durable: true });
    await observer.connection.queueDeclare({
      queue: 'relay-observer',
      durable: true,
      arguments: { 'x-queue-type': 'quorum' },
    });
    await observer.connection.queueBind({
      queue: 'relay-observer',
      exchange: EVENTS_EXCHANGE,
      routingKey: 'relay.test',
    });

    const ids = Array.from({ length: 300 }, () => randomUUID());
    for (const id of ids) {
      await outbox.add(sql, {
        id,
        exchange: EVENTS_EXCHANGE,
        routingKey: 'relay.test',
        payload: { id, correlationId: 'r' },
      });
    }
    relay.start();
    await sleep(1500);
    expect(await outbox.countPending()).toBe(300);
    expect(relay.lastError).toBeDefined();

    proxy.restore();
    const deadline = Date.now() + 30_000;
    while ((await outbox.countPending()) > 0 && Date.now() < deadline) await sleep(100);
    expect(await outbox.countPending()).toBe(0);

    const received: string[] = [];
    const ch = await observer.connection.acquire();
    for (;;) {
      const msg = await ch.basicGet({ queue: 'relay-observer', noAck: true });
      if (!msg) break;
      received.push(String(msg.messageId));
    }
    await ch.close();
    expect(received.sort()).toEqual([...ids].sort());
    await relay.stop();
    await broker.close();
    await observer.close();
  });
});
