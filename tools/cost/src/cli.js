#!/usr/bin/env node

// npm run cost: the monthly cost of each environment, computed from the synthesized CloudFormation templates.

const path = require('node:path');
const { parseArgs } = require('node:util');
const { loadAssembly, AssemblyMissingError } = require('./assembly');
const { loadPrices, loadUsage, PriceError, DEFAULT_PRICES, DEFAULT_USAGE } = require('./config');
const { estimate, coverageProblems } = require('./estimate');
const { format } = require('./format');
const { compare, formatComparison } = require('./compare');
const { refreshPrices, NO_CREDENTIALS } = require('./refresh');

const DEFAULT_ASSEMBLY = path.resolve(__dirname, '../../../infra/cdk.out');

const HELP = `Usage: npm run cost -- [options]
       npm run cost -- refresh-prices [--dry-run] [--region <region>]   (see refresh-prices --help)

Prints the monthly cost of each environment (stage) of the synthesized CDK app, resource by resource,
from the CloudFormation templates in the cloud assembly, with the prices in tools/cost/prices.json and
the usage assumptions in tools/cost/usage.json.

Options:
  --format table|markdown|json   output format (default: table)
  --assembly <dir>               cloud assembly to read (default: infra/cdk.out)
  --region <region>              price every stack in this region instead of the one it is synthesized for
  --stage <name>                 only this stage (repeatable)
  --all                          list every no-charge resource on its own row
  --free-tier                    subtract the always-free allowances (CloudFront 1 TB and 10M requests, 10 alarms,
                                 5 GB of logs…) once per AWS account, also for stacks that name no account
                                 (default: only for environments whose stacks name their account)
  --no-free-tier                 list prices only
  --compare                      compare the design options (compute, NAT, broker, database, monitoring)
  --prices <file>                price table (default: tools/cost/prices.json)
  --usage <file>                 usage assumptions (default: tools/cost/usage.json)
  --strict                       fail when a resource type is not in the price table
  --fail-over-budget             exit 3 when the budgeted environments cost more than the budget
  -h, --help                     this help

Exit codes: 0 done, 1 error (e.g. an instance class the price table does not know), 2 no assembly
(run npm run synth first), 3 over budget (with --fail-over-budget), ${NO_CREDENTIALS} refresh-prices without AWS
credentials (the committed table stays in use).
`;

function run(argv, { stdout = process.stdout, stderr = process.stderr, env = process.env } = {}) {
  if (argv[0] === 'refresh-prices') return refreshPrices(argv.slice(1), { stdout, stderr, env });
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        format: { type: 'string', default: 'table' },
        assembly: { type: 'string' },
        region: { type: 'string' },
        stage: { type: 'string', multiple: true },
        all: { type: 'boolean', default: false },
        'free-tier': { type: 'boolean', default: false },
        'no-free-tier': { type: 'boolean', default: false },
        compare: { type: 'boolean', default: false },
        prices: { type: 'string' },
        usage: { type: 'string' },
        strict: { type: 'boolean', default: false },
        'fail-over-budget': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    stderr.write(`cost: ${err.message}\n\n${HELP}`);
    return 1;
  }
  if (args.help) {
    stdout.write(HELP);
    return 0;
  }
  if (!['table', 'markdown', 'json'].includes(args.format)) {
    stderr.write(`cost: --format must be table, markdown or json (got ${args.format})\n`);
    return 1;
  }
  try {
    const prices = loadPrices(args.prices ? path.resolve(args.prices) : DEFAULT_PRICES);
    const usage = loadUsage(args.usage ? path.resolve(args.usage) : DEFAULT_USAGE);
    const assemblyDir = args.assembly ? path.resolve(args.assembly) : DEFAULT_ASSEMBLY;
    if (args.compare) {
      let assembly;
      try {
        assembly = loadAssembly(assemblyDir, { stageOrder: usage.budget.stages });
      } catch (err) {
        if (!(err instanceof AssemblyMissingError)) throw err;
      }
      const result = compare({ prices, usage, region: args.region, assembly });
      stdout.write(formatComparison(result, args.format));
      return 0;
    }
    const assembly = loadAssembly(assemblyDir, { stageOrder: usage.budget.stages });
    const report = estimate({
      assembly,
      prices,
      usage,
      region: args.region,
      stages: args.stage,
      freeTier: args['no-free-tier'] ? false : args['free-tier'] ? true : 'auto',
    });
    if (args.stage && report.environments.length === 0) {
      stderr.write(
        `cost: no stage ${args.stage.join(', ')} in ${assembly.dir} (it has: ${assembly.stages.map((s) => s.name).join(', ')})\n`,
      );
      return 1;
    }
    stdout.write(format(report, args.format, { all: args.all }));
    const problems = coverageProblems(report);
    if (args.strict && problems.length) {
      stderr.write(`cost: ${problems.length} resource(s) without a price:\n  ${problems.join('\n  ')}\n`);
      return 1;
    }
    if (args['fail-over-budget'] && !report.budget.within) return 3;
    return 0;
  } catch (err) {
    if (err instanceof AssemblyMissingError) {
      stderr.write(`cost: ${err.message}\n`);
      return 2;
    }
    if (err instanceof PriceError) {
      stderr.write(`cost: ${err.message}\n`);
      return 1;
    }
    stderr.write(`cost: ${err.message}\n`);
    return 1;
  }
}

/** `npm run cost | head`: the reader closing the pipe ends the output quietly, without a stack trace. */
function quietOnClosedPipe(stream) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

if (require.main === module) {
  quietOnClosedPipe(process.stdout);
  // refresh-prices is asynchronous (it calls the Price List API); the estimate is not
  Promise.resolve(run(process.argv.slice(2))).then((code) => {
    process.exitCode = code;
  });
}

module.exports = { run, HELP, DEFAULT_ASSEMBLY };
