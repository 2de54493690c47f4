import type { GatewayConfig } from './config';

export const GATEWAY_CONFIG = Symbol('gateway.config');
export const BATCH_REPOSITORY = Symbol('gateway.batch-repository');
export type GatewayConfigRef = GatewayConfig;
