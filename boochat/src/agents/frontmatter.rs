//! One agent's YAML frontmatter: deserialized strictly (unknown keys are
//! errors), then range-checked, with every error mapped to its line in the file.

use std::collections::HashSet;

use serde::Deserialize;
use serde_saphyr::{Location, Spanned};

use super::{AgentsError, Sampling, yaml_error};

/// Where a frontmatter block sits, for error messages.
pub(super) struct Context<'a> {
    pub file: &'a str,
    pub agent: &'a str,
    /// 1-based line of the opening `---`; YAML line 1 is the line after it.
    pub fence_line: usize,
}

/// The validated frontmatter of one agent.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Frontmatter {
    pub model: Option<String>,
    pub description: Option<String>,
    pub tools: Option<Vec<String>>,
    pub max_tool_calls: Option<u32>,
    pub sampling: Sampling,
}

type Field<T> = Option<Spanned<T>>;

/// The frontmatter as written, each value with its position.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    model: Field<String>,
    description: Field<String>,
    tools: Field<Vec<Spanned<String>>>,
    max_tool_calls: Field<i64>,
    temperature: Field<f64>,
    top_p: Field<f64>,
    top_k: Field<i64>,
    min_p: Field<f64>,
    presence_penalty: Field<f64>,
    frequency_penalty: Field<f64>,
    repeat_penalty: Field<f64>,
    typical_p: Field<f64>,
    top_n_sigma: Field<f64>,
    xtc_probability: Field<f64>,
    xtc_threshold: Field<f64>,
    dry_multiplier: Field<f64>,
    dry_base: Field<f64>,
    dry_allowed_length: Field<i64>,
    dry_penalty_last_n: Field<i64>,
    dry_sequence_breakers: Field<Vec<Spanned<String>>>,
    max_tokens: Field<i64>,
    seed: Field<i64>,
    reasoning_budget: Field<i64>,
}

/// Accepted values of a float parameter.
#[derive(Clone, Copy)]
enum Bound {
    Between(f64, f64),
    AtLeast(f64),
    Above(f64),
    /// `-1` switches the sampler off; otherwise `>= 0`.
    OffOrAtLeastZero,
}

pub(super) fn parse(ctx: &Context<'_>, yaml: &str) -> Result<Frontmatter, AgentsError> {
    let raw = match serde_saphyr::from_str::<Option<Raw>>(yaml) {
        Ok(Some(raw)) => raw,
        Ok(None) => return Ok(Frontmatter::default()),
        Err(err) => return Err(yaml_error::to_agents_error(ctx, &err, yaml)),
    };
    use Bound::*;
    let mut first = FirstError::default();
    let sampling = Sampling {
        temperature: first.keep(ctx.float("temperature", raw.temperature, AtLeast(0.0))),
        top_p: first.keep(ctx.float("top_p", raw.top_p, Between(0.0, 1.0))),
        top_k: first.keep(ctx.int("top_k", raw.top_k, 0, u32::MAX)),
        min_p: first.keep(ctx.float("min_p", raw.min_p, Between(0.0, 1.0))),
        presence_penalty: first.keep(ctx.float(
            "presence_penalty",
            raw.presence_penalty,
            Between(-2.0, 2.0),
        )),
        frequency_penalty: first.keep(ctx.float(
            "frequency_penalty",
            raw.frequency_penalty,
            Between(-2.0, 2.0),
        )),
        repeat_penalty: first.keep(ctx.float("repeat_penalty", raw.repeat_penalty, Above(0.0))),
        typical_p: first.keep(ctx.float("typical_p", raw.typical_p, Between(0.0, 1.0))),
        top_n_sigma: first.keep(ctx.float("top_n_sigma", raw.top_n_sigma, OffOrAtLeastZero)),
        xtc_probability: first.keep(ctx.float(
            "xtc_probability",
            raw.xtc_probability,
            Between(0.0, 1.0),
        )),
        xtc_threshold: first.keep(ctx.float("xtc_threshold", raw.xtc_threshold, Between(0.0, 1.0))),
        dry_multiplier: first.keep(ctx.float("dry_multiplier", raw.dry_multiplier, AtLeast(0.0))),
        dry_base: first.keep(ctx.float("dry_base", raw.dry_base, AtLeast(1.0))),
        dry_allowed_length: first.keep(ctx.int(
            "dry_allowed_length",
            raw.dry_allowed_length,
            0,
            u32::MAX,
        )),
        dry_penalty_last_n: first.keep(ctx.int(
            "dry_penalty_last_n",
            raw.dry_penalty_last_n,
            -1,
            i32::MAX,
        )),
        dry_sequence_breakers: first.keep(ctx.breakers(raw.dry_sequence_breakers)),
        max_tokens: first.keep(ctx.int("max_tokens", raw.max_tokens, 1, u32::MAX)),
        seed: first.keep(ctx.seed(raw.seed)),
        reasoning_budget: first.keep(ctx.int(
            "reasoning_budget",
            raw.reasoning_budget,
            -1,
            i32::MAX,
        )),
    };
    let frontmatter = Frontmatter {
        model: first.keep(ctx.text("model", raw.model)),
        description: first.keep(ctx.text("description", raw.description)),
        tools: first.keep(ctx.tools(raw.tools)),
        max_tool_calls: first.keep(ctx.int("max_tool_calls", raw.max_tool_calls, 1, u32::MAX)),
        sampling,
    };
    first.or(frontmatter)
}

