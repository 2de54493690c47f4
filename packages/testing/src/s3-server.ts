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

// s3rver has no ListParts and no AbortMultipartUpload, which resumable uploads (@tus/s3-store) use: a middleware
// in front of its routes answers both from the parts s3rver itself keeps on disk (<dir>/<bucket>/._S3rver_uploads).
const S3RVER_SCRIPT = `
const fs = require('node:fs/promises');
const path = require('node:path');
const S3rver = require('s3rver');
const root = process.argv[1];
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: root, resetOnClose: true });
const xml = (s) => String(s).replace(/[<>&'"]/g, (c) => '&#' + c.charCodeAt(0) + ';');
server.middleware.unshift(async (ctx, next) => {
  const uploadId = ctx.query.uploadId;
  const [, bucket, ...key] = ctx.path.split('/');
  if (!uploadId || key.length === 0 || !['GET', 'DELETE'].includes(ctx.method) || /[\\/.]/.test(uploadId)) return next();
  const dir = path.join(root, bucket, '._S3rver_uploads', uploadId);
  const names = await fs.readdir(dir).catch(() => undefined);
  if (!names) {
    ctx.status = 404;
    ctx.type = 'application/xml';
    ctx.body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>';
    return;
  }
  if (ctx.method === 'DELETE') {
    await fs.rm(dir, { recursive: true, force: true });
    ctx.status = 204;
    return;
  }
  const marker = Number(ctx.query['part-number-marker'] || 0);
  const numbers = names.filter((n) => /^\\d+$/.test(n)).map(Number).filter((n) => n > marker).sort((a, b) => a - b);
  const parts = await Promise.all(numbers.map(async (n) => {
    const [stat, md5] = await Promise.all([fs.stat(path.join(dir, String(n))), fs.readFile(path.join(dir, n + '.md5'), 'utf8')]);
    return '<Part><PartNumber>' + n + '</PartNumber><LastModified>' + stat.mtime.toISOString() + '</LastModified><ETag>&quot;' + md5.trim() + '&quot;</ETag><Size>' + stat.size + '</Size></Part>';
  }));
  ctx.type = 'application/xml';
  ctx.body = '<?xml version="1.0" encoding="UTF-8"?><ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>' + xml(bucket) + '</Bucket><Key>' + xml(decodeURIComponent(key.join('/'))) + '</Key><UploadId>' + xml(uploadId) + '</UploadId><PartNumberMarker>' + marker + '</PartNumberMarker><NextPartNumberMarker>' + (numbers.at(-1) || 0) + '</NextPartNumberMarker><MaxParts>10000</MaxParts><IsTruncated>false</IsTruncated>' + parts.join('') + '</ListPartsResult>';
});
server.run().then(({ port }) => process.stdout.write('PORT ' + port + '\\n'), (err) => { console.error(err); process.exit(1); });
process.on('SIGTERM', () => server.close().finally(() => process.exit(0)));
`;

/**
 * A real S3 API for tests: s3rver (an S3-compatible server in Node) on a free loopback port, in its
 * own process, storing objects in a temporary directory, with the multipart calls it lacks (ListParts, abort)
 * added. It runs with OpenSSL's legacy provider,
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
