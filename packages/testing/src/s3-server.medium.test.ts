import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListPartsCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3TestServer, startS3rver } from './s3-server';

/** The multipart calls resumable uploads make, against the tests' S3 server (two of them are added to s3rver). */
describe('the S3 server of the tests', () => {
  let s3: S3TestServer;
  let client: S3Client;
  const Bucket = 'multipart';

  beforeAll(async () => {
    s3 = await startS3rver();
    await s3.createBucket(Bucket);
    client = new S3Client({
      region: s3.region,
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
  });

  afterAll(async () => {
    client?.destroy();
    await s3?.stop();
  });

  it('lists the parts of a multipart upload, completes it, and aborts another', async () => {
    const Key = 'uploads/a b/file.csv';
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const first = Buffer.alloc(5 * 1024 * 1024, 'a');
    const second = Buffer.from('the rest');
    const etags: string[] = [];
    for (const [i, body] of [first, second].entries()) {
      const part = await client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body: body }));
      etags.push(part.ETag!);
    }
    const listed = await client.send(new ListPartsCommand({ Bucket, Key, UploadId }));
    expect(listed.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([
      [1, first.length, etags[0]],
      [2, second.length, etags[1]],
    ]);
    const after = await client.send(new ListPartsCommand({ Bucket, Key, UploadId, PartNumberMarker: '1' }));
    expect(after.Parts?.map((p) => p.PartNumber)).toEqual([2]);
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key,
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    const object = await client.send(new GetObjectCommand({ Bucket, Key }));
    expect((await object.Body!.transformToByteArray()).length).toBe(first.length + second.length);

    const other = await client.send(new CreateMultipartUploadCommand({ Bucket, Key: 'uploads/other' }));
    await client.send(new AbortMultipartUploadCommand({ Bucket, Key: 'uploads/other', UploadId: other.UploadId }));
    await expect(
      client.send(new ListPartsCommand({ Bucket, Key: 'uploads/other', UploadId: other.UploadId })),
    ).rejects.toMatchObject({ name: 'NoSuchUpload' });
  });
});
