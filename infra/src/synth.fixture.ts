import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from './app';
import { GenlakeStage } from './genlake.stage';

/** CloudFormation template JSON, untyped by nature. */
// biome-ignore lint/suspicious/noExplicitAny: template JSON has no static type
export type Json = any;

let cached: Record<string, GenlakeStage> | undefined;

/** Both stages, synthesized once per test file into a temporary directory (never into infra/cdk.out). */
export function stages(): Record<string, GenlakeStage> {
  if (!cached) {
    const outdir = mkdtempSync(join(tmpdir(), 'genlake-infra-test-'));
    process.once('exit', () => rmSync(outdir, { recursive: true, force: true }));
    const app = buildApp({ outdir, environments: ['dev', 'prod'], imageTag: 'test' });
    cached = Object.fromEntries(
      app.node.children.filter((c): c is GenlakeStage => c instanceof GenlakeStage).map((s) => [s.stageName, s]),
    );
  }
  return cached;
}

const templates = new Map<Stack, Template>();
export function template(stack: Stack): Template {
  let t = templates.get(stack);
  if (!t) {
    t = Template.fromStack(stack);
    templates.set(stack, t);
  }
  return t;
}

/** The resources of a type in a template, as [logicalId, properties]. */
export function resources(t: Template, type: string): [string, Record<string, Json>][] {
  return Object.entries(t.findResources(type)).map(([id, r]) => [
    id,
    (r as { Properties?: Record<string, Json> }).Properties ?? {},
  ]);
}

/** `{"Fn::GetStackOutput": {OutputName}}` → OutputName: what another stack's value is (weak cross-stack reference). */
export function outputName(value: unknown): string | undefined {
  return (value as { 'Fn::GetStackOutput'?: { OutputName: string } })?.['Fn::GetStackOutput']?.OutputName;
}
