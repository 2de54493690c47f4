import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOG, consumerQueues, QUEUES } from './catalog';
import {
  BATCH_PIPELINE,
  batchPipelineQueues,
  ownerOfQueue,
  SERVICE_NAMES,
  SERVICES,
  serviceTopology,
  TEAMS,
  topology,
} from './topology';

const PACKAGE_DIR = join(__dirname, '..');

describe('service topology', () => {
  it('knows every service the catalog names as producer or consumer', () => {
    const named = Object.values(CATALOG).flatMap((e) => [e.producer, ...e.consumers.map((c) => c.service)]);
    for (const name of named) expect(SERVICE_NAMES).toContain(name);
  });

  it('derives the queues each service consumes and the messages it produces from the catalog', () => {
    expect(serviceTopology('gateway')).toMatchObject({
      consumes: [],
      produces: ['batch.accepted', 'user.registered', 'user.confirmation-requested', 'user.registration-attempted'],
      feeds: [QUEUES.processorBatchAccepted, QUEUES.notifierCrm, QUEUES.notifierMail],
    });
    expect(serviceTopology('processor')).toMatchObject({
      consumes: [QUEUES.processorBatchAccepted],
      produces: ['generation.produced'],
      feeds: [QUEUES.correctorGenerationProduced],
    });
    expect(serviceTopology('corrector')).toMatchObject({
      consumes: [QUEUES.correctorGenerationProduced],
      produces: ['batch.completed'],
    });
    expect(serviceTopology('notifier')).toMatchObject({
      consumes: [QUEUES.notifierCrm, QUEUES.notifierMail],
      produces: [],
    });
    // every consumer queue has exactly one consuming service
    expect(
      topology()
        .flatMap((s) => s.consumes)
        .sort(),
    ).toEqual(consumerQueues().sort());
  });

  it('gives every service its own port, a kind that matches what it consumes, and an owner with a contact', () => {
    const ports = topology().map((s) => s.port);
    expect(new Set(ports).size).toBe(ports.length);
    for (const s of topology()) {
      expect(s.metricsPort).toBe(s.port);
      expect(s.kind === 'worker', s.name).toBe(s.consumes.length > 0);
      expect(s.owner).toBe(TEAMS[SERVICES[s.name].team]);
      expect(s.owner.contact, s.name).toMatch(/#genlake-/);
    }
  });

  it('names the queues a batch goes through and who owns each queue', () => {
    expect(BATCH_PIPELINE).toEqual(['batch.accepted', 'generation.produced']);
    expect(batchPipelineQueues()).toEqual([QUEUES.processorBatchAccepted, QUEUES.correctorGenerationProduced]);
    expect(ownerOfQueue(QUEUES.notifierMail).name).toBe('notifier');
    expect(() => ownerOfQueue('nobody.reads-this')).toThrow(/no service consumes/);
  });
});

describe('README.md', () => {
  it('has a services row for every service of the topology', () => {
    const readme = readFileSync(join(PACKAGE_DIR, 'README.md'), 'utf8');
    for (const s of topology()) {
      const row = readme.split('\n').find((line) => line.startsWith(`| ${s.name} `));
      expect(row, s.name).toBeDefined();
      const cells = row?.split('|').map((cell) => cell.trim()) ?? [];
      expect(cells.slice(1, 5)).toEqual([s.name, s.owner.name, String(s.port), s.kind]);
      expect(cells[5]).toBe(s.consumes.map((q) => `\`${q}\``).join(', ') || '—');
    }
  });
});
