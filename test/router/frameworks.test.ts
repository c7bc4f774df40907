// The router mounted the way each framework's users would mount it, each on a real server on a
// free port, each running the shared scenario (refusals grant nothing, route limits at grant time,
// an upload through the typed client lands verified, onUploaded once): Express at its base path
// (behind express.json()), Fastify (raw request and reply), Hono on @hono/node-server, Koa, and
// NestJS with the router resolved from an inversify container by a provider.
import 'reflect-metadata';
import { serve } from '@hono/node-server';
import { All, Controller, Inject, Module, Req, Res } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { Container } from 'inversify';
import Koa from 'koa';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PRESIGNER, UPLOAD_ROUTER, uploadRouterModule, type UploadRouter } from '../../src/index.js';
import { makeFixture, type Fixture } from './fixture.js';
import { runScenario } from './scenario.js';

function urlOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function listening(server: Server): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

describe('upload router in frameworks', function () {
  this.timeout(60_000);
  let fixture: Fixture;
  before(async () => {
    fixture = await makeFixture();
  });
  after(() => fixture?.close());

  it('Express 5, mounted with app.use(basePath, ...) behind express.json()', async () => {
    const app = express();
    app.use(express.json());
    app.use('/api/upload', (req, res, next) => void fixture.router.node(req, res, next));
    app.get('/health', (_req, res) => void res.send('ok'));
    const httpServer = await listening(createServer(app));
    try {
      await runScenario(fixture, `${urlOf(httpServer)}/api/upload`);
      // Paths outside the base path still reach the app.
      const health = await fetch(`${urlOf(httpServer)}/health`);
      if ((await health.text()) !== 'ok') throw new Error('the app behind the router did not answer');
    } finally {
      await closeServer(httpServer);
    }
  });

  it('Fastify 5: the raw request and reply, with the body left to the router', async () => {
    const app = Fastify();
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
      scope.all('/api/upload/*', (request, reply) => {
        reply.hijack();
        return fixture.router.node(request.raw, reply.raw);
      });
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      await runScenario(fixture, `${urlOf(app.server)}/api/upload`);
    } finally {
      await app.close();
    }
  });

  it('Hono on @hono/node-server: the Fetch handler', async () => {
    const app = new Hono();
    app.all('/api/upload/*', (c) => fixture.router.fetch(c.req.raw));
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
    await new Promise((resolve) => (server.listening ? resolve(undefined) : server.once('listening', resolve)));
    try {
      await runScenario(fixture, `${urlOf(server)}/api/upload`);
    } finally {
      await closeServer(server);
    }
  });

  it('Koa 3: ctx.req / ctx.res with ctx.respond = false', async () => {
    const app = new Koa();
    app.use(async (ctx, next) => {
      if (!ctx.path.startsWith(fixture.router.basePath)) return next();
      ctx.respond = false;
      await fixture.router.node(ctx.req, ctx.res);
    });
    const server = await listening(createServer(app.callback()));
    try {
      await runScenario(fixture, `${urlOf(server)}/api/upload`);
    } finally {
      await closeServer(server);
    }
  });

  it('NestJS 11: a provider resolves the router from the inversify container', async () => {
    const container = new Container();
    container.bind(PRESIGNER).toConstantValue(fixture.presigner);
    const { presigner: _presigner, ...options } = fixture.options;
    await container.load(uploadRouterModule(options));

    @Controller('api/upload')
    class UploadController {
      constructor(@Inject(UPLOAD_ROUTER) private readonly router: UploadRouter) {}

      @All('*path')
      handle(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
        return this.router.node(req, res);
      }
    }

    @Module({
      controllers: [UploadController],
      providers: [{ provide: UPLOAD_ROUTER, useFactory: () => container.getAsync(UPLOAD_ROUTER) }],
    })
    class AppModule {}

    const app = await NestFactory.create(AppModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    try {
      await runScenario(fixture, `${urlOf(app.getHttpServer() as Server)}/api/upload`);
    } finally {
      await app.close();
    }
  });
});
