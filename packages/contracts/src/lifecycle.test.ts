import { describe, expect, it } from 'vitest';
import { BATCH_STATUS, BATCH_STATUSES, canMoveTo, hasReached, isBatchStatus, statusesBefore } from './lifecycle';

describe('batch lifecycle', () => {
  it('names each status once', () => {
    expect(Object.values(BATCH_STATUS)).toEqual([...BATCH_STATUSES]);
    expect(isBatchStatus('correcting')).toBe(true);
    expect(isBatchStatus('complete')).toBe(false);
    expect(isBatchStatus(undefined)).toBe(false);
  });

  it('moves forward only, to any later status', () => {
    expect(statusesBefore('accepted')).toEqual([]);
    expect(statusesBefore('processing')).toEqual(['accepted']);
    expect(statusesBefore('correcting')).toEqual(['accepted', 'processing']);
    expect(statusesBefore('completed')).toEqual(['accepted', 'processing', 'correcting']);
    expect(canMoveTo('correcting', 'completed')).toBe(true);
    expect(canMoveTo('accepted', 'correcting')).toBe(true);
    expect(canMoveTo('completed', 'correcting')).toBe(false);
    expect(canMoveTo('processing', 'processing')).toBe(false);
  });

  it('tells whether a batch has reached a stage', () => {
    expect(hasReached('correcting', 'correcting')).toBe(true);
    expect(hasReached('completed', 'correcting')).toBe(true);
    expect(hasReached('processing', 'correcting')).toBe(false);
  });
});
