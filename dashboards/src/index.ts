export * from './build';
export * from './intake.dashboard';
export * from './metric.queries';
export * from './panel.builders';
export * from './stuck.dashboard';
export * from './topology.catalog';
export * from './who-to-call.dashboard';
