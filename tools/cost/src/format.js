// Renders an estimate (and a comparison) as a plain-text table, Markdown or JSON.

function money(x) {
  const v = Math.round(x * 100) / 100;
  const text = `$${Math.abs(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  return v < 0 ? `-${text}` : text;
}

function unitPrice(p) {
  if (p === 0) return '$0';
  if (p >= 1) return `$${p.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 })}`;
  const s = String(Number(p.toPrecision(4)));
  const decimals = (s.split('.')[1] ?? '').length;
  return `$${Number(s).toFixed(Math.max(2, decimals))}`;
}

function quantity(q) {
  if (q === 0) return '0';
  if (Number.isInteger(q)) return q.toLocaleString('en-US');
  if (Math.abs(q) >= 100) return Math.round(q).toLocaleString('en-US');
  if (Math.abs(q) >= 1) return String(Math.round(q * 100) / 100);
  return String(Number(q.toPrecision(3)));
}

function basis(l) {
  if (l.kind === 'priced') return `${quantity(l.quantity)} ${l.unit} × ${unitPrice(l.unitPrice)}`;
  if (l.kind === 'usage')
    return l.assumptions?.length ? `usage-based, see assumption ${l.assumptions.join(', ')}` : 'usage-based';
  if (l.kind === 'unknown') return 'NOT PRICED';
  return 'no charge';
}

const shortType = (t) => String(t ?? '').replace(/^AWS::/, '');

/**
 * The rows shown for an environment: every priced, usage-based or unknown line, and (unless `all`) one row
 * per type for the resources with no charge.
 */
function rows(env, all) {
  const out = [];
  const free = new Map();
  for (const l of env.lines) {
    if (l.kind === 'no-charge' && !all && l.monthly === 0) {
      const key = l.type;
      if (!free.has(key)) free.set(key, { count: 0, description: l.description });
      free.get(key).count += 1;
      continue;
    }
    const refs = l.assumptions?.length && l.kind === 'priced' ? ` [${l.assumptions.join(', ')}]` : '';
    out.push({
      resource: `${l.stack}/${l.logicalId}`,
      type: shortType(l.type),
      description: `${l.description}${refs}`,
      basis: basis(l),
      monthly: l.monthly,
    });
  }
  for (const [type, f] of [...free.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    out.push({
      resource: `${f.count} resource${f.count > 1 ? 's' : ''}`,
      type: shortType(type),
      description: f.description,
      basis: 'no charge',
      monthly: 0,
    });
  }
  return out;
}

function pad(s, w, right) {
  s = String(s);
  return right ? s.padStart(w) : s.padEnd(w);
}

function textTable(headers, data, rightCols = []) {
  const widths = headers.map((h, i) => Math.max(h.length, ...data.map((r) => String(r[i]).length)));
  const line = (r) =>
    r
      .map((c, i) => pad(c, widths[i], rightCols.includes(i)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...data.map(line)].join('\n');
}

const mdEscape = (s) => String(s).replace(/\|/g, '\\|');

function mdTable(headers, data, rightCols = []) {
  const sep = headers.map((_, i) => (rightCols.includes(i) ? '---:' : '---'));
  return [headers, sep, ...data].map((r) => `| ${r.map(mdEscape).join(' | ')} |`).join('\n');
}

function budgetLine(report) {
  const b = report.budget;
  const names = b.stages.join(' + ');
  const missing = b.missing.length ? ` (not in the assembly: ${b.missing.join(', ')})` : '';
  // the budget holds at list prices; the always-free tier is the second figure only
  const verdict = b.within
    ? `within the ${money(b.limit)} budget (${money(b.headroom)} headroom)`
    : `OVER the ${money(b.limit)} budget by ${money(-b.headroom)}`;
  return `${names}: ${money(b.listTotal)} a month at list prices, ${verdict}${missing}; ${money(b.freeTierTotal)} with the always-free tier of each account`;
}

const HEAD = ['Resource', 'Type', 'What', 'Quantity × unit price', 'Monthly'];

/** Monthly cost per stack (without the stage prefix), per environment: the header row and the data rows. */
function stackTotals(report, bold = (x) => x) {
  const envs = report.environments;
  const names = [];
  const sums = envs.map(() => new Map());
  envs.forEach((env, i) => {
    for (const l of env.lines) {
      const stack = l.stack.startsWith(`${env.name}/`) ? l.stack.slice(env.name.length + 1) : l.stack;
      if (!names.includes(stack)) names.push(stack);
      sums[i].set(stack, (sums[i].get(stack) ?? 0) + l.monthly);
    }
  });
  const counted = envs.map((e) => report.budget.stages.includes(e.name));
  const head = ['Stack', ...envs.map((e) => e.name), `${report.budget.stages.join(' + ')}`];
  const data = names.map((n) => [
    n,
    ...sums.map((m) => money(m.get(n) ?? 0)),
    money(sums.reduce((a, m, i) => a + (counted[i] ? (m.get(n) ?? 0) : 0), 0)),
  ]);
  data.push([bold('total'), ...envs.map((e) => bold(money(e.subtotal))), bold(money(report.budget.total))]);
  return { head, data };
}

function formatTable(report, { all = false } = {}) {
  const out = [];
  out.push(
    `genlake monthly cost, ${report.prices.basis}, prices as of ${report.prices.asOf} (${report.prices.currency})` +
      `${report.freeTier ? ', always-free tier subtracted per AWS account' : ', no free tier'}`,
  );
  out.push(`assembly: ${report.assemblyDir}`);
  // the verdict and the totals first: the resource tables below are long
  out.push('');
  out.push(`Budget: ${budgetLine(report)}`);
  out.push('');
  out.push('== total by stack ==');
  const totals = stackTotals(report);
  out.push(textTable(totals.head, totals.data, totals.head.map((_, i) => i).slice(1)));
  for (const env of report.environments) {
    out.push('');
    out.push(`== ${env.name} (${env.regions.join(', ')}) ==`);
    const data = rows(env, all).map((r) => [r.resource, r.type, r.description, r.basis, money(r.monthly)]);
    data.push(['', '', '', `subtotal ${env.name}`, money(env.subtotal)]);
    out.push(textTable(HEAD, data, [4]));
    for (const w of env.warnings) out.push(`warning: ${w}`);
  }
  out.push('');
  out.push('Assumptions (tools/cost/usage.json):');
  for (const env of report.environments) {
    for (const [k, v] of Object.entries(env.assumptions)) out.push(`  [${k}] ${env.name}: ${v}`);
  }
  return `${out.join('\n')}\n`;
}

function formatMarkdown(report, { all = false, heading = '###' } = {}) {
  const out = [];
  out.push(
    `Prices: ${report.prices.basis}, as of ${report.prices.asOf}, in ${report.prices.currency}; ` +
      `${report.freeTier ? 'the always-free tier of each account subtracted' : 'no free tier'}.`,
  );
  for (const env of report.environments) {
    out.push('');
    out.push(`${heading} ${env.name} (${env.regions.join(', ')}): ${money(env.subtotal)} a month`);
    out.push('');
    const data = rows(env, all).map((r) => [`\`${r.resource}\``, r.type, r.description, r.basis, money(r.monthly)]);
    data.push(['**subtotal**', '', '', '', `**${money(env.subtotal)}**`]);
    out.push(mdTable(HEAD, data, [4]));
    if (env.warnings.length) {
      out.push('');
      for (const w of env.warnings) out.push(`- warning: ${w}`);
    }
  }
  out.push('');
  out.push(`${heading} Total by stack`);
  out.push('');
  const totals = stackTotals(report, (x) => `**${x}**`);
  out.push(mdTable(totals.head, totals.data, totals.head.map((_, i) => i).slice(1)));
  out.push('');
  out.push(`**Budget:** ${budgetLine(report)}.`);
  out.push('');
  out.push(`${heading} Assumptions`);
  out.push('');
  for (const env of report.environments) {
    for (const [k, v] of Object.entries(env.assumptions)) out.push(`- **${k}** (${env.name}): ${v}`);
  }
  return `${out.join('\n')}\n`;
}

function formatJson(report) {
  const round = (x) => Math.round(x * 100) / 100;
  return `${JSON.stringify(
    {
      ...report,
      environments: report.environments.map(({ resources, ...e }) => ({ ...e, subtotal: round(e.subtotal) })),
      budget: { ...report.budget, total: round(report.budget.total), headroom: round(report.budget.headroom) },
    },
    null,
    2,
  )}\n`;
}

function format(report, fmt, opts) {
  if (fmt === 'json') return formatJson(report);
  if (fmt === 'markdown') return formatMarkdown(report, opts);
  return formatTable(report, opts);
}

module.exports = {
  format,
  formatTable,
  formatMarkdown,
  formatJson,
  money,
  unitPrice,
  quantity,
  basis,
  textTable,
  mdTable,
};
