export * from './databases';
export * from './infrastructure';
export * from './s3-server';
export * from './tcp-proxy';
export * from './test-env';
export * from './service-process';
export * from './measurements';
export * from './api-client';
