import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { isDependencyUnavailable, type Logger } from '@genlake/kit';
import { Server } from '@tus/server';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { NodeRequest, sendNodeResponse } from 'srvx/node';
import type { AuthenticatedRequest, Principal } from '../accounts/principal';
import type { UploadStore } from './upload.store';

/** Where the tus endpoint lives (creation: POST here; HEAD/PATCH/DELETE on `${UPLOADS_PATH}/{uploadId}`). */
export const UPLOADS_PATH = '/api/uploads';
/** The tus methods on one upload's URL (`${UPLOADS_PATH}/{uploadId}`); creation is a POST to UPLOADS_PATH. */
export const UPLOAD_RESOURCE_METHODS = ['HEAD', 'PATCH', 'DELETE'] as const;
/** What an upload may hold: the formats `POST /api/batches` reads as streams. */
export const UPLOAD_FILETYPES = ['text/csv', 'application/x-ndjson', 'application/ndjson'] as const;

type PrincipalCarrier = IncomingMessage & { genlakePrincipal?: Principal };

function nodeRequestOf(req: Request): PrincipalCarrier | undefined {
  return (req as Request & { runtime?: { node?: { req?: PrincipalCarrier } } }).runtime?.node?.req;
}

function jsonError(status: number, message: string) {
  return { status_code: status, body: JSON.stringify({ statusCode: status, error: STATUS_CODES[status], message }) };
}

/** An error answer of tus with a text body, as the gateway's JSON error (the same status and headers). */
async function asJsonError(answer: Response): Promise<Response> {
  const type = answer.headers.get('content-type') ?? '';
  if (answer.status < 400 || type.includes('application/json')) return answer;
  const text = (await answer.text()).trim();
  const body = text.startsWith('{')
    ? text
    : jsonError(answer.status, text || STATUS_CODES[answer.status] || 'error').body;
  const headers = new Headers(answer.headers);
  headers.set('content-type', 'application/json; charset=utf-8');
  headers.set('content-length', String(Buffer.byteLength(body)));
  return new Response(body, { status: answer.status, headers });
}

function notFound(reply: FastifyReply, uploadId: string) {
  return reply
    .code(404)
    .header('tus-resumable', '1.0.0')
    .send({ statusCode: 404, error: 'Not Found', message: `no upload ${uploadId.slice(0, 64)}` });
}

/**
 * The tus 1.0 endpoint (`@tus/server`) as Fastify routes, so that the gateway's request guard authenticates
 * every request before a byte is read. The uploader is written into the upload's metadata when it is created;
 * every later request about an upload is answered 404 unless it comes from that user.
 */
export function installUploadRoutes(
  fastify: FastifyInstance,
  store: UploadStore,
  options: { maxBytes: number; logger: Logger },
): Server {
  const tus = new Server({
    path: UPLOADS_PATH,
    datastore: store.datastore,
    maxSize: options.maxBytes,
    relativeLocation: true,
    // Same origin only: no Access-Control-Allow-Origin on any answer.
    allowedOrigins: () => false,
    namingFunction: () => store.storeId(randomBytes(16).toString('hex'))!,
    generateUrl: (_req, { id }) => `${UPLOADS_PATH}/${store.uploadId(id)}`,
    getFileIdFromRequest: (_req, lastPath) => store.storeId(lastPath),
    onUploadCreate: async (req, upload) => {
      const principal = nodeRequestOf(req)?.genlakePrincipal;
      if (!principal) throw jsonError(401, 'sign in first');
      const filetype = upload.metadata?.filetype;
      if (!filetype || !(UPLOAD_FILETYPES as readonly string[]).includes(filetype)) {
        throw jsonError(400, `Upload-Metadata filetype must be one of ${UPLOAD_FILETYPES.join(', ')}`);
      }
      if (upload.sizeIsDeferred) throw jsonError(400, 'send Upload-Length: uploads of unknown length are not accepted');
      return { metadata: { ...upload.metadata, owner: principal.id } };
    },
    onResponseError: (_req, err) => {
      if ('status_code' in err && err.status_code < 500) {
        return err.body.startsWith('{') ? undefined : jsonError(err.status_code, err.body.trim());
      }
      if (isDependencyUnavailable(err)) {
        options.logger.warn({ err: (err as Error).message }, 'the upload store is unavailable');
        return jsonError(503, 'the upload could not be stored now; retry (it resumes where it stopped)');
      }
      options.logger.error({ err: (err as Error).message }, 'upload failed');
      return jsonError(500, 'the upload failed unexpectedly; it is logged');
    },
  });

  // PATCH bodies reach tus unread.
  fastify.addContentTypeParser('application/offset+octet-stream', (_req, payload, done) => done(null, payload));

  const forward = async (request: AuthenticatedRequest, reply: FastifyReply) => {
    (request.raw as PrincipalCarrier).genlakePrincipal = request.principal;
    reply.hijack();
    // What Server.handle does, with one step between: tus answers its own protocol errors (412 without
    // Tus-Resumable, 400 for a bad header) in plain text; every gateway answer is JSON with a reason.
    const answer = await tus.handleWeb(new NodeRequest({ req: request.raw, res: reply.raw }));
    await sendNodeResponse(reply.raw, await asJsonError(answer));
  };
  fastify.post(UPLOADS_PATH, (request, reply) => forward(request as AuthenticatedRequest, reply));
  fastify.route({
    method: [...UPLOAD_RESOURCE_METHODS],
    url: `${UPLOADS_PATH}/:uploadId`,
    exposeHeadRoute: false,
    handler: async (request, reply) => {
      const { uploadId } = request.params as { uploadId: string };
      const principal = (request as AuthenticatedRequest).principal!;
      const upload = await store.find(uploadId);
      if (!upload || upload.ownerId !== principal.id) return notFound(reply, uploadId);
      return forward(request as AuthenticatedRequest, reply);
    },
  });
  return tus;
}
