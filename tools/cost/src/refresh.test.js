// refresh-prices: the no-credentials path, the mapping of Price List products to the table's entries, and a whole
// refresh against a local server speaking the Price List API's protocol (AWS JSON 1.1, GetProducts, NextToken).
// The products are in the API's documented response format, written for these tests (no AWS access here).

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, tmpDir } from './fixtures/helpers.js';
import { formatTable, NO_CREDENTIALS, priceFromProducts, refreshPrices } from './refresh.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const RESPONSE = JSON.parse(fs.readFileSync(path.join(here, 'fixtures/price-list-get-products.json'), 'utf8'));
const PRODUCTS = RESPONSE.PriceList;

afterAll(cleanup);

function io() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    stdout: { write: (s) => (out.stdout += s) },
    stderr: { write: (s) => (out.stderr += s) },
  };
}

/** A small table in the layout of prices.json: Fargate and one EC2 class in eu-central-1. */
function smallTable() {
  const file = path.join(tmpDir(), 'prices.json');
  const table = {
    currency: 'USD',
    asOf: '2025-06',
    regions: {
      'eu-central-1': {
        fargate: { x86: { vcpuHour: 0.04656, gbHour: 0.00511 }, arm64: { vcpuHour: 0.03725, gbHour: 0.00409 } },
        ec2: { 't4g.nano': 0.0048 },
        ec2Specs: { 't4g.nano': [2, 0.5, 2] },
      },
    },
  };
  fs.writeFileSync(file, formatTable(table));
  return file;
}

