// Helpers for reading CloudFormation templates as synthesized by the CDK: literal values where
// the template has them, and the logical ids an expression refers to (Ref, Fn::GetAtt, Fn::Sub).

/** The logical ids that `value` refers to, anywhere inside it. */
function refsIn(value, out = new Set()) {
  if (Array.isArray(value)) {
    for (const v of value) refsIn(v, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Ref' && typeof v === 'string') out.add(v);
      else if (k === 'Fn::GetAtt') {
        if (Array.isArray(v) && typeof v[0] === 'string') out.add(v[0]);
        else if (typeof v === 'string') out.add(v.split('.')[0]);
      } else if (k === 'Fn::Sub') {
        const text = Array.isArray(v) ? v[0] : v;
        if (typeof text === 'string') {
          for (const m of text.matchAll(/\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}/g)) out.add(m[1]);
        }
        if (Array.isArray(v)) refsIn(v[1], out);
      } else refsIn(v, out);
    }
  }
  return out;
}

/**
 * The literal value of `value` in `template`: strings, numbers and booleans as they are, a Ref to a
 * parameter as its Default, anything else (intrinsics that need a deployment) as `undefined`.
 */
function literal(value, template) {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === 'Ref') {
    const param = template?.Parameters?.[value.Ref];
    if (param && param.Default !== undefined) return param.Default;
  }
  return undefined;
}

/** A number from a literal (numbers and numeric strings), else `fallback`. */
function num(value, template, fallback) {
  const v = literal(value, template);
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return fallback;
}

/** A string from a literal, else `fallback`. */
function str(value, template, fallback) {
  const v = literal(value, template);
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : fallback;
}

/** A boolean from a literal (true/false/"true"/"false"), else `fallback`. */
function bool(value, template, fallback) {
  const v = literal(value, template);
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return fallback;
}

/** The length of a list property when the template states it as a list, else `fallback`. */
function listLength(value, fallback) {
  return Array.isArray(value) ? value.length : fallback;
}

/** The text of a string or an Fn::Join of strings, with `*` for the parts that need a deployment. */
function joinText(value) {
  if (typeof value === 'string') return value;
  const join = value?.['Fn::Join'];
  if (Array.isArray(join) && Array.isArray(join[1])) {
    return join[1]
      .map((part) => (typeof part === 'string' ? part : '*'))
      .join(typeof join[0] === 'string' ? join[0] : '');
  }
  return '';
}

module.exports = { refsIn, literal, num, str, bool, listLength, joinText };
