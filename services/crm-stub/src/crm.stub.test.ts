import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CrmStub, startCrmStub } from './crm.stub';

describe('CRM stub', () => {
  let stub: CrmStub;

  beforeAll(async () => {
    stub = await startCrmStub({ port: 0, token: 't' });
  });
  afterAll(async () => {
    await stub?.stop();
  });

  function post(key: string, body: unknown, token = 't') {
    return fetch(stub.eventsUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(body),
    });
  }

  it('records the accepted events in arrival order, once per idempotency key', async () => {
    stub.reset();
    expect((await post('k1', { type: 'user.registered', userId: 'u' })).status).toBe(202);
    expect((await post('k2', { type: 'batch.completed', ownerId: 'u' })).status).toBe(202);
    expect((await post('k1', { type: 'user.registered', userId: 'u' })).status).toBe(202);
    expect((await post('k3', {}, 'wrong')).status).toBe(401);
    expect(stub.events().map((e) => [e.seq, e.idempotencyKey])).toEqual([
      [1, 'k1'],
      [2, 'k2'],
    ]);
    const res = await fetch(`${stub.url}/_events?after=1`);
    expect(await res.json()).toMatchObject({ total: 2, events: [{ seq: 2, idempotencyKey: 'k2' }] });
    expect((await fetch(`${stub.url}/_events?after=-1`)).status).toBe(400);
    expect(stub.stats()).toMatchObject({ accepted: 2, duplicates: 1, unauthorized: 1 });
  });

  it('refuses every event in reject mode, and fails in fail mode', async () => {
    stub.reset();
    stub.setMode('reject');
    expect((await post('k9', { a: 1 })).status).toBe(400);
    stub.setMode('fail');
    expect((await post('k9', { a: 1 })).status).toBe(503);
    stub.setMode('ok');
    expect((await post('k9', { a: 1 })).status).toBe(202);
    expect(stub.events()).toHaveLength(1);
  });
});
