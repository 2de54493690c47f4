// npm run cost -- refresh-prices: updates the unit prices of tools/cost/prices.json from the AWS Price List API
// (GetProducts), for the regions the table has. It needs AWS credentials (any identity may call the Price List
// API); without them it changes nothing, says that the committed table is used, and exits 4.
//
// Only the entries in ENTRIES and FAMILIES below are refreshed (the prices that make most of the bill); the others
// keep their committed value. An entry the API does not answer unambiguously keeps its value and is reported.

const fs = require('node:fs');
const { parseArgs } = require('node:util');
const { DEFAULT_PRICES } = require('./config');

/** Exit code when no credentials are given (the committed table stays in use). */
const NO_CREDENTIALS = 4;

/** The variables the AWS SDK reads credentials from, in the order it tries them. */
const CREDENTIAL_VARIABLES = [
  ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'],
  ['AWS_PROFILE'],
  ['AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN'],
  ['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'],
  ['AWS_CONTAINER_CREDENTIALS_FULL_URI'],
];

function hasCredentials(env) {
  return CREDENTIAL_VARIABLES.some((group) => group.every((v) => env[v]));
}

/**
 * Single prices: `key` is the path in a region of prices.json, `service` the Price List service code, `usage` the
 * usage type (region prefix such as `EUC1-` allowed), `attributes` further exact filters.
 */
const ENTRIES = [
  { key: 'fargate.x86.vcpuHour', service: 'AmazonECS', usage: /^([A-Z0-9]+-)?Fargate-vCPU-Hours:perCPU$/ },
  { key: 'fargate.x86.gbHour', service: 'AmazonECS', usage: /^([A-Z0-9]+-)?Fargate-GB-Hours$/ },
  { key: 'fargate.arm64.vcpuHour', service: 'AmazonECS', usage: /^([A-Z0-9]+-)?Fargate-ARM-vCPU-Hours:perCPU$/ },
  { key: 'fargate.arm64.gbHour', service: 'AmazonECS', usage: /^([A-Z0-9]+-)?Fargate-ARM-GB-Hours$/ },
  { key: 'publicIpv4Hour', service: 'AmazonVPC', usage: /^([A-Z0-9]+-)?PublicIPv4:InUseAddress$/ },
  {
    key: 'elb.application.hour',
    service: 'AWSELB',
    usage: /^([A-Z0-9]+-)?LoadBalancerUsage$/,
    attributes: { productFamily: 'Load Balancer-Application' },
  },
  {
    key: 'elb.application.lcuHour',
    service: 'AWSELB',
    usage: /^([A-Z0-9]+-)?LCUUsage$/,
    attributes: { productFamily: 'Load Balancer-Application' },
  },
  { key: 'natGateway.hour', service: 'AmazonEC2', usage: /^([A-Z0-9]+-)?NatGateway-Hours$/ },
  { key: 'natGateway.gb', service: 'AmazonEC2', usage: /^([A-Z0-9]+-)?NatGateway-Bytes$/ },
  { key: 'ebs.gp3GbMonth', service: 'AmazonEC2', usage: /^([A-Z0-9]+-)?EBS:VolumeUsage\.gp3$/ },
  { key: 'logs.ingestGb', service: 'AmazonCloudWatch', usage: /^([A-Z0-9]+-)?DataProcessing-Bytes$/ },
  {
    key: 'secretsManager.secretMonth',
    service: 'AWSSecretsManager',
    usage: /^([A-Z0-9]+-)?AWSSecretsManager-Secrets$/,
  },
];

/** Per-instance-class tables: every class already in the table is looked up by `instanceType`. */
const FAMILIES = [
  {
    key: 'ec2',
    service: 'AmazonEC2',
    usage: /^([A-Z0-9]+-)?BoxUsage:/,
    attributes: { operatingSystem: 'Linux', tenancy: 'Shared', preInstalledSw: 'NA', capacitystatus: 'Used' },
  },
  {
    key: 'rds.postgres',
    service: 'AmazonRDS',
    usage: /^([A-Z0-9]+-)?InstanceUsage:db\./,
    attributes: { databaseEngine: 'PostgreSQL', deploymentOption: 'Single-AZ' },
  },
  {
    key: 'mq.rabbitmq',
    service: 'AmazonMQ',
    usage: /^([A-Z0-9]+-)?BrokerUsage:mq\./,
    attributes: { brokerEngine: 'RabbitMQ', deploymentOption: 'Single-AZ' },
  },
];

