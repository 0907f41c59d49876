import { describe, expect, it } from "vitest";
import { formContent, formFields } from "./elicitation";

// What boo-fake-acp's `elicit` asks for.
const FAKE_SCHEMA = {
  type: "object",
  properties: { name: { type: "string", title: "Name" }, count: { type: "integer" } },
  required: ["name"],
};

describe("formFields", () => {
  it("reads the scripted agent's form", () => {
    expect(formFields(FAKE_SCHEMA).map((f) => [f.name, f.type, f.label, f.required])).toEqual([
      ["name", "string", "Name", true],
      ["count", "integer", "count", false],
    ]);
  });

  it("reads enums, booleans, numbers and defaults; skips what it cannot draw", () => {
    const fields = formFields({
      properties: {
        color: { type: "string", enum: ["red", "green"], enumNames: ["Red", "Green"], default: "green" },
        size: { oneOf: [{ const: "s", title: "Small" }, { const: "l", title: "Large" }] },
        ok: { type: "boolean", default: true, description: "Proceed?" },
        ratio: { type: "number", minimum: 0, maximum: 1, default: 0.5 },
        email: { type: "string", format: "email" },
        nested: { type: "object" },
        list: { type: "array" },
      },
    });
    expect(fields.map((f) => [f.name, f.type, f.initial])).toEqual([
      ["color", "enum", "green"],
      ["size", "enum", ""],
      ["ok", "boolean", true],
      ["ratio", "number", "0.5"],
      ["email", "string", ""],
    ]);
    expect(fields[0]?.choiceLabels).toEqual(["Red", "Green"]);
    expect(fields[1]?.choices).toEqual(["s", "l"]);
    expect(fields[1]?.choiceLabels).toEqual(["Small", "Large"]);
    expect(fields[2]?.description).toBe("Proceed?");
    expect(fields[4]?.format).toBe("email");
  });
});

describe("formContent", () => {
  const fields = formFields(FAKE_SCHEMA);

  it("types the values per the schema and leaves out empty optional ones", () => {
    expect(formContent(fields, { name: " Ada ", count: "3" })).toEqual({ ok: true, content: { name: "Ada", count: 3 } });
    expect(formContent(fields, { name: "Ada", count: "" })).toEqual({ ok: true, content: { name: "Ada" } });
  });

  it("says what is wrong", () => {
    expect(formContent(fields, { name: "", count: "2.5" })).toEqual({ ok: false, errors: { name: "required", count: "not a whole number" } });
    expect(formContent(fields, { name: "x", count: "many" })).toEqual({ ok: false, errors: { count: "not a number" } });
    const ranged = formFields({ properties: { r: { type: "number", minimum: 0, maximum: 1 }, c: { enum: ["a"] } } });
    expect(formContent(ranged, { r: "2", c: "b" })).toEqual({ ok: false, errors: { r: "at most 1", c: "not one of the choices" } });
  });

  it("sends booleans as they are", () => {
    const f = formFields({ properties: { ok: { type: "boolean" } } });
    expect(formContent(f, { ok: true })).toEqual({ ok: true, content: { ok: true } });
    expect(formContent(f, {})).toEqual({ ok: true, content: { ok: false } });
  });
});