describe('refresh-prices without credentials', () => {
  it('changes nothing, says the committed table is used and which variables it reads, and exits non-zero', async () => {
    const file = smallTable();
    const before = fs.readFileSync(file, 'utf8');
    const o = io();
    const code = await refreshPrices(['--prices', file], { ...o, env: { PATH: process.env.PATH } });
    expect(code).toBe(NO_CREDENTIALS);
    expect(code).not.toBe(0);
    expect(o.out.stderr).toMatch(/no AWS credentials, so the committed price table is used/);
    expect(o.out.stderr).toMatch(/eu-central-1, as of 2025-06/);
    for (const v of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE'])
      expect(o.out.stderr).toContain(v);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });

  it('counts a key id without its secret as no credentials', async () => {
    const o = io();
    expect(await refreshPrices(['--prices', smallTable()], { ...o, env: { AWS_ACCESS_KEY_ID: 'AKIA' } })).toBe(
      NO_CREDENTIALS,
    );
  });
});

describe('Price List products to table entries', () => {
  const arm = { usage: /^([A-Z0-9]+-)?Fargate-ARM-vCPU-Hours:perCPU$/ };
  const x86 = { usage: /^([A-Z0-9]+-)?Fargate-vCPU-Hours:perCPU$/ };

  it('takes the on-demand price of the product whose usage type matches, region prefix or not', () => {
    expect(priceFromProducts(arm, PRODUCTS)).toEqual({ value: 0.03725 });
    // Windows and ARM products share the family and the unit; only the usage type tells them apart
    expect(priceFromProducts(x86, PRODUCTS)).toEqual({ value: 0.048 });
    const ec2 = { usage: /^([A-Z0-9]+-)?BoxUsage:/, attributes: { operatingSystem: 'Linux' } };
    expect(priceFromProducts(ec2, PRODUCTS.slice(4, 5))).toEqual({ value: 0.0052 });
  });

  it('reports instead of guessing when nothing or more than one price matches', () => {
    expect(priceFromProducts({ usage: /NatGateway-Hours$/ }, PRODUCTS).problem).toMatch(/no product/);
    const ec2 = { usage: /^([A-Z0-9]+-)?BoxUsage:/ };
    expect(priceFromProducts(ec2, PRODUCTS).problem).toMatch(/2 different prices matched \(0.0052, 0.0042\)/);
  });
});

describe('refresh-prices against a Price List API server', () => {
  let server;
  let endpoint;
  const requests = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const input = JSON.parse(body || '{}');
        requests.push({
          target: req.headers['x-amz-target'],
          signed: /AWS4-HMAC-SHA256/.test(req.headers.authorization ?? ''),
          input,
        });
        if (req.headers['x-amz-target'] !== 'AWSPriceListService.GetProducts') {
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify({ __type: 'InvalidParameterException', message: 'unknown operation' }));
          return;
        }
        const matching = PRODUCTS.filter((text) => {
          const p = JSON.parse(text);
          return (
            p.serviceCode === input.ServiceCode &&
            (input.Filters ?? []).every((f) => (p.product.attributes[f.Field] ?? f.Value) === f.Value)
          );
        });
        // one product a page, to follow NextToken
        const at = Number(input.NextToken ?? 0);
        const page = { FormatVersion: 'aws_v1', PriceList: matching.slice(at, at + 1) };
        if (at + 1 < matching.length) page.NextToken = String(at + 1);
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(page));
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${server.address().port}`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const env = () => ({
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret-for-the-local-server',
    AWS_PRICING_ENDPOINT: endpoint,
  });

  it('updates the entries the API answers, keeps and reports the others, and dates the table', async () => {
    const file = smallTable();
    const o = io();
    const code = await refreshPrices(['--prices', file], { ...o, env: env(), today: '2026-12-02' });
    expect(o.out.stderr).not.toMatch(/failed/);
    expect(code).toBe(0);
    const table = JSON.parse(fs.readFileSync(file, 'utf8'));
    const r = table.regions['eu-central-1'];
    expect(r.fargate.x86.vcpuHour).toBe(0.048);
    expect(r.fargate.arm64).toEqual({ vcpuHour: 0.03725, gbHour: 0.00409 });
    expect(r.ec2['t4g.nano']).toBe(0.0052);
    expect(r.fargate.x86.gbHour).toBe(0.00511); // not answered: kept
    expect(o.out.stderr).toMatch(/eu-central-1 fargate\.x86\.gbHour: no product with an on-demand price matched; kept/);
    expect(o.out.stdout).toMatch(/eu-central-1 fargate\.x86\.vcpuHour: 0\.04656 -> 0\.048/);
    expect(o.out.stdout).toMatch(/2 price\(s\) changed, 1 kept/);
    expect(table.asOf).toBe('2026-12-02');
    expect(r.refreshed).toEqual({ date: '2026-12-02', source: 'AWS Price List API (GetProducts)', entries: 4 });
    expect(fs.readFileSync(file, 'utf8')).toContain('"t4g.nano": [2, 0.5, 2]');
    expect(requests.every((q) => q.target === 'AWSPriceListService.GetProducts' && q.signed)).toBe(true);
    expect(requests.some((q) => q.input.NextToken)).toBe(true);
    const ec2Query = requests.find((q) => q.input.ServiceCode === 'AmazonEC2');
    expect(ec2Query.input.Filters).toEqual(
      expect.arrayContaining([
        { Type: 'TERM_MATCH', Field: 'regionCode', Value: 'eu-central-1' },
        { Type: 'TERM_MATCH', Field: 'instanceType', Value: 't4g.nano' },
      ]),
    );
  });

  it('writes nothing with --dry-run, and nothing when the API fails', async () => {
    const file = smallTable();
    const before = fs.readFileSync(file, 'utf8');
    const o = io();
    expect(await refreshPrices(['--prices', file, '--dry-run'], { ...o, env: env() })).toBe(0);
    expect(o.out.stdout).toMatch(/dry run: nothing written/);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
    const down = io();
    const code = await refreshPrices(['--prices', file], {
      ...down,
      env: { ...env(), AWS_PRICING_ENDPOINT: 'http://127.0.0.1:9' },
    });
    expect(code).toBe(1);
    expect(down.out.stderr).toMatch(/the Price List API failed .*nothing written, the committed table/);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });
});
