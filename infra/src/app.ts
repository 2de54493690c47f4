#!/usr/bin/env node
// The genlake CDK app: one stage per environment (dev, prod). Synthesizes offline, without AWS credentials:
//   node infra/dist/app.js                 → infra/cdk.out
//   npx aws-cdk@2 deploy --app 'node infra/dist/app.js' --output infra/cdk.out 'dev/*'
// Context: -c imageTag=<tag> (image the services run), -c environments=dev (synthesize only some stages).
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { ENVIRONMENTS, loadConfig } from './config';
import { FEATURE_FLAGS } from './feature.flags';
import { GenlakeStage } from './genlake.stage';

export function buildApp(options: { outdir?: string; environments?: string[]; imageTag?: string } = {}): App {
  const app = new App({
    outdir: options.outdir ?? process.env.CDK_OUTDIR ?? join(__dirname, '..', 'cdk.out'),
    context: { ...FEATURE_FLAGS },
    analyticsReporting: false,
  });
  const wanted =
    options.environments ??
    String(app.node.tryGetContext('environments') ?? Object.keys(ENVIRONMENTS).join(','))
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
  const imageTag = options.imageTag ?? app.node.tryGetContext('imageTag');
  for (const name of wanted) {
    new GenlakeStage(app, name, { config: loadConfig(name), imageTag });
  }
  return app;
}

if (require.main === module) {
  try {
    buildApp().synth();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
