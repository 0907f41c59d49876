// An agent's `elicitation/create` form: the fields of its JSON schema (flat objects of
// string / number / integer / boolean / enum properties) and the content they give.

export type FieldType = "string" | "number" | "integer" | "boolean" | "enum";

export type Field = {
  name: string;
  type: FieldType;
  label: string;
  description: string | null;
  required: boolean;
  /** Enum values (type `enum`). */
  choices: string[];
  /** Labels of the choices (`enumNames` or `oneOf` titles), same order. */
  choiceLabels: string[];
  /** What the input starts with. */
  initial: string | boolean;
  /** `string` formats the browser can help with: email, uri, date, date-time. */
  format: string | null;
  min: number | null;
  max: number | null;
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | null {
  return typeof v === "string" && v !== "" ? v : null;
}

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** The form's fields, in the schema's property order. Unsupported properties are skipped. */
export function formFields(schema: Record<string, unknown>): Field[] {
  const props = isRecord(schema["properties"]) ? schema["properties"] : {};
  const required = new Set(Array.isArray(schema["required"]) ? schema["required"].filter((x): x is string => typeof x === "string") : []);
  const fields: Field[] = [];
  for (const [name, raw] of Object.entries(props)) {
    if (!isRecord(raw)) continue;
    const label = str(raw["title"]) ?? name;
    const description = str(raw["description"]);
    const base = { name, label, description, required: required.has(name), format: str(raw["format"]), min: null, max: null };
    let choices: string[] | null = null;
    let choiceLabels: string[] = [];
    if (Array.isArray(raw["enum"])) {
      choices = raw["enum"].map(String);
      choiceLabels = Array.isArray(raw["enumNames"]) ? raw["enumNames"].map(String) : choices;
    } else if (Array.isArray(raw["oneOf"])) {
      const consts = raw["oneOf"].filter(isRecord).filter((o) => o["const"] !== undefined);
      if (consts.length > 0) {
        choices = consts.map((o) => String(o["const"]));
        choiceLabels = consts.map((o) => str(o["title"]) ?? String(o["const"]));
      }
    }
    const dflt = raw["default"];
    if (choices !== null) {
      fields.push({ ...base, type: "enum", choices, choiceLabels, initial: dflt === undefined ? "" : String(dflt) });
      continue;
    }
    const type = raw["type"];
    if (type === "boolean") {
      fields.push({ ...base, type: "boolean", choices: [], choiceLabels: [], initial: dflt === true });
    } else if (type === "number" || type === "integer") {
      fields.push({
        ...base,
        type,
        choices: [],
        choiceLabels: [],
        initial: typeof dflt === "number" ? String(dflt) : "",
        min: num(raw["minimum"]),
        max: num(raw["maximum"]),
      });
    } else if (type === "string" || type === undefined) {
      fields.push({ ...base, type: "string", choices: [], choiceLabels: [], initial: typeof dflt === "string" ? dflt : "", min: num(raw["minLength"]), max: num(raw["maxLength"]) });
    }
  }
  return fields;
}

export type FormValues = Readonly<Record<string, string | boolean>>;

export type FormResult = { ok: true; content: Record<string, unknown> } | { ok: false; errors: Record<string, string> };

/** The `content` of an accept, typed per the schema; or what is wrong with the values. */
export function formContent(fields: readonly Field[], values: FormValues): FormResult {
  const content: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const v = values[f.name] ?? f.initial;
    if (f.type === "boolean") {
      content[f.name] = v === true;
      continue;
    }
    const text = typeof v === "string" ? v.trim() : "";
    if (text === "") {
      if (f.required) errors[f.name] = "required";
      continue;
    }
    if (f.type === "number" || f.type === "integer") {
      const n = Number(text);
      if (!Number.isFinite(n)) errors[f.name] = "not a number";
      else if (f.type === "integer" && !Number.isInteger(n)) errors[f.name] = "not a whole number";
      else if (f.min !== null && n < f.min) errors[f.name] = `at least ${f.min}`;
      else if (f.max !== null && n > f.max) errors[f.name] = `at most ${f.max}`;
      else content[f.name] = n;
      continue;
    }
    if (f.type === "enum" && !f.choices.includes(text)) {
      errors[f.name] = "not one of the choices";
      continue;
    }
    if (f.type === "string" && f.min !== null && text.length < f.min) {
      errors[f.name] = `at least ${f.min} characters`;
      continue;
    }
    if (f.type === "string" && f.max !== null && text.length > f.max) {
      errors[f.name] = `at most ${f.max} characters`;
      continue;
    }
    content[f.name] = text;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, content };
}
