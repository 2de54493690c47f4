import { spawn } from 'node:child_process';
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

const S3RVER_SCRIPT = `
const S3rver = require('s3rver');
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: process.argv[1], resetOnClose: true });
server.run().then(({ port }) => process.stdout.write('PORT ' + port + '\\n'), (err) => { console.error(err); process.exit(1); });
process.on('SIGTERM', () => server.close().finally(() => process.exit(0)));
`;

/**
 * A real S3 API for tests: s3rver (an S3-compatible server in Node) on a free loopback port, in its
 * own process, storing objects in a temporary directory. It runs with OpenSSL's legacy provider,
 * which its continuation tokens (paged listings) need on current Node versions.
 */
export async function startS3rver(): Promise<S3TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'genlake-s3-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', S3RVER_SCRIPT, dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: __dirname,
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return connectS3(endpoint, 'S3RVER', 'S3RVER', async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
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
