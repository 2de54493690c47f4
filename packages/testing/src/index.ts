export * from './api-client';
export * from './databases';
export * from './infrastructure';
export * from './measurements';
export * from './s3-server';
export * from './service-process';
export * from './tcp-proxy';
export * from './test-env';
