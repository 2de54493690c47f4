import { describe, expect, it } from 'vitest';
import { attachmentName } from './downloads';

describe('downloads', () => {
  it('names the file as the gateway does, never with a path in it', () => {
    expect(attachmentName('attachment; filename="sales-generation-3-windows.csv"', 'windows.csv')).toBe(
      'sales-generation-3-windows.csv',
    );
    expect(attachmentName(null, 'windows.csv')).toBe('windows.csv');
    expect(attachmentName('attachment', 'windows.csv')).toBe('windows.csv');
    expect(attachmentName('attachment; filename="../../etc/passwd"', 'x.csv')).toBe('x.csv');
  });
});
