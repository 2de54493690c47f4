import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Header } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { parse } from 'yaml';

/** The committed OpenAPI document (services/gateway/openapi.yaml), served as JSON and YAML. */
export const OPENAPI_FILE = join(__dirname, '..', 'openapi.yaml');

@Controller('api')
export class OpenApiController {
  private readonly yamlText = readFileSync(OPENAPI_FILE, 'utf8');
  private readonly document = parse(this.yamlText);

  @Get('openapi.json')
  @RouteConfig({ public: true })
  json() {
    return this.document;
  }

  @Get('openapi.yaml')
  @RouteConfig({ public: true })
  @Header('content-type', 'application/yaml; charset=utf-8')
  yaml() {
    return this.yamlText;
  }
}
