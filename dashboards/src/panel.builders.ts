/**
 * Shared building blocks of the genlake dashboards: the datasource variable, Prometheus queries, stat,
 * time series and text panels with the house style (plain-language titles, a description on every panel,
 * green/red thresholds), and the final touches every dashboard gets (stable panel ids).
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as text from '@grafana/grafana-foundation-sdk/text';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

/** Every panel queries the Prometheus datasource chosen in this variable (the default one when provisioned). */
export const DATASOURCE_VARIABLE = 'datasource';
export const PROMETHEUS: { type: string; uid: string } = { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` };
/** Tag on every genlake dashboard; the dashboards link to each other through it. */
export const GENLAKE_TAG = 'genlake';

export type Color = 'green' | 'red' | 'orange' | 'yellow' | 'blue' | 'text';

export interface Query {
  expr: string;
  /** Legend of each series, e.g. `{{queue}}`; defaults to Grafana's own. */
  legend?: string;
}

export interface Step {
  /** Lower bound of the step; the first step starts at minus infinity whatever this says. */
  from: number;
  color: Color;
}

/** Shows `text` (and `color`) instead of the number when the value is in [from, to]. */
export interface Label {
  from: number;
  to?: number;
  text: string;
  color: Color;
}

export interface Size {
  /** Grid columns (the grid is 24 wide). */
  width?: number;
  /** Grid rows (one row is 30 px). */
  height?: number;
}

export interface StatInput extends Size {
  title: string;
  description: string;
  query: Query | string;
  unit?: string;
  decimals?: number;
  steps?: Step[];
  labels?: Label[];
  /** Shown when the query returns nothing. */
  noValue?: string;
  /** Draws the value's recent history behind it. */
  sparkline?: boolean;
}

export interface TimeSeriesInput extends Size {
  title: string;
  description: string;
  queries: Query[];
  unit?: string;
  /** Draws the series as stacked areas (for parts of a whole, e.g. outcomes). */
  stacked?: boolean;
  /** Colors a line by its legend text, e.g. `{ dead: 'red' }`. */
  colors?: Record<string, Color>;
}

export interface TextInput extends Size {
  title: string;
  markdown: string;
}

export interface DashboardInput {
  uid: string;
  title: string;
  description: string;
  tags?: string[];
  /** Time range shown on open, e.g. `now-6h`. */
  from?: string;
}

const REF_IDS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function toQuery(query: Query | string): Query {
  return typeof query === 'string' ? { expr: query } : query;
}

/** One Prometheus query; `instant` for stat panels (one value), range otherwise. */
export function promQuery(query: Query | string, index = 0, instant = false): prometheus.DataqueryBuilder {
  const q = toQuery(query);
  const builder = new prometheus.DataqueryBuilder().datasource(PROMETHEUS).expr(q.expr).refId(REF_IDS[index]);
  if (q.legend !== undefined) builder.legendFormat(q.legend);
  return instant ? builder.instant() : builder.range();
}

function thresholds(steps: Step[]): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps(steps.map((step, i) => ({ value: i === 0 ? null : step.from, color: step.color })));
}

function mappings(labels: Label[]): dashboard.ValueMapping[] {
  return labels.map(
    (label): dashboard.RangeMap => ({
      type: dashboard.MappingType.RangeToText,
      options: { from: label.from, to: label.to ?? null, result: { text: label.text, color: label.color } },
    }),
  );
}

/** Green at zero, red above: for counts of things that should not happen. */
export const ZERO_IS_GOOD: Step[] = [
  { from: 0, color: 'green' },
  { from: 1e-9, color: 'red' },
];

/** A big number (or a word, with `labels`) with a color. */
export function statPanel(input: StatInput): stat.PanelBuilder {
  const builder = new stat.PanelBuilder()
    .title(input.title)
    .description(input.description)
    .datasource(PROMETHEUS)
    .withTarget(promQuery(input.query, 0, !input.sparkline))
    .height(input.height ?? 5)
    .span(input.width ?? 6)
    .colorMode(common.BigValueColorMode.Background)
    .graphMode(input.sparkline ? common.BigValueGraphMode.Area : common.BigValueGraphMode.None)
    .textMode(common.BigValueTextMode.Value)
    .justifyMode(common.BigValueJustifyMode.Center)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(thresholds(input.steps ?? [{ from: 0, color: 'blue' }]))
    .colorScheme(new dashboard.FieldColorBuilder().mode(dashboard.FieldColorModeId.Thresholds));
  if (input.unit) builder.unit(input.unit);
  if (input.decimals !== undefined) builder.decimals(input.decimals);
  if (input.labels) builder.mappings(mappings(input.labels));
  if (input.noValue) builder.noValue(input.noValue);
  return builder;
}

/** Lines over time, one per series. */
export function timeSeriesPanel(input: TimeSeriesInput): timeseries.PanelBuilder {
  const builder = new timeseries.PanelBuilder()
    .title(input.title)
    .description(input.description)
    .datasource(PROMETHEUS)
    .targets(input.queries.map((q, i) => promQuery(q, i)))
    .height(input.height ?? 8)
    .span(input.width ?? 12)
    .min(0)
    .lineWidth(2)
    .fillOpacity(input.stacked ? 40 : 10)
    .showPoints(common.VisibilityMode.Never)
    .spanNulls(true)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom),
    )
    .tooltip(
      new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending),
    );
  if (input.unit) builder.unit(input.unit);
  if (input.stacked) builder.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  for (const [name, color] of Object.entries(input.colors ?? {})) {
    builder.overrideByName(name, [{ id: 'color', value: { mode: 'fixed', fixedColor: color } }]);
  }
  return builder;
}

/** Markdown text: explanations and instructions. */
export function textPanel(input: TextInput): text.PanelBuilder {
  return new text.PanelBuilder()
    .title(input.title)
    .mode(text.TextMode.Markdown)
    .content(input.markdown)
    .height(input.height ?? 6)
    .span(input.width ?? 24);
}

export function row(title: string): dashboard.RowBuilder {
  return new dashboard.RowBuilder(title);
}

/** The Prometheus datasource picker (hidden label, defaults to the default datasource). */
export function datasourceVariable(): dashboard.DatasourceVariableBuilder {
  return new dashboard.DatasourceVariableBuilder(DATASOURCE_VARIABLE).label('Data source').type('prometheus');
}

export interface QueryVariableInput {
  name: string;
  label: string;
  /** Grafana's Prometheus variable query, e.g. `label_values(genlake_messages_total, queue)`. */
  query: string;
}

/** A multi-select variable with "All" (matching any value) filled from Prometheus labels. */
export function labelVariable(input: QueryVariableInput): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder(input.name)
    .label(input.label)
    .datasource(PROMETHEUS)
    .query({ query: input.query, refId: 'PrometheusVariableQueryEditor-VariableQuery' })
    .definition(input.query)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ text: 'All', value: '$__all' });
}

/** A dashboard with the house defaults: readonly (it is provisioned), refreshing, linked to the others. */
export function newDashboard(input: DashboardInput): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(input.title)
    .uid(input.uid)
    .description(input.description)
    .tags([GENLAKE_TAG, ...(input.tags ?? [])])
    .readonly()
    .timezone('browser')
    .time({ from: input.from ?? 'now-6h', to: 'now' })
    .refresh('30s')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .withVariable(datasourceVariable())
    .annotation(
      new dashboard.AnnotationQueryBuilder()
        .name('Annotations & Alerts')
        .builtIn(1)
        .datasource({ type: 'grafana', uid: '-- Grafana --' })
        .enable(true)
        .hide(true)
        .iconColor('rgba(0, 211, 255, 1)')
        .type('dashboard'),
    )
    .link(
      new dashboard.DashboardLinkBuilder('genlake dashboards')
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags([GENLAKE_TAG])
        .asDropdown(false)
        .includeVars(false)
        .keepTime(true)
        .targetBlank(false)
        .icon('external link')
        .tooltip('')
        .url(''),
    );
}

/**
 * Builds the dashboard and numbers its panels 1, 2, 3… in layout order (rows and the panels inside
 * collapsed rows included), so the generated JSON is the same on every build.
 */
export function finish(builder: dashboard.DashboardBuilder): dashboard.Dashboard {
  const result = builder.build();
  // The SDK's default placement puts links and annotation toggles in the controls menu (a Grafana 12
  // preview feature); leave them where every Grafana version shows them.
  for (const link of result.links ?? []) delete link.placement;
  for (const annotation of result.annotations?.list ?? []) delete annotation.placement;
  let id = 0;
  for (const panel of result.panels ?? []) {
    panel.id = ++id;
    if (panel.type === 'row') for (const inner of (panel as dashboard.RowPanel).panels) inner.id = ++id;
  }
  return result;
}
