// Scheduled scaling: the share of a week a scalable target spends at each capacity, from the cron expressions of
// its scheduled actions (ApplicationAutoScaling `ScheduledActions`). A week is walked minute by minute; the
// capacity in force when the week starts is the one the last action of the week before set. The time zone of an
// action does not change how long each capacity holds (daylight saving shifts are ignored).

const DAYS = { SUN: 1, MON: 2, TUE: 3, WED: 4, THU: 5, FRI: 6, SAT: 7 };
const WEEK_MINUTES = 7 * 24 * 60;

class ScheduleError extends Error {}

/** The values of one cron field (`*`, `?`, `5`, `1,3`, `2-6`, `MON-FRI`, `0/15`) within [lo, hi]. */
function field(text, lo, hi, names = {}) {
  const value = (t) => {
    const v = names[t.toUpperCase()] ?? Number(t);
    if (!Number.isInteger(v) || v < lo || v > hi) throw new ScheduleError(`"${t}" is not in ${lo}–${hi}`);
    return v;
  };
  const out = new Set();
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new ScheduleError(`bad step in "${part}"`);
    let from;
    let to;
    if (range === '*' || range === '?') [from, to] = [lo, hi];
    else if (range.includes('-')) [from, to] = range.split('-').map(value);
    else [from, to] = [value(range), stepText === undefined ? value(range) : hi];
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/**
 * The minutes of the week (0 = Sunday 00:00) at which `cron(min hour dom month dow year)` fires. Only weekly
 * patterns are understood: day-of-month and month must be `*` or `?`.
 */
function firingMinutes(expression) {
  const m = /^cron\((.+)\)$/.exec(String(expression).trim());
  if (!m) throw new ScheduleError(`${expression}: only cron(...) schedules are understood`);
  const parts = m[1].trim().split(/\s+/);
  if (parts.length !== 6) throw new ScheduleError(`${expression}: a cron expression has 6 fields`);
  const [min, hour, dom, month, dow] = parts;
  if (!['*', '?'].includes(dom) || !['*', '?'].includes(month))
    throw new ScheduleError(`${expression}: only weekly schedules (day-of-month and month * or ?) are understood`);
  const minutes = field(min, 0, 59);
  const hours = field(hour, 0, 23);
  const days = field(dow, 1, 7, DAYS);
  const out = [];
  for (const d of days) for (const h of hours) for (const mi of minutes) out.push((d - 1) * 1440 + h * 60 + mi);
  return out.sort((a, b) => a - b);
}

/**
 * `actions`: `[{ schedule, min, max }]`. Returns `[{ min, max, share }]`, the shares of the week summing to 1,
 * one entry per capacity (merged). Throws ScheduleError for an expression it does not understand.
 */
function weeklyCapacity(actions) {
  const events = actions
    .flatMap((a) => firingMinutes(a.schedule).map((at) => ({ at, min: a.min, max: a.max })))
    .sort((a, b) => a.at - b.at);
  if (events.length === 0) return [];
  const byCapacity = new Map();
  const add = (e, minutes) => {
    if (minutes <= 0) return;
    const key = `${e.min}/${e.max}`;
    const cur = byCapacity.get(key) ?? { min: e.min, max: e.max, minutes: 0 };
    cur.minutes += minutes;
    byCapacity.set(key, cur);
  };
  // before the first event of the week, the last event of the previous week holds
  add(events[events.length - 1], events[0].at);
  events.forEach((e, i) => {
    add(e, (i + 1 < events.length ? events[i + 1].at : WEEK_MINUTES) - e.at);
  });
  return [...byCapacity.values()].map((c) => ({ min: c.min, max: c.max, share: c.minutes / WEEK_MINUTES }));
}

module.exports = { weeklyCapacity, firingMinutes, ScheduleError };
