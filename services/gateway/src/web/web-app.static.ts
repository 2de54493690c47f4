import { existsSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import {
  IMMUTABLE_CACHE,
  REVALIDATE_CACHE,
  WEB_HASHED_ASSETS_DIR,
  WEB_SECURITY_HEADERS,
} from '@genlake/contracts/web-headers';
import type { Logger } from '@genlake/kit';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { WEB_APP_ROUTES } from './web-app.routes';

/** The gateway's own confirmation page (a button that posts the token), for when the app is not built. */
const GATEWAY_CONFIRM_PAGE = '/api/auth/confirm';

/** Paths the web app never answers: the API and the service endpoints keep their own 404s. */
const NOT_THE_APP = /^\/(api|health|metrics)(\/|$)/;

/** Cache-Control of a file of the build: hashed assets forever, everything else revalidated. */
export function cacheControlOf(relativePath: string): string {
  return relativePath.split(sep).join('/').startsWith(`${WEB_HASHED_ASSETS_DIR}/`) ? IMMUTABLE_CACHE : REVALIDATE_CACHE;
}

/**
 * Serves the built web app (`services/web/dist`) at `/`: files as they are, the SPA's routes (paths without a
 * file) as index.html, never anything under /api. Without a build the gateway serves the API only and says so.
 */
export async function serveWebApp(app: NestFastifyApplication, root: string, logger: Logger): Promise<boolean> {
  if (!existsSync(join(root, 'index.html'))) {
    logger.warn(
      { webDistDir: root },
      'the web app is not built (no index.html in WEB_DIST_DIR): serving the API only; `npm run build` builds it',
    );
    // The emailed confirmation link names the app's page; without the app the gateway's own page answers it.
    app
      .getHttpAdapter()
      .getInstance()
      .get(WEB_APP_ROUTES.confirm, { config: { public: true } }, (request, reply) => {
        const query = request.url.indexOf('?');
        return reply.redirect(`${GATEWAY_CONFIRM_PAGE}${query === -1 ? '' : request.url.slice(query)}`, 302);
      });
    return false;
  }
  await app.register(fastifyStatic as never, {
    root,
    serve: false,
    cacheControl: false,
    etag: true,
    lastModified: true,
    // called with the raw response (@fastify/static 9)
    setHeaders: (res: ServerResponse, path: string) => {
      res.setHeader('cache-control', cacheControlOf(path.slice(root.length + 1)));
    },
  });
  const fastify = app.getHttpAdapter().getInstance();
  const handler = (request: FastifyRequest, reply: FastifyReply) => {
    let path: string;
    try {
      path = decodeURIComponent(request.url.split('?', 1)[0]);
    } catch {
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'the path is not valid UTF-8' });
    }
    // The gateway's own not-found answer (JSON; 405 where another method exists).
    if (NOT_THE_APP.test(path)) return reply.callNotFound();
    void reply.headers(WEB_SECURITY_HEADERS);
    const file = normalize(path).replace(/^[/\\]+/, '');
    const full = join(root, file);
    if (file && !file.split(/[/\\]/).includes('..') && full.startsWith(root + sep) && isFile(full)) {
      return reply.sendFile(file);
    }
    // A missing asset is a 404, not the app: the browser would otherwise run index.html as a script.
    if (file.startsWith(`${WEB_HASHED_ASSETS_DIR}/`) || extname(file) !== '') {
      return reply.code(404).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send('not found');
    }
    return reply.sendFile('index.html');
  };
  fastify.get('/*', { config: { public: true } }, handler);
  fastify.get('/', { config: { public: true } }, handler);
  logger.info({ webDistDir: root }, 'serving the web app at /');
  return true;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
