// The price table (prices.json) and the usage assumptions (usage.json), and the figures derived from them.

const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DEFAULT_PRICES = path.join(ROOT, 'prices.json');
const DEFAULT_USAGE = path.join(ROOT, 'usage.json');

class PriceError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PriceError';
  }
}

function readConfig(file, what) {
  let data;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`Cannot read the ${what} ${file}: ${err.message}`);
  }
  if (!data || typeof data !== 'object') throw new Error(`The ${what} ${file} is not a JSON object`);
  return data;
}

function loadPrices(file = DEFAULT_PRICES) {
  const prices = readConfig(file, 'price table');
  for (const key of ['currency', 'asOf', 'regions']) {
    if (!prices[key]) throw new Error(`The price table ${file} has no "${key}"`);
  }
  prices.file = file;
  return prices;
}

function loadUsage(file = DEFAULT_USAGE) {
  const usage = readConfig(file, 'usage assumptions');
  for (const key of ['hoursPerMonth', 'defaults', 'budget']) {
    if (usage[key] === undefined) throw new Error(`The usage assumptions ${file} have no "${key}"`);
  }
  usage.file = file;
  return usage;
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Deep merge: objects merge key by key, everything else (arrays included) is replaced. */
function merge(base, over) {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

/** The region block of the price table, or a PriceError naming the regions it has. */
function regionPrices(prices, region) {
  const r = prices.regions[region];
  if (!r) {
    throw new PriceError(
      `No prices for region ${region} in ${prices.file ?? 'the price table'} (it has: ${Object.keys(prices.regions).join(', ')})`,
    );
  }
  return r;
}

/** `table[key]`, or a PriceError naming what is missing and where to add it. */
function priceOf(table, key, what, region) {
  const v = table?.[key];
  if (typeof v !== 'number') {
    const known =
      table && typeof table === 'object' ? Object.keys(table).filter((k) => typeof table[k] === 'number') : [];
    throw new PriceError(
      `Unknown ${what} "${key}" in ${region}: it is not in tools/cost/prices.json` +
        (known.length ? ` (known: ${known.join(', ')})` : '') +
        '. Add its on-demand price there, or pick a priced one.',
    );
  }
  return v;
}

/**
 * The usage of one stage (defaults merged with stages.<stage>) plus the derived traffic figures:
 * requests per month through the CDN and the API, GB transferred, spike hours.
 */
function stageUsage(usage, stage) {
  const u = merge(usage.defaults, usage.stages?.[stage] ?? {});
  const H = usage.hoursPerMonth;
  const days = usage.daysPerMonth ?? H / 24;
  const t = u.traffic;
  const s = u.spikes;
  const visits = t.visitsPerDay * days;
  const peakHours = s.eventsPerMonth * s.hoursPerEvent;
  const spikeApiRequests = peakHours * 3600 * s.peakApiRequestsPerSecond;
  const baseApiRequests = visits * t.apiRequestsPerVisit;
  const apiRequests = baseApiRequests + spikeApiRequests;
  const staticRequests = visits * t.staticRequestsPerVisit;
  const apiGb = (apiRequests * t.apiKbPerRequest) / 1e6;
  const staticGb = (staticRequests * t.staticKbPerRequest) / 1e6;
  const derived = {
    hours: H,
    visitsPerMonth: visits,
    peakHours,
    spikeHours: s.eventsPerMonth * (s.hoursPerEvent + s.scaleInHoursPerEvent),
    spikeApiRequests,
    baseApiRequests,
    apiRequests,
    staticRequests,
    cdnRequests: apiRequests + staticRequests,
    cdnOutGb: staticGb + apiGb + t.downloadGbPerMonth,
    originInGb: t.uploadGbPerMonth,
    albProcessedGb: apiGb + t.uploadGbPerMonth + t.downloadGbPerMonth,
    azs: usage.availabilityZones ?? 2,
  };
  return { ...u, derived };
}

module.exports = {
  ROOT,
  DEFAULT_PRICES,
  DEFAULT_USAGE,
  PriceError,
  loadPrices,
  loadUsage,
  merge,
  regionPrices,
  priceOf,
  stageUsage,
};