/// Keeps the error nearest the top of the file, so problems are reported in
/// file order however the checks are ordered.
#[derive(Default)]
struct FirstError(Option<AgentsError>);

impl FirstError {
    fn keep<T>(&mut self, checked: Result<Option<T>, AgentsError>) -> Option<T> {
        match checked {
            Ok(value) => value,
            Err(err) => {
                if self
                    .0
                    .as_ref()
                    .is_none_or(|first| err.line() < first.line())
                {
                    self.0 = Some(err);
                }
                None
            }
        }
    }

    fn or<T>(self, value: T) -> Result<T, AgentsError> {
        self.0.map_or(Ok(value), Err)
    }
}

impl Context<'_> {
    /// The file line of a position inside the frontmatter.
    pub(super) fn line(&self, at: &Location) -> usize {
        let yaml_line = usize::try_from(at.line()).unwrap_or(0);
        self.fence_line + yaml_line
    }

    fn invalid(&self, key: &str, at: &Location, message: String) -> AgentsError {
        AgentsError::InvalidValue {
            file: self.file.to_owned(),
            line: self.line(at),
            agent: self.agent.to_owned(),
            key: key.to_owned(),
            message,
        }
    }

    fn text(&self, key: &str, value: Field<String>) -> Result<Option<String>, AgentsError> {
        let Some(value) = value else { return Ok(None) };
        let text = value.value.trim();
        if text.is_empty() {
            return Err(self.invalid(key, &value.referenced, "must not be empty".into()));
        }
        Ok(Some(text.to_owned()))
    }

    fn float(
        &self,
        key: &str,
        value: Field<f64>,
        bound: Bound,
    ) -> Result<Option<f64>, AgentsError> {
        let Some(Spanned {
            value: v,
            referenced,
            ..
        }) = value
        else {
            return Ok(None);
        };
        let (ok, rule) = match bound {
            _ if !v.is_finite() => (false, "must be a finite number".to_owned()),
            Bound::Between(lo, hi) => (
                (lo..=hi).contains(&v),
                format!("must be between {lo} and {hi}"),
            ),
            Bound::AtLeast(lo) => (v >= lo, format!("must be >= {lo}")),
            Bound::Above(lo) => (v > lo, format!("must be > {lo}")),
            Bound::OffOrAtLeastZero => (
                v >= 0.0 || v == -1.0,
                "must be >= 0, or -1 to disable it".to_owned(),
            ),
        };
        if ok {
            Ok(Some(v))
        } else {
            Err(self.invalid(key, &referenced, format!("{rule}, got {v}")))
        }
    }

    /// An integer from `min` to `max`, the largest value of its type `T`.
    fn int<T>(
        &self,
        key: &str,
        value: Field<i64>,
        min: i64,
        max: T,
    ) -> Result<Option<T>, AgentsError>
    where
        T: TryFrom<i64> + Into<i64>,
    {
        let Some(Spanned {
            value: v,
            referenced,
            ..
        }) = value
        else {
            return Ok(None);
        };
        let max: i64 = max.into();
        let rule = if v < min {
            format!("must be an integer >= {min}")
        } else if v > max {
            format!("must be an integer <= {max}")
        } else if let Ok(n) = T::try_from(v) {
            return Ok(Some(n));
        } else {
            format!("must be an integer from {min} to {max}")
        };
        Err(self.invalid(key, &referenced, format!("{rule}, got {v}")))
    }

    /// `-1` (a random seed) or any unsigned 32-bit value.
    fn seed(&self, value: Field<i64>) -> Result<Option<i64>, AgentsError> {
        let Some(Spanned {
            value: v,
            referenced,
            ..
        }) = value
        else {
            return Ok(None);
        };
        if v == -1 || u32::try_from(v).is_ok() {
            Ok(Some(v))
        } else {
            let max = u32::MAX;
            Err(self.invalid(
                "seed",
                &referenced,
                format!("must be -1 or an integer from 0 to {max}, got {v}"),
            ))
        }
    }

    fn tools(
        &self,
        value: Field<Vec<Spanned<String>>>,
    ) -> Result<Option<Vec<String>>, AgentsError> {
        let Some(list) = value else { return Ok(None) };
        let mut seen = HashSet::new();
        let mut tools = Vec::with_capacity(list.value.len());
        for item in list.value {
            let name = item.value.trim();
            if name.is_empty() {
                return Err(self.invalid(
                    "tools",
                    &item.referenced,
                    "must not contain an empty tool name".into(),
                ));
            }
            if !seen.insert(name.to_owned()) {
                return Err(self.invalid(
                    "tools",
                    &item.referenced,
                    format!("lists `{name}` twice"),
                ));
            }
            tools.push(name.to_owned());
        }
        Ok(Some(tools))
    }

    fn breakers(
        &self,
        value: Field<Vec<Spanned<String>>>,
    ) -> Result<Option<Vec<String>>, AgentsError> {
        const KEY: &str = "dry_sequence_breakers";
        let Some(list) = value else { return Ok(None) };
        if list.value.is_empty() {
            return Err(self.invalid(KEY, &list.referenced, "must not be an empty list".into()));
        }
        let mut breakers = Vec::with_capacity(list.value.len());
        for item in list.value {
            if item.value.is_empty() {
                return Err(self.invalid(
                    KEY,
                    &item.referenced,
                    "must not contain an empty string".into(),
                ));
            }
            breakers.push(item.value);
        }
        Ok(Some(breakers))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{AgentDef, parse};
    use super::*;
    use pretty_assertions::assert_eq;

    /// The agent `A` with `frontmatter` after a two-line preamble, so the
    /// opening fence is line 4 and the first frontmatter line is line 5.
    fn parse_one(frontmatter: &str) -> Result<AgentDef, AgentsError> {
        let text = format!("Preamble.\n\n## A\n---\n{frontmatter}\n---\nPrompt.\n");
        parse("AGENTS.md", &text).map(|mut agents| agents.remove(0))
    }

    fn error_of(frontmatter: &str) -> String {
        match parse_one(frontmatter) {
            Ok(agent) => format!("accepted: {agent:?}"),
            Err(err) => err.to_string(),
        }
    }

    #[test]
    fn every_key_is_read() {
        let frontmatter = "\
model: qwen3.6-35b-a3b
description: >
  Plans work and
  delegates it
tools:
  - read_file
  - grep
max_tool_calls: 50
temperature: 0.7
top_p: 0.8
top_k: 20
min_p: 0.05
presence_penalty: -0.5
frequency_penalty: 0.25
repeat_penalty: 1.05
typical_p: 1
top_n_sigma: -1
xtc_probability: 0.5
xtc_threshold: 0.1
dry_multiplier: 0.8
dry_base: 1.75
dry_allowed_length: 2
dry_penalty_last_n: 4096
dry_sequence_breakers:
  - \"\\n\"
  - '*'
max_tokens: 8192
seed: 4294967295
reasoning_budget: -1";
        let expected = AgentDef {
            name: "A".into(),
            description: Some("Plans work and delegates it".into()),
            model: Some("qwen3.6-35b-a3b".into()),
            tools: Some(vec!["read_file".into(), "grep".into()]),
            max_tool_calls: Some(50),
            sampling: Sampling {
                temperature: Some(0.7),
                top_p: Some(0.8),
                top_k: Some(20),
                min_p: Some(0.05),
                presence_penalty: Some(-0.5),
                frequency_penalty: Some(0.25),
                repeat_penalty: Some(1.05),
                typical_p: Some(1.0),
                top_n_sigma: Some(-1.0),
                xtc_probability: Some(0.5),
                xtc_threshold: Some(0.1),
                dry_multiplier: Some(0.8),
                dry_base: Some(1.75),
                dry_allowed_length: Some(2),
                dry_penalty_last_n: Some(4096),
                dry_sequence_breakers: Some(vec!["\n".into(), "*".into()]),
                max_tokens: Some(8192),
                seed: Some(4_294_967_295),
                reasoning_budget: Some(-1),
            },
            prompt: "Prompt.".into(),
            line: 3,
        };
        assert_eq!(parse_one(frontmatter), Ok(expected));
    }

    #[test]
    fn null_values_are_unset() {
        let agent = parse_one("model:\ntools: ~\ntemperature: null").unwrap();
        assert_eq!(
            (agent.model, agent.tools, agent.sampling),
            (None, None, Sampling::default())
        );
    }

    #[test]
    fn out_of_range_values_are_errors() {
        let cases = [
            ("temperature: -0.1", "`temperature` must be >= 0, got -0.1"),
            (
                "temperature: .nan",
                "`temperature` must be a finite number, got NaN",
            ),
            ("top_p: 1.5", "`top_p` must be between 0 and 1, got 1.5"),
            ("top_k: -1", "`top_k` must be an integer >= 0, got -1"),
            (
                "top_k: 40000000000",
                "`top_k` must be an integer <= 4294967295, got 40000000000",
            ),
            ("min_p: 2", "`min_p` must be between 0 and 1, got 2"),
            (
                "presence_penalty: 2.5",
                "`presence_penalty` must be between -2 and 2, got 2.5",
            ),
            (
                "frequency_penalty: -3",
                "`frequency_penalty` must be between -2 and 2, got -3",
            ),
            ("repeat_penalty: 0", "`repeat_penalty` must be > 0, got 0"),
            (
                "typical_p: 1.01",
                "`typical_p` must be between 0 and 1, got 1.01",
            ),
            (
                "top_n_sigma: -0.5",
                "`top_n_sigma` must be >= 0, or -1 to disable it, got -0.5",
            ),
            (
                "xtc_probability: -1",
                "`xtc_probability` must be between 0 and 1, got -1",
            ),
            (
                "xtc_threshold: 1.5",
                "`xtc_threshold` must be between 0 and 1, got 1.5",
            ),
            (
                "dry_multiplier: -0.1",
                "`dry_multiplier` must be >= 0, got -0.1",
            ),
            ("dry_base: 0.5", "`dry_base` must be >= 1, got 0.5"),
            (
                "dry_allowed_length: -1",
                "`dry_allowed_length` must be an integer >= 0, got -1",
            ),
            (
                "dry_penalty_last_n: -2",
                "`dry_penalty_last_n` must be an integer >= -1, got -2",
            ),
            (
                "dry_penalty_last_n: 3000000000",
                "`dry_penalty_last_n` must be an integer <= 2147483647, got 3000000000",
            ),
            (
                "dry_sequence_breakers: []",
                "`dry_sequence_breakers` must not be an empty list",
            ),
            (
                "dry_sequence_breakers: ['a', '']",
                "`dry_sequence_breakers` must not contain an empty string",
            ),
            (
                "max_tokens: 0",
                "`max_tokens` must be an integer >= 1, got 0",
            ),
            (
                "seed: -2",
                "`seed` must be -1 or an integer from 0 to 4294967295, got -2",
            ),
            (
                "seed: 4294967296",
                "`seed` must be -1 or an integer from 0 to 4294967295, got 4294967296",
            ),
            (
                "reasoning_budget: -5",
                "`reasoning_budget` must be an integer >= -1, got -5",
            ),
            (
                "max_tool_calls: 0",
                "`max_tool_calls` must be an integer >= 1, got 0",
            ),
            ("model: '  '", "`model` must not be empty"),
            ("description: ''", "`description` must not be empty"),
            (
                "tools: [read_file, '']",
                "`tools` must not contain an empty tool name",
            ),
        ];
        let (inputs, expected): (Vec<_>, Vec<String>) = cases
            .into_iter()
            .map(|(input, message)| (input, format!("AGENTS.md:5: agent \"A\": {message}")))
            .unzip();
        assert_eq!(
            inputs.into_iter().map(error_of).collect::<Vec<_>>(),
            expected
        );
    }

    #[test]
    fn the_first_bad_value_in_the_file_is_reported() {
        let err = parse_one("model: ''\ntemperature: -1\ntop_p: 2").unwrap_err();
        assert_eq!(
            (err.line(), err.to_string()),
            (
                Some(5),
                "AGENTS.md:5: agent \"A\": `model` must not be empty".to_owned()
            )
        );
        let err = parse_one("top_p: 2\nmodel: ''").unwrap_err();
        assert_eq!(
            err.to_string(),
            "AGENTS.md:5: agent \"A\": `top_p` must be between 0 and 1, got 2"
        );
    }

    #[test]
    fn value_errors_point_at_the_offending_line_and_item() {
        assert_eq!(
            parse_one("model: m\ntools:\n  - grep\n  - read_file\n  - grep"),
            Err(AgentsError::InvalidValue {
                file: "AGENTS.md".into(),
                line: 9,
                agent: "A".into(),
                key: "tools".into(),
                message: "lists `grep` twice".into(),
            })
        );
    }
}
