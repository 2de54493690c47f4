import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

export interface S3TestServer {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real S3 API for tests: s3rver (an S3-compatible server in Node) on a free loopback port,
 * storing objects in a temporary directory.
 */
export async function startS3rver(): Promise<S3TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'genlake-s3-'));
  // s3rver has no types; it is a plain constructor.
  const S3rver = require('s3rver');
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, resetOnClose: true });
  const { port } = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  return connectS3(endpoint, 'S3RVER', 'S3RVER', async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
}

export function connectS3(
  endpoint: string,
  accessKeyId: string,
  secretAccessKey: string,
  stop: () => Promise<void> = async () => {},
): S3TestServer {
  const region = 'us-east-1';
  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    region,
    async createBucket(name: string) {
      const client = new S3Client({
        region,
        endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId, secretAccessKey },
      });
      try {
        await client.send(new CreateBucketCommand({ Bucket: name }));
      } catch (err) {
        const n = (err as Error).name;
        if (n !== 'BucketAlreadyOwnedByYou' && n !== 'BucketAlreadyExists') throw err;
      } finally {
        client.destroy();
      }
    },
    stop,
  };
}
