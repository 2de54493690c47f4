import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { openStorage } from '@genlake/kit';
import { type S3TestServer, startS3rver } from '@genlake/testing';
import { Upload } from '@tus/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UploadStore } from './upload.store';

/** Resumable uploads in an S3 bucket, written in parts as a browser sends them, read back byte for byte. */
describe('the upload store on S3', () => {
  let s3: S3TestServer;
  let store: UploadStore;

  beforeAll(async () => {
    s3 = await startS3rver();
    await s3.createBucket('uploads-test');
    const settings = {
      storageUrl: 's3://uploads-test/lake',
      s3: {
        region: s3.region,
        endpoint: s3.endpoint,
        accessKeyId: s3.accessKeyId,
        secretAccessKey: s3.secretAccessKey,
      },
      expiryHours: 24,
    };
    store = new UploadStore(openStorage(settings.storageUrl, { ...settings.s3, forcePathStyle: true }), settings);
  });

  afterAll(() => s3?.stop());

  it('keeps exactly the bytes sent, across parts and a resumed write', async () => {
    const body = Buffer.from(
      `entity,ts,metric,value\n${Array.from({ length: 200_000 }, (_, i) => `s-${i % 7},2026-01-01T00:00:00Z,m,${i}`).join('\n')}\n`,
    );
    expect(body.length).toBeGreaterThan(5 * 1024 * 1024);
    const uploadId = 'a'.repeat(32);
    const id = store.storeId(uploadId)!;
    await store.datastore.create(new Upload({ id, size: body.length, offset: 0, metadata: { owner: 'u1' } }));
    // The first 6 MiB, as one PATCH that was cut; then the rest from the offset the store reports.
    const cut = 6 * 1024 * 1024;
    await store.datastore.write(Readable.from([body.subarray(0, cut)]), id, 0);
    const halfway = await store.find(uploadId);
    expect(halfway).toMatchObject({ ownerId: 'u1', size: body.length });
    expect(halfway!.offset).toBeGreaterThan(0);
    await store.datastore.write(Readable.from([body.subarray(halfway!.offset)]), id, halfway!.offset);
    expect((await store.find(uploadId))!.offset).toBe(body.length);
    const stored = await buffer(await store.read(uploadId));
    expect(stored.length).toBe(body.length);
    expect(stored.equals(body)).toBe(true);
  });
});
