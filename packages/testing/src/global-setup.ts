import { prepareTemplate } from './databases';
import { resolveInfrastructure } from './infrastructure';

/**
 * Vitest global setup for medium and end-to-end tests: decides where the services come from,
 * migrates the template database once, and hands the URLs to the test files through the environment.
 */
export default async function setup() {
  const infra = await resolveInfrastructure();
  const template = await prepareTemplate(infra.databaseUrl);
  process.env.GENLAKE_TEST_TEMPLATE = template.name;
  process.env.GENLAKE_TEST_DATABASE_URL = infra.databaseUrl;
  process.env.GENLAKE_TEST_RABBITMQ_URL = infra.rabbitmqUrl;
  if (infra.rabbitmqManagementUrl) process.env.GENLAKE_TEST_RABBITMQ_MANAGEMENT_URL = infra.rabbitmqManagementUrl;
  if (infra.s3Endpoint) {
    process.env.GENLAKE_TEST_S3_ENDPOINT = infra.s3Endpoint;
    process.env.GENLAKE_TEST_S3_ACCESS_KEY_ID = infra.s3AccessKeyId;
    process.env.GENLAKE_TEST_S3_SECRET_ACCESS_KEY = infra.s3SecretAccessKey;
  }
  return async () => {
    await template.drop().catch(() => {});
    await infra.stop();
  };
}
