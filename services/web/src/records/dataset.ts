import batchRequestSchema from '@genlake/contracts/schemas/batch-request.v1.schema.json';

/** The dataset name rule, read from batch-request.v1. */
export const datasetPattern = new RegExp(batchRequestSchema.properties.dataset.pattern);