/** `{ usagetype, attributes, usd, unit }` of one Price List product (a JSON string of GetProducts' PriceList). */
function productPrice(text) {
  // the SDK hands each product over as a (lazy) JSON string
  const product = text && typeof text === 'object' && 'product' in text ? text : JSON.parse(String(text));
  const attributes = product?.product?.attributes ?? {};
  const dims = Object.values(product?.terms?.OnDemand ?? {}).flatMap((t) => Object.values(t.priceDimensions ?? {}));
  // the first tier (beginRange 0) is the price a small account pays
  const first = dims.find((d) => String(d.beginRange ?? '0') === '0') ?? dims[0];
  const usd = first ? Number(first.pricePerUnit?.USD) : Number.NaN;
  return { usagetype: attributes.usagetype ?? '', attributes, usd, unit: first?.unit };
}

/**
 * The price one entry takes from the products of a GetProducts answer: `{ value }`, or `{ problem }` when no
 * product, or more than one different price, matches.
 */
function priceFromProducts(entry, priceList) {
  const matches = priceList
    .map(productPrice)
    .filter((p) => entry.usage.test(p.usagetype))
    .filter((p) =>
      Object.entries(entry.attributes ?? {}).every(([k, v]) => p.attributes[k] === undefined || p.attributes[k] === v),
    )
    .filter((p) => Number.isFinite(p.usd) && p.usd > 0);
  const prices = [...new Set(matches.map((p) => p.usd))];
  if (prices.length === 0) return { problem: 'no product with an on-demand price matched' };
  if (prices.length > 1) return { problem: `${prices.length} different prices matched (${prices.join(', ')})` };
  return { value: prices[0] };
}

// paths are arrays: instance classes have dots of their own (t4g.nano)
const getPath = (obj, keys) => keys.reduce((o, k) => o?.[k], obj);
function setPath(obj, keys, value) {
  const target = keys.slice(0, -1).reduce((o, k) => o[k], obj);
  target[keys[keys.length - 1]] = value;
}

/** The lookups for one region of the table: `[{ path, service, filters, entry }]`. */
function lookups(regionTable, region) {
  const term = (Field, Value) => ({ Type: 'TERM_MATCH', Field, Value });
  const out = [];
  for (const e of ENTRIES) {
    const keys = e.key.split('.');
    if (getPath(regionTable, keys) === undefined) continue;
    const filters = [term('regionCode', region), ...Object.entries(e.attributes ?? {}).map(([k, v]) => term(k, v))];
    out.push({ path: e.key, keys, service: e.service, filters, entry: e });
  }
  for (const f of FAMILIES) {
    for (const cls of Object.keys(getPath(regionTable, f.key.split('.')) ?? {})) {
      if (cls.startsWith('$')) continue;
      const filters = [
        term('regionCode', region),
        term('instanceType', cls),
        ...Object.entries(f.attributes).map(([k, v]) => term(k, v)),
      ];
      out.push({ path: `${f.key}.${cls}`, keys: [...f.key.split('.'), cls], service: f.service, filters, entry: f });
    }
  }
  return out;
}

