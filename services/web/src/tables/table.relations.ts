/**
 * The lake's relations as links: an estimate → its feature → its window → the window's observations (and back).
 * Keyed by table and column; the link filters the target table by equality, which the table API supports.
 */
export type Relation = { table: string; column: string };

const relations: Record<string, Record<string, Relation>> = {
  estimates: { source_feature_id: { table: 'features', column: 'feature_id' } },
  features: {
    window_id: { table: 'windows', column: 'window_id' },
    parent_feature_id: { table: 'features', column: 'feature_id' },
  },
  windows: {
    window_id: { table: 'observations', column: 'window_id' },
    first_obs_id: { table: 'observations', column: 'obs_id' },
    last_obs_id: { table: 'observations', column: 'obs_id' },
  },
  observations: { window_id: { table: 'windows', column: 'window_id' } },
};

export function relationOf(table: string, column: string): Relation | undefined {
  return relations[table]?.[column];
}

/** Query parameters of the table page that are not column filters. */
export const controlParams = new Set(['q', 'order', 'cursor', 'limit']);

/** The column filters of a table page's query (`entity=sensor-1`, `value[gte]=10`). */
export function filtersOf(query: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(query).filter(([k, v]) => !controlParams.has(k) && v !== ''));
}
