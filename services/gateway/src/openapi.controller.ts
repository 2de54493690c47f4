import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Header } from '@nestjs/common';
import { parse } from 'yaml';

/** The committed OpenAPI document (services/gateway/openapi.yaml), served as JSON and YAML. */
export const OPENAPI_FILE = join(__dirname, '..', 'openapi.yaml');

@Controller('api')
export class OpenApiController {
  private readonly yamlText = readFileSync(OPENAPI_FILE, 'utf8');
  private readonly document = parse(this.yamlText);

  @Get('openapi.json')
  json() {
    return this.document;
  }

  @Get('openapi.yaml')
  @Header('content-type', 'application/yaml; charset=utf-8')
  yaml() {
    return this.yamlText;
  }
}