/** Every product of a GetProducts query (following NextToken). `send` is the Pricing client's `send`. */
async function allProducts(client, commands, service, filters) {
  const list = [];
  let NextToken;
  do {
    const page = await client.send(
      new commands.GetProductsCommand({ ServiceCode: service, Filters: filters, MaxResults: 100, NextToken }),
    );
    list.push(...(page.PriceList ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return list;
}

/**
 * Refreshes `table` (prices.json, parsed) in place for its regions. Returns `{ changes: [{ region, path, from, to }],
 * problems: [{ region, path, problem }] }`.
 */
async function refreshTable(table, { client, commands, regions, today }) {
  const changes = [];
  const problems = [];
  let refreshedTotal = 0;
  for (const region of regions ?? Object.keys(table.regions)) {
    const regionTable = table.regions[region];
    if (!regionTable) {
      problems.push({
        region,
        path: '',
        problem: `not in the table (it has ${Object.keys(table.regions).join(', ')})`,
      });
      continue;
    }
    let refreshed = 0;
    for (const l of lookups(regionTable, region)) {
      const got = priceFromProducts(l.entry, await allProducts(client, commands, l.service, l.filters));
      if (got.problem) {
        problems.push({ region, path: l.path, problem: got.problem });
        continue;
      }
      refreshed++;
      const from = getPath(regionTable, l.keys);
      if (from !== got.value) {
        changes.push({ region, path: l.path, from, to: got.value });
        setPath(regionTable, l.keys, got.value);
      }
    }
    regionTable.refreshed = { date: today, source: 'AWS Price List API (GetProducts)', entries: refreshed };
    refreshedTotal += refreshed;
  }
  if (refreshedTotal > 0) table.asOf = today;
  return { changes, problems };
}

const HELP = `Usage: npm run cost -- refresh-prices [options]

Updates the unit prices of tools/cost/prices.json (Fargate, EC2, RDS, Amazon MQ, ALB, NAT gateway, public IPv4,
EBS gp3, CloudWatch Logs, Secrets Manager) from the AWS Price List API, for each region the table has. Needs AWS
credentials, read from ${CREDENTIAL_VARIABLES.map((g) => g.join(' + ')).join(', ')}.
Without them nothing changes and the committed table is used (exit ${NO_CREDENTIALS}).

Options:
  --prices <file>     the table to update (default: tools/cost/prices.json)
  --region <region>   only this region of the table (repeatable)
  --dry-run           print the changes, write nothing
  -h, --help          this help
`;

/** JSON as the repository's formatter writes it: two-space indent, short arrays of numbers on one line. */
function formatTable(table) {
  const text = JSON.stringify(table, null, 2).replace(
    /\[\s+([^[\]{}]*?)\s+\]/g,
    (_, inner) => `[${inner.split(/,\s+/).join(', ')}]`,
  );
  return `${text}\n`;
}

/** The refresh-prices command. Resolves to the exit code. `pricing` injects the SDK module (tests). */
async function refreshPrices(argv, { stdout, stderr, env = process.env, pricing, today } = {}) {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        prices: { type: 'string', default: DEFAULT_PRICES },
        region: { type: 'string', multiple: true },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    stderr.write(`cost refresh-prices: ${err.message}\n\n${HELP}`);
    return 1;
  }
  if (args.help) {
    stdout.write(HELP);
    return 0;
  }
  let table;
  try {
    table = JSON.parse(fs.readFileSync(args.prices, 'utf8'));
  } catch (err) {
    stderr.write(`cost refresh-prices: cannot read ${args.prices}: ${err.message}\n`);
    return 1;
  }
  const committed = `${Object.keys(table.regions ?? {}).join(', ')}, as of ${table.asOf}`;
  if (!hasCredentials(env)) {
    stderr.write(
      `cost refresh-prices: no AWS credentials, so the committed price table is used (${args.prices}: ${committed}).\n` +
        `Give credentials in ${CREDENTIAL_VARIABLES.map((g) => g.join(' + ')).join(', or ')} to refresh it.\n`,
    );
    return NO_CREDENTIALS;
  }
  const sdk = pricing ?? require('@aws-sdk/client-pricing');
  // the Price List API answers in us-east-1 (also eu-central-1, ap-south-1); AWS_PRICING_ENDPOINT overrides it
  const client = new sdk.PricingClient({
    region: env.AWS_PRICING_REGION || 'us-east-1',
    ...(env.AWS_PRICING_ENDPOINT ? { endpoint: env.AWS_PRICING_ENDPOINT } : {}),
    // keys given in the environment are used as given; otherwise the SDK's chain (profile, web identity, container)
    ...(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: env.AWS_ACCESS_KEY_ID,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
            sessionToken: env.AWS_SESSION_TOKEN,
          },
        }
      : {}),
  });
  const date = today ?? new Date().toISOString().slice(0, 10);
  let result;
  try {
    result = await refreshTable(table, { client, commands: sdk, regions: args.region, today: date });
  } catch (err) {
    stderr.write(
      `cost refresh-prices: the Price List API failed (${err.name ?? 'Error'}: ${err.message}); nothing written, the committed table (${committed}) stays in use\n`,
    );
    return 1;
  } finally {
    client.destroy?.();
  }
  for (const c of result.changes) stdout.write(`${c.region} ${c.path}: ${c.from} -> ${c.to}\n`);
  for (const p of result.problems) stderr.write(`cost refresh-prices: ${p.region} ${p.path}: ${p.problem}; kept\n`);
  stdout.write(
    `${result.changes.length} price(s) changed, ${result.problems.length} kept for want of an unambiguous answer` +
      `${args['dry-run'] ? ' (dry run: nothing written)' : `; ${args.prices} as of ${table.asOf}`}\n`,
  );
  if (!args['dry-run']) fs.writeFileSync(args.prices, formatTable(table));
  return 0;
}

module.exports = {
  refreshPrices,
  refreshTable,
  priceFromProducts,
  productPrice,
  lookups,
  formatTable,
  hasCredentials,
  CREDENTIAL_VARIABLES,
  NO_CREDENTIALS,
};
